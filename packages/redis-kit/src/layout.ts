import { CacheConfigError } from '@cacheport/core'

/**
 * Key layout of one namespace. Every key of a namespace carries a hash tag `{ns:b}` where
 * `b` is a bucket chosen by hashing the entry key; a bucket's value keys and its tag index
 * keys share one hash slot, so a value and its tags are written atomically and no command is
 * ever cross-slot. Standalone servers use one bucket; clusters spread a namespace over many.
 *
 * - value:     `<prefix>v{<ns>:<b>}<key>`
 * - tag index: `<prefix>t{<ns>:<b>}<tag>` (sorted set: member = key, score = expiry ms)
 * - lock:      `<prefix>l{<ns>:<b>}<key>` (string: the holder's token; same slot as the value)
 * - fence:     `<prefix>f{<ns>:<b>}` (hash: the bucket's write-back generations, see fence.ts)
 * - bus:       `<prefix>bus{<ns>}` (a pub/sub channel, sharded on clusters; not a key)
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export class KeyLayout {
  readonly prefix: string
  readonly namespace: string
  readonly buckets: number
  /** The pub/sub channel of this namespace's invalidations: one hash slot per namespace. */
  readonly busChannel: string
  readonly #valuePrefixes: string[]
  readonly #indexPrefixes: string[]
  readonly #lockPrefixes: string[]
  readonly #fenceKeys: string[]

  /** Throws `CacheConfigError` for a namespace with `{`, `}` or `:` or a bad bucket count. */
  constructor(prefix: string, namespace: string, buckets: number) {
    if (!/^[^{}:]{1,128}$/.test(namespace)) {
      throw new CacheConfigError(
        'INVALID_NAMESPACE',
        `namespace '${namespace}' must not contain '{', '}' or ':'`,
      )
    }
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 16384) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `buckets must be an integer in [1, 16384], got ${buckets}`,
      )
    }
    this.prefix = prefix
    this.namespace = namespace
    this.buckets = buckets
    this.busChannel = `${prefix}bus{${namespace}}`
    this.#valuePrefixes = Array.from({ length: buckets }, (_, b) => `${prefix}v{${namespace}:${b}}`)
    this.#indexPrefixes = Array.from({ length: buckets }, (_, b) => `${prefix}t{${namespace}:${b}}`)
    this.#lockPrefixes = Array.from({ length: buckets }, (_, b) => `${prefix}l{${namespace}:${b}}`)
    this.#fenceKeys = Array.from({ length: buckets }, (_, b) => `${prefix}f{${namespace}:${b}}`)
  }

  /** The bucket of an entry key (FNV-1a over UTF-16 code units). */
  bucket(key: string): number {
    if (this.buckets === 1) return 0
    return fnv1a(key) % this.buckets
  }

  /**
   * The delete-cell field of an entry key in its bucket's fence hash: one of 256, from bits
   * of the hash the bucket choice does not use, so a delete stops the write-back of about
   * 1/256 of the other loads in flight in its bucket, not all of them.
   */
  fenceCell(key: string): string {
    return `d${this.fenceCellIndex(key)}`
  }

  /**
   * The number (0..255) of `fenceCell(key)`. FNV-1a alone barely moves these bits between
   * keys that differ in their last character (`item:1`, `item:2`…), so the hash is mixed
   * first (MurmurHash3's finaliser) and keys spread over every cell.
   */
  fenceCellIndex(key: string): number {
    let h = fnv1a(key)
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    return ((h ^ (h >>> 16)) >>> 16) & 0xff
  }

  /** The fence hash of a bucket (same hash slot as its values). */
  fenceKey(bucket: number): string {
    return this.#fenceKeys[bucket] as string
  }

  valueKey(key: string): string {
    return (this.#valuePrefixes[this.bucket(key)] as string) + key
  }

  /** The lock key of an entry key: same hash slot as its value. */
  lockKey(key: string): string {
    return (this.#lockPrefixes[this.bucket(key)] as string) + key
  }

  valuePrefix(bucket: number): string {
    return this.#valuePrefixes[bucket] as string
  }

  indexPrefix(bucket: number): string {
    return this.#indexPrefixes[bucket] as string
  }

  /**
   * SCAN MATCH pattern for the data of this namespace (values and indexes). Locks are left
   * out: `clear()` must not free a lock another process holds.
   */
  get scanAllPattern(): string {
    return `${escapeGlob(this.prefix)}[vt]{${this.namespace}:*`
  }

  /** What every value key of this namespace starts with (the CLIENT TRACKING prefix). */
  get valueKeysPrefix(): string {
    return `${this.prefix}v{${this.namespace}:`
  }

  /** SCAN MATCH pattern for the value keys of this namespace. */
  get scanValuesPattern(): string {
    return `${escapeGlob(this.prefix)}v{${this.namespace}:*`
  }

  /** The entry key inside a value key found by SCAN. */
  entryKeyOf(valueKey: string): string {
    return valueKey.slice(valueKey.indexOf('}', this.prefix.length + 2) + 1)
  }
}

/** FNV-1a over UTF-16 code units, unsigned. */
function fnv1a(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * Splits a value key of any namespace under `prefix` into namespace and entry key, or returns
 * `undefined` for any other key (tag indexes, locks, foreign keys).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function parseValueKey(
  prefix: string,
  valueKey: string,
): { namespace: string; key: string } | undefined {
  const start = prefix.length + 2
  if (!valueKey.startsWith(prefix) || !valueKey.startsWith('v{', prefix.length)) return undefined
  const colon = valueKey.indexOf(':', start)
  if (colon < 0) return undefined
  const close = valueKey.indexOf('}', colon + 1)
  if (close < 0 || !/^\d+$/.test(valueKey.slice(colon + 1, close))) return undefined
  return { namespace: valueKey.slice(start, colon), key: valueKey.slice(close + 1) }
}

/**
 * Escapes Redis glob characters so a prefix matches literally.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)
}

/**
 * The `{...}` hash tag of a key (what decides its cluster slot), or the key itself.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{')
  if (open < 0) return key
  const close = key.indexOf('}', open + 1)
  if (close <= open + 1) return key
  return key.slice(open + 1, close)
}

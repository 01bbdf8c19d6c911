import { CacheConfigError } from '@cacheport/core'

/**
 * Key layout of one namespace. Every key of a namespace carries a hash tag `{ns:b}` where
 * `b` is a bucket chosen by hashing the entry key; a bucket's value keys and its tag index
 * keys share one hash slot, so a value and its tags are written atomically and no command is
 * ever cross-slot. Standalone servers use one bucket; clusters spread a namespace over many.
 *
 * - value:     `<prefix>v{<ns>:<b>}<key>`
 * - tag index: `<prefix>t{<ns>:<b>}<tag>` (sorted set: member = key, score = expiry ms)
 */
export class KeyLayout {
  readonly prefix: string
  readonly namespace: string
  readonly buckets: number
  readonly #valuePrefixes: string[]
  readonly #indexPrefixes: string[]

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
    this.#valuePrefixes = Array.from({ length: buckets }, (_, b) => `${prefix}v{${namespace}:${b}}`)
    this.#indexPrefixes = Array.from({ length: buckets }, (_, b) => `${prefix}t{${namespace}:${b}}`)
  }

  /** The bucket of an entry key (FNV-1a over UTF-16 code units). */
  bucket(key: string): number {
    if (this.buckets === 1) return 0
    let h = 0x811c9dc5
    for (let i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i)
      h = Math.imul(h, 0x01000193)
    }
    return (h >>> 0) % this.buckets
  }

  valueKey(key: string): string {
    return (this.#valuePrefixes[this.bucket(key)] as string) + key
  }

  valuePrefix(bucket: number): string {
    return this.#valuePrefixes[bucket] as string
  }

  indexPrefix(bucket: number): string {
    return this.#indexPrefixes[bucket] as string
  }

  /** SCAN MATCH pattern for every key of this namespace (values and indexes). */
  get scanAllPattern(): string {
    return `${escapeGlob(this.prefix)}?{${this.namespace}:*`
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

/** Escapes Redis glob characters so a prefix matches literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)
}

/** The `{...}` hash tag of a key (what decides its cluster slot), or the key itself. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{')
  if (open < 0) return key
  const close = key.indexOf('}', open + 1)
  if (close <= open + 1) return key
  return key.slice(open + 1, close)
}

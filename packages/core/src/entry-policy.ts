import type { GetOrSetOptions } from './cache-types.js'
import { type Duration, jitterTtl, resolveTtl } from './duration.js'
import { CacheConfigError, CacheUnsupportedError, CacheValueError } from './errors.js'
import { validateKey } from './keys.js'
import type { NamespaceSettings } from './namespace-settings.js'
import type { DecodedEntry } from './pipeline.js'
import type { CapabilityName, LiveEntry, ProviderCapabilities } from './ports.js'

/** Source of the current time in epoch ms (inject a fake one in tests). */
export interface Clock {
  now(): number
}

/**
 * One write's timing and tags, normalised from the namespace settings and the call's options.
 * `ttlMs` is the logical TTL (jitter applied); `storeTtlMs` is what the store enforces (the
 * logical TTL plus grace). `undefined` TTLs never expire.
 */
export interface EntryOptions {
  readonly ttlMs: number | undefined
  readonly storeTtlMs: number | undefined
  readonly tags: readonly string[] | undefined
  readonly negative: boolean
  /**
   * Raw values of searchable fields that replace what the extractors read from the value
   * (`getOrSetSimilar` writes its embedding this way). Absent on ordinary writes.
   */
  readonly fields?: Readonly<Record<string, unknown>>
}

/**
 * Turns namespace settings and per-call options into `EntryOptions`, builds entry metadata,
 * and judges an entry's age. Every TTL, jitter, grace and tag rule of a namespace lives here.
 */
export class EntryPolicy {
  readonly #settings: NamespaceSettings
  readonly #capabilities: ProviderCapabilities
  readonly #providerName: string
  readonly #graceMs: number | undefined
  readonly clock: Clock
  readonly random: () => number

  constructor(options: {
    readonly settings: NamespaceSettings
    readonly capabilities: ProviderCapabilities
    readonly providerName: string
    readonly clock: Clock
    readonly random: () => number
  }) {
    this.#settings = options.settings
    this.#capabilities = options.capabilities
    this.#providerName = options.providerName
    this.#graceMs = options.settings.grace?.graceMs
    this.clock = options.clock
    this.random = options.random
  }

  /**
   * Options of one write: `ttl` and `tags` as given by the call (or a loader), falling back to
   * the namespace's. Throws `CacheTtlError` for a bad TTL, `CacheConfigError` (`INVALID_TAG`)
   * for bad tags, `CacheUnsupportedError` for tags on a provider without them.
   */
  entry(
    ttl: Duration | null | undefined,
    tags: readonly string[] | undefined,
    negative: boolean,
  ): EntryOptions {
    const ttlMs = this.ttlFor(ttl, negative)
    return { ttlMs, storeTtlMs: this.storeTtl(ttlMs), tags: this.tags(tags), negative }
  }

  /** Validates `getOrSet` options without building anything. Throws as `entry` does. */
  checkCallOptions(options: GetOrSetOptions): void {
    this.ttlFor(options.ttl, false)
    if (options.negativeTtl !== undefined) resolveTtl(options.negativeTtl, undefined, 'negativeTtl')
    this.tags(options.tags)
  }

  /** The jittered logical TTL in ms for a TTL option (`undefined`: no expiry). */
  ttlFor(option: Duration | null | undefined, negative: boolean): number | undefined {
    const s = this.#settings
    const fallback = negative ? (s.negativeTtlMs ?? s.ttlMs) : s.ttlMs
    const base = resolveTtl(option, fallback, negative ? 'negativeTtl' : 'ttl')
    return base === undefined ? undefined : jitterTtl(base, s.jitter, this.random)
  }

  /** The TTL the store enforces: the logical TTL plus the grace window. */
  storeTtl(ttlMs: number | undefined): number | undefined {
    return ttlMs === undefined || this.#graceMs === undefined ? ttlMs : ttlMs + this.#graceMs
  }

  /**
   * The entry written now with these options: its metadata, and the value itself, so a live
   * store can keep this very object.
   */
  meta(now: number, options: EntryOptions, value: unknown): LiveEntry {
    const expiresAt = options.ttlMs === undefined ? undefined : now + options.ttlMs
    return {
      value: options.negative ? undefined : value,
      createdAt: now,
      expiresAt,
      staleUntil:
        expiresAt === undefined || this.#graceMs === undefined
          ? undefined
          : expiresAt + this.#graceMs,
      negative: options.negative,
    }
  }

  /** Validated, de-duplicated tags (`undefined` for none). Throws as `entry` does. */
  tags(tags: readonly string[] | undefined): readonly string[] | undefined {
    if (tags === undefined) return undefined
    if (!Array.isArray(tags)) {
      throw new CacheConfigError('INVALID_TAG', 'tags must be an array of strings')
    }
    if (tags.length === 0) return undefined
    this.require('tags', 'tags')
    for (const tag of tags) {
      if (typeof tag !== 'string' || tag.length === 0) {
        throw new CacheConfigError('INVALID_TAG', 'every tag must be a non-empty string')
      }
      try {
        validateKey(tag, this.#settings.maxKeyBytes)
      } catch (error) {
        throw new CacheConfigError('INVALID_TAG', `invalid tag: ${(error as Error).message}`)
      }
    }
    const unique = tags.length === 1 ? tags : [...new Set(tags)]
    checkTagBytes(unique)
    return unique
  }

  /** Throws `CacheUnsupportedError` unless the provider declares `capability`. */
  require(capability: CapabilityName, operation: string): void {
    if (!this.#capabilities[capability]) {
      throw new CacheUnsupportedError(
        capability,
        `${operation}() needs the '${capability}' capability, which provider '${this.#providerName}' does not declare`,
      )
    }
  }

  /** Logically fresh: not past `expiresAt`. */
  isFresh(f: DecodedEntry<unknown>): boolean {
    return f.expiresAt === undefined || f.expiresAt > this.clock.now()
  }

  /** Still servable at `now`: fresh, or stale within its grace window. */
  isAlive(f: DecodedEntry<unknown>, now: number): boolean {
    const end = f.staleUntil ?? f.expiresAt
    return end === undefined || end > now
  }

  /** True when grace is on and `f` is past its TTL but within its grace window. */
  isServableStale(f: DecodedEntry<unknown>): boolean {
    return this.#graceMs !== undefined && this.isAlive(f, this.clock.now())
  }
}

/** Throws `CacheValueError` (`UNDEFINED_VALUE`) for `undefined`. */
export function checkValue(k: string, value: unknown): void {
  if (value === undefined) {
    throw new CacheValueError(
      'UNDEFINED_VALUE',
      `cannot cache undefined for key '${k}': use null, or delete the key`,
    )
  }
}

/**
 * The most tag bytes one entry may carry: each tag costs 2 bytes plus its UTF-8 bytes. Every
 * provider refuses more alike (Redis keeps them in a header with a 16-bit length).
 */
export const MAX_TAG_BYTES = 65_535

function checkTagBytes(tags: readonly string[]): void {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: skip the exact count when far below the limit.
  let upper = 0
  for (const tag of tags) upper += 2 + tag.length * 3
  if (upper <= MAX_TAG_BYTES) return
  let bytes = 0
  for (const tag of tags) bytes += 2 + Buffer.byteLength(tag, 'utf8')
  if (bytes > MAX_TAG_BYTES) {
    throw new CacheConfigError(
      'INVALID_TAG',
      `the tags of one entry take ${bytes} bytes (${tags.length} tags, 2 bytes each plus their UTF-8 bytes), over the limit of ${MAX_TAG_BYTES}`,
    )
  }
}

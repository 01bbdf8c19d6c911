import type { Duration } from './duration.js'
import type { EncodingRegistry } from './encoding-registry.js'
import type { Encoder, KeyCodec, Transformer } from './ports.js'
import type { SearchOptions } from './search-types.js'

/** Settings every namespace inherits unless it overrides them. */
export interface NamespaceDefaults {
  /** Default TTL; omitted or `null`: entries do not expire. */
  readonly ttl?: Duration | null
  /** TTL of cached "not found" results; defaults to `ttl`. */
  readonly negativeTtl?: Duration | null
  /** TTL spread as a fraction (0.1 = ±10%, the default); `0` turns it off. */
  readonly jitter?: number
  /** Longest encoded key, in UTF-8 bytes. Default 1024. */
  readonly maxKeyBytes?: number
  /** Optimistic `compute` retries. Default 10. */
  readonly computeRetries?: number
  /**
   * When the provider fails a read (down, timing out, failing), `getOrSet` and
   * `getOrSetMany` run the loader and return its value; the failed read and the failed
   * write-back are `error` events. Default `true`. `false` rejects with the provider's error.
   * Writes, deletes and invalidations always reject, so a caller knows they did not happen.
   */
  readonly loaderFallback?: boolean
}

/**
 * Options of one namespace. `P` is the union of the service's provider names, so a misspelt
 * `provider` or `l1` does not compile when the service knows its providers; `V` types the
 * search schema's extractors.
 */
export interface NamespaceOptions<K, P extends string = string, V = unknown>
  extends NamespaceDefaults {
  /** Provider name; defaults to the service's `defaultProvider`. */
  readonly provider?: P
  /** Maps typed keys to strings; defaults to string keys. */
  readonly keyCodec?: KeyCodec<K>
  /** Overrides the service encoder for this namespace (bytes providers only). */
  readonly encoder?: Encoder | EncodingRegistry
  /** Overrides the service transformers for this namespace (bytes providers only). */
  readonly transformers?: readonly Transformer[]
  /**
   * Makes the namespace multilevel: the name of an in-process provider (for example a
   * `memoryProvider({ values: 'live' })`) used as L1 in front of `provider` as L2, or an
   * object that also caps how long an entry stays in L1.
   */
  readonly l1?: P | L1Options<P>
  /**
   * Keep L1 coherent across processes through the L2 provider's invalidation bus. Default
   * `true` for multilevel namespaces, which then need a provider with the `bus` capability;
   * `false` accepts that other processes' writes reach this L1 only when its entries expire
   * (set `l1.maxTtl` to bound that).
   */
  readonly bus?: boolean
  /** One loader per key across processes, through the provider's distributed lock. */
  readonly lock?: boolean | LockOptions
  /**
   * How long after its TTL a value may still be served stale by `getOrSet` while it is
   * refreshed (stale-while-revalidate). The store keeps entries for TTL + grace.
   */
  readonly grace?: Duration | null
  /** With grace: how long a caller holding a stale value waits for the refresh. Default 0. */
  readonly softTimeout?: Duration | 0
  /** How long a caller with no stale value waits for the loader before a `CacheTimeoutError`. */
  readonly hardTimeout?: Duration | null
  /** With grace: after a failed refresh, serve the stale value this long before retrying. Default 10 s. */
  readonly graceBackoff?: Duration
  /** XFetch refresh-ahead: refresh hot keys shortly before they expire. */
  readonly refreshAhead?: boolean | { readonly beta?: number }
  /** Circuit breaker in front of the provider (the L2 of a multilevel namespace). */
  readonly breaker?: boolean | BreakerOptions
  /**
   * Makes the namespace searchable: the fields to index (TEXT, TAG, NUMERIC, GEO, VECTOR),
   * written with each entry to the store of record (L2). Needs a provider with the `search`
   * capability. See `Cache.search`.
   */
  readonly search?: SearchOptions<V>
}

/** The `l1` option in full. */
export interface L1Options<P extends string = string> {
  readonly provider: P
  /** Longest time an entry stays in L1. Default: as long as in L2. */
  readonly maxTtl?: Duration | null
  /**
   * Which entries read from L2 are copied into L1. `'repeated'` (the default): only a key
   * read from L2 before, recently (a doorkeeper, as in W-TinyLFU), so keys read once do not
   * evict hot ones or cost L1 upkeep and GC. `'always'`: every L2 hit. Writes from this
   * process (set, loads) always go to L1.
   */
  readonly admit?: 'repeated' | 'always'
}

/** The `lock` option in full. */
export interface LockOptions {
  /** The lock expires by itself after this long (longer than a load). Default 30 s. */
  readonly ttl?: Duration
  /** How long a caller waits for the lock. Default 10 s. */
  readonly wait?: Duration | 0
  /** After `wait`: run the loader anyway (`'load'`, the default) or reject with `CacheLockTimeoutError`. */
  readonly onTimeout?: 'load' | 'error'
}

/** The `breaker` option in full. */
export interface BreakerOptions {
  /** Consecutive backend failures (never misses) that open the circuit. Default 5. */
  readonly failures?: number
  /** How long the circuit stays open before a probe. Default 10 s. */
  readonly cooldown?: Duration
}

import type { Duration } from './duration.js'
import type { MaybePromise } from './ports.js'

/** Returned by a loader (or `ctx.notFound()`) to cache "this key has no value". */
export const NOT_FOUND: unique symbol = Symbol.for('cacheport.notFound')
export type NotFound = typeof NOT_FOUND

/** Options of a write. */
export interface SetOptions {
  /** Time to live: ms or a string like `'10m'`; `null` for no expiry. Defaults to the namespace's. */
  readonly ttl?: Duration | null
  /** Tags to invalidate this entry by. Needs a provider with the `tags` capability. */
  readonly tags?: readonly string[]
}

/** One entry of `setMany`. */
export interface SetManyEntry<K, V> extends SetOptions {
  readonly key: K
  readonly value: V
}

/** Options of `getOrSet` and `getOrSetMany`. */
export interface GetOrSetOptions extends SetOptions {
  /** TTL of a cached "not found"; defaults to the namespace's `negativeTtl`, then its `ttl`. */
  readonly negativeTtl?: Duration | null
  /**
   * Stops this caller waiting: when it aborts, the call rejects at once with `signal.reason`
   * (a `DOMException` named `AbortError` unless a reason was given). The load goes on for
   * other callers; when every caller waiting on it has aborted, the loader's `ctx.signal`
   * fires.
   */
  readonly signal?: AbortSignal
}

/** What a loader can tell the cache about the value it produced. */
export interface LoaderContext<K> {
  /** The key being loaded. */
  readonly key: K
  /**
   * Fires when nobody needs the value any more: every caller waiting on this load aborted its
   * signal, the namespace's hard timeout ran out, or the service is closing. Pass it to
   * `fetch`, database drivers and timers; its `reason` says why.
   */
  readonly signal: AbortSignal
  /** Overrides the TTL for this value (e.g. from an upstream `max-age`). */
  setTtl(ttl: Duration | null): void
  /** Replaces the tags for this value. */
  setTags(tags: readonly string[]): void
  /** Return the value to the caller but do not cache it. */
  skipCache(): void
  /** Return this to cache "not found" under the negative TTL; the caller gets `undefined`. */
  notFound(): NotFound
}

/** Produces the value of a missing key. */
export type Loader<K, V> = (context: LoaderContext<K>) => MaybePromise<V | NotFound>

/**
 * What `getOrSet` resolves to for a loader that returns `R`: `V` when `R` cannot be
 * `NOT_FOUND`, else `V | undefined` (a cached "not found" reads as `undefined`).
 */
export type GetOrSetResult<V, R> = NotFound extends R ? V | undefined : V

/** What a bulk loader can tell the cache. */
export interface BulkLoaderContext {
  /** As `LoaderContext.signal`, for the bulk load. */
  readonly signal: AbortSignal
  setTtl(ttl: Duration | null): void
  setTags(tags: readonly string[]): void
  skipCache(): void
}

/**
 * Produces the values of the missing keys. Keys absent from the result are returned as
 * `undefined` and not cached; map a key to `NOT_FOUND` to cache it as not found.
 */
export type BulkLoader<K, V> = (
  missingKeys: K[],
  context: BulkLoaderContext,
) => MaybePromise<ReadonlyMap<K, V | NotFound> | Iterable<readonly [K, V | NotFound]>>

/** What a `compute` callback decides for the key. */
export type ComputeResult<V> =
  | {
      readonly action: 'set'
      readonly value: V
      readonly ttl?: Duration | null
      readonly tags?: readonly string[]
    }
  | { readonly action: 'delete' }
  | { readonly action: 'keep' }

/** Options of `compute`. */
export interface ComputeOptions {
  /** Retries after losing an optimistic race (remote stores). Default 10. */
  readonly maxRetries?: number
}

/** A cached value with its metadata, as `getEntry` returns it. */
export interface CacheEntry<V> {
  /** The value; `undefined` for a cached "not found" (`negative`). */
  readonly value: V | undefined
  /** Epoch ms when the value was written. */
  readonly createdAt: number
  /** Epoch ms of logical expiry; `undefined` when it never expires. */
  readonly expiresAt: number | undefined
  /** Epoch ms until which the value may be served stale (with `grace`); `undefined`: none. */
  readonly staleUntil: number | undefined
  /** True when past `expiresAt` but still within grace: `get` misses it, `getOrSet` serves it. */
  readonly stale: boolean
  /** True for a cached "not found". */
  readonly negative: boolean
  /**
   * The entry's tags, where the tier that answered keeps them (the provider's store, on
   * memory and Redis-family providers); absent otherwise (an L1 copy, Keyv).
   */
  readonly tags?: readonly string[]
  /**
   * Which tier answered: `l1` (the in-process copy of a multilevel namespace) or `provider`
   * (the namespace's provider: its L2 when multilevel, its only tier otherwise).
   */
  readonly tier: 'l1' | 'provider'
}

/** Options of `getEntry`. */
export interface GetEntryOptions {
  /**
   * Count this read in the hit/miss statistics and events as `get` does (a fresh entry is a
   * hit, anything else a miss). Default `false`: inspecting an entry is not a read.
   */
  readonly countAsRead?: boolean
}

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
}

/** What a loader can tell the cache about the value it produced. */
export interface LoaderContext<K> {
  /** The key being loaded. */
  readonly key: K
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

import { isBackendFailure } from '../breaker.js'
import type { GetOrSetOptions, Loader } from '../cache-types.js'
import type { EntryPolicy } from '../entry-policy.js'
import { isPromise } from '../maybe-promise.js'
import type { NamespaceReporter } from '../reporter.js'
import type { TierHandler } from '../tiers/tier-handler.js'
import { LoadAudience } from './load-audience.js'
import type { ReadOrLoad } from './read-or-load.js'
import type { Singleflight } from './singleflight.js'

/** What `getOrSet` works with (a subset of `CacheParts`). */
export interface SingleParts<K, V> {
  readonly tiers: TierHandler<V>
  readonly policy: EntryPolicy
  readonly reporter: NamespaceReporter
  readonly singleflight: Singleflight<V>
  /** What a lookup leads to: a hit (maybe refreshing ahead), stale, or a load. */
  readonly decide: ReadOrLoad<K, V>
  /** `loaderFallback`: on a failed provider read, run the loader instead of rejecting. */
  readonly settings: { readonly loaderFallback: boolean }
}

/**
 * `Cache.getOrSet` after its input checks (`k` is `key` encoded and validated). Joins a read
 * or load of the key already in flight in this process (counted as a joined hit); otherwise
 * reads the tiers and hands the result to `decide`. With a synchronous store and codec, a
 * fresh hit resolves without touching the in-flight map. A backend failure of the read
 * degrades to the loader when `loaderFallback` is on. Throws synchronously what the tier read
 * throws synchronously (the facade rejects with it).
 */
export function getOrSet<K, V>(
  parts: SingleParts<K, V>,
  k: string,
  key: K,
  loader: Loader<K, V>,
  options: GetOrSetOptions | undefined,
): Promise<V | undefined> {
  const singleflight = parts.singleflight
  const signal = options?.signal
  const pending = singleflight.pending(k)
  if (pending !== undefined) {
    // Joining a read or load already under way: this caller reaches no loader, so it
    // counts as a hit (as Caffeine and Guava count it), of its own kind.
    parts.reporter.joined(k)
    return singleflight.join(pending, signal)
  }
  const decide = parts.decide
  const found = parts.tiers.read(k)
  if (!isPromise(found)) {
    // Synchronous store and codec: a fresh hit never touches the in-flight map.
    if (found !== undefined && parts.policy.isFresh(found)) {
      return Promise.resolve(decide.freshHit(k, key, found, loader, options))
    }
    const audience = new LoadAudience()
    const next = decide.afterLookup(k, key, found, loader, options, audience)
    return isPromise(next) ? singleflight.track(k, next, audience, signal) : Promise.resolve(next)
  }
  const audience = new LoadAudience()
  const next = found.then(
    (f) => decide.afterLookup(k, key, f, loader, options, audience),
    (error: unknown) => {
      // A failing provider degrades to the loader (unless the namespace turned that off).
      if (!parts.settings.loaderFallback || !isBackendFailure(error)) throw error
      parts.reporter.error(k, 'get', error)
      return decide.afterLookup(k, key, undefined, loader, options, audience, 'failed')
    },
  )
  return singleflight.track(k, next, audience, signal)
}

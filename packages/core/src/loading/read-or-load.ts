import type { GetOrSetOptions, Loader } from '../cache-types.js'
import type { EntryPolicy } from '../entry-policy.js'
import type { DecodedEntry } from '../pipeline.js'
import type { MaybePromise } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import type { Found } from '../tiers/decode.js'
import { withHardTimeout } from './hard-timeout.js'
import type { LoadAudience } from './load-audience.js'
import { READ_ABSENT } from './load-runner.js'
import type { RefreshAhead } from './refresh-ahead.js'
import type { LockedLoad, Revalidation } from './revalidation.js'

/**
 * What a `getOrSet` lookup leads to: a fresh hit (which may start a refresh-ahead), a stale
 * value served within grace while it is refreshed, or a miss and a load bounded by the hard
 * timeout.
 */
export class ReadOrLoad<K, V> {
  readonly #namespace: string
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #revalidation: Revalidation<K, V>
  readonly #refreshAhead: RefreshAhead | undefined
  readonly #load: LockedLoad<K, V>
  readonly #hardTimeoutMs: number | undefined

  constructor(options: {
    readonly namespace: string
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly revalidation: Revalidation<K, V>
    readonly refreshAhead: RefreshAhead | undefined
    readonly load: LockedLoad<K, V>
    readonly hardTimeoutMs: number | undefined
  }) {
    this.#namespace = options.namespace
    this.#policy = options.policy
    this.#reporter = options.reporter
    this.#revalidation = options.revalidation
    this.#refreshAhead = options.refreshAhead
    this.#load = options.load
    this.#hardTimeoutMs = options.hardTimeoutMs
  }

  /** A fresh hit: counted, and refreshed ahead of expiry when XFetch says so. */
  freshHit(
    k: string,
    key: K,
    f: DecodedEntry<V>,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): V | undefined {
    this.#reporter.hit(k)
    const ahead = this.#refreshAhead
    if (ahead?.due(f) && !this.#revalidation.isRefreshing(k)) {
      void this.#revalidation.refresh(k, key, loader, options, f, 'ahead')
    }
    return f.negative ? undefined : (f.value as V)
  }

  /**
   * Decides on a looked-up entry: hit, stale within grace, or miss and load. A load's signal
   * is `audience`'s, which the hard timeout aborts. `lookup` is `'failed'` when the provider
   * read failed and `f` stands for nothing read.
   */
  afterLookup(
    k: string,
    key: K,
    f: Found<V>,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    audience: LoadAudience,
    lookup: 'read' | 'failed' = 'read',
  ): MaybePromise<V | undefined> {
    if (f !== undefined) {
      if (this.#policy.isFresh(f)) return this.freshHit(k, key, f, loader, options)
      if (this.#policy.isServableStale(f)) {
        return this.#revalidation.serveStale(k, key, f, loader, options)
      }
    }
    this.#reporter.miss(k)
    const read = f === undefined && lookup === 'read' ? READ_ABSENT : undefined
    const load = this.#load(k, key, loader, options, undefined, audience, read) as Promise<
      V | undefined
    >
    return withHardTimeout(
      load,
      this.#hardTimeoutMs,
      `loader of key '${k}' in '${this.#namespace}'`,
      (error) => audience.abort(error),
    )
  }
}

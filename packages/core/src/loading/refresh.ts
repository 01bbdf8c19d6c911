import type { BulkLoader, GetOrSetOptions, Loader } from '../cache-types.js'
import type { EntryPolicy } from '../entry-policy.js'
import type { NamespaceReporter } from '../reporter.js'
import { fanOut, LoadAudience } from './load-audience.js'
import type { LoadRunner } from './load-runner.js'
import type { BulkLoad } from './locked-bulk-load.js'
import { type Flight, Singleflight } from './singleflight.js'

/** Reloads one key now, under the lock when the namespace has one (see `StampedeLock.reload`). */
export type Reload<K, V> = (
  k: string,
  key: K,
  loader: Loader<K, V>,
  options: GetOrSetOptions | undefined,
  since: number,
  signal: AbortSignal,
) => Promise<V | undefined>

/**
 * `cache.refresh` and `cache.refreshMany`: reload now while readers keep getting the old value
 * (nothing is deleted first; the new value replaces it when written, and the bus tells other
 * processes). A refresh joins a refresh or a `getOrSet` load of the same key already running
 * in this process; across processes it goes through the lock, and a value another process
 * wrote after the refresh began is taken instead of loading again.
 */
export class Refresher<K, V> {
  readonly #flights = new Singleflight<V>()
  readonly #loads: Singleflight<V>
  readonly #runner: LoadRunner<K, V>
  readonly #reload: Reload<K, V>
  readonly #bulkLoad: BulkLoad<K, V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter

  constructor(options: {
    /** The namespace's read-or-load flights (a `getOrSet` load in flight is joined). */
    readonly loads: Singleflight<V>
    readonly runner: LoadRunner<K, V>
    readonly reload: Reload<K, V>
    readonly bulkLoad: BulkLoad<K, V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
  }) {
    this.#loads = options.loads
    this.#runner = options.runner
    this.#reload = options.reload
    this.#bulkLoad = options.bulkLoad
    this.#policy = options.policy
    this.#reporter = options.reporter
  }

  /** A refresh, or a load, of `k` running in this process. */
  #running(k: string): Flight<V> | undefined {
    return (
      this.#flights.pending(k) ?? (this.#runner.isLoading(k) ? this.#loads.pending(k) : undefined)
    )
  }

  /** Reloads `k`; resolves to the new value. Rejects with the loader's error. */
  refresh(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): Promise<V | undefined> {
    const signal = options?.signal
    const running = this.#running(k)
    if (running !== undefined) {
      this.#reporter.joined(k)
      return running.audience.attend(running.promise, signal)
    }
    const audience = new LoadAudience()
    const since = this.#policy.clock.now()
    const run = this.#reload(k, key, loader, options, since, audience.signal)
    return this.#flights.track(k, run, audience, signal)
  }

  /**
   * Reloads every key of `ks` with one bulk loader call (keys already refreshing or loading
   * are joined); resolves in the order of `ks`.
   */
  async refreshMany(
    ks: readonly string[],
    keys: readonly K[],
    loader: BulkLoader<K, V>,
    options: GetOrSetOptions | undefined,
  ): Promise<(V | undefined)[]> {
    const caller = fanOut(options?.signal)
    try {
      return await this.#refreshMany(ks, keys, loader, options, caller.signal)
    } finally {
      caller.dispose()
    }
  }

  async #refreshMany(
    ks: readonly string[],
    keys: readonly K[],
    loader: BulkLoader<K, V>,
    options: GetOrSetOptions | undefined,
    signal: AbortSignal | undefined,
  ): Promise<(V | undefined)[]> {
    const original = new Map<string, K>()
    ks.forEach((k, i) => {
      if (!original.has(k)) original.set(k, keys[i] as K)
    })
    const values = new Map<string, V | undefined>()
    const joined: Promise<void>[] = []
    const fresh: string[] = []
    for (const k of original.keys()) {
      const running = this.#running(k)
      if (running === undefined) {
        fresh.push(k)
        continue
      }
      this.#reporter.joined(k)
      const done = running.audience.attend(running.promise, signal).then((v) => {
        values.set(k, v)
      })
      done.catch(() => undefined)
      joined.push(done)
    }
    if (fresh.length > 0) {
      const audience = new LoadAudience()
      const since = this.#policy.clock.now()
      const batch = this.#bulkLoad(fresh, original, loader, options, audience.signal, since)
      for (const k of fresh) {
        this.#flights.register(
          k,
          batch.then((loaded) => loaded.get(k)),
          audience,
        )
      }
      const loaded = await audience.attend(batch, signal)
      for (const k of fresh) values.set(k, loaded.get(k))
    }
    await Promise.all(joined)
    return ks.map((k) => values.get(k))
  }
}

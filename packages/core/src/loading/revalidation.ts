import type { GetOrSetOptions, Loader } from '../cache-types.js'
import type { EntryPolicy } from '../entry-policy.js'
import type { GraceSettings } from '../namespace-settings.js'
import type { DecodedEntry } from '../pipeline.js'
import type { MaybePromise } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import type { CallerSignal } from './load-control.js'
import type { READ_ABSENT } from './load-runner.js'
import { SKIPPED, type Skipped } from './stampede-lock.js'

/**
 * Runs a load, under the namespace's lock when it has one. `staleSince` marks a refresh;
 * `signal` is the callers' (the loader's `ctx.signal` follows it).
 */
export type LockedLoad<K, V> = (
  k: string,
  key: K,
  loader: Loader<K, V>,
  options: GetOrSetOptions | undefined,
  staleSince: number | undefined,
  signal?: CallerSignal,
  /** `READ_ABSENT` when the caller's read just found no entry (a cheaper fence). */
  read?: typeof READ_ABSENT,
) => Promise<V | undefined | Skipped>

/** What a background refresh came to. */
type Refreshed<V> = { readonly ok: true; readonly value: V | undefined } | { readonly ok: false }

const REFRESH_FAILED: Refreshed<never> = Object.freeze({ ok: false })

/**
 * Background refreshes of values that are still served: stale values within grace
 * (stale-while-revalidate) and refresh-ahead. One refresh per key at a time; a failed refresh
 * is an `error` event (`refresh`) and backs off for `grace.backoffMs` while the stale value is
 * served.
 */
export class Revalidation<K, V> {
  readonly #grace: GraceSettings | undefined
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #load: LockedLoad<K, V>
  readonly #refreshing = new Map<string, Promise<Refreshed<V>>>()
  /** Until when (epoch ms) a key whose refresh failed is served stale without a new try. */
  readonly #backoffUntil = new Map<string, number>()

  constructor(options: {
    readonly grace: GraceSettings | undefined
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly load: LockedLoad<K, V>
  }) {
    this.#grace = options.grace
    this.#policy = options.policy
    this.#reporter = options.reporter
    this.#load = options.load
  }

  /** True while a refresh of `k` runs. */
  isRefreshing(k: string): boolean {
    return this.#refreshing.has(k)
  }

  /** A write to `k` ends its backoff. */
  forget(k: string): void {
    this.#backoffUntil.delete(k)
  }

  /** An invalidation of everything ends every backoff. */
  forgetAll(): void {
    this.#backoffUntil.clear()
  }

  /**
   * Serves a stale entry (a hit, and a `stale` event): refreshes it in the background and
   * waits at most `softTimeoutMs` for the fresh value.
   */
  serveStale(
    k: string,
    key: K,
    f: DecodedEntry<V>,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): MaybePromise<V | undefined> {
    this.#reporter.staleHit(k)
    const stale = f.negative ? undefined : (f.value as V)
    const until = this.#backoffUntil.get(k)
    if (until !== undefined && until > this.#policy.clock.now()) return stale
    const refresh = this.refresh(k, key, loader, options, f, 'stale')
    const soft = this.#grace?.softTimeoutMs ?? 0
    if (soft <= 0) return stale
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(stale), soft)
      void refresh.then((r) => {
        clearTimeout(timer)
        resolve(r.ok ? r.value : stale)
      })
    })
  }

  /** Starts (or joins) the refresh of `k`, whose current entry is `current`. Never rejects. */
  refresh(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    current: DecodedEntry<V>,
    kind: 'ahead' | 'stale',
  ): Promise<Refreshed<V>> {
    const running = this.#refreshing.get(k)
    if (running !== undefined) return running
    this.#reporter.refreshStarted(kind)
    const run = this.#load(k, key, loader, options, current.createdAt).then(
      (value): Refreshed<V> => {
        if (value === SKIPPED) return REFRESH_FAILED
        this.#backoffUntil.delete(k)
        return { ok: true, value }
      },
      (error: unknown): Refreshed<V> => {
        if (this.#backoffUntil.size > 10_000) this.#backoffUntil.clear()
        this.#backoffUntil.set(k, this.#policy.clock.now() + (this.#grace?.backoffMs ?? 0))
        this.#reporter.error(k, 'refresh', error)
        return REFRESH_FAILED
      },
    )
    this.#refreshing.set(k, run)
    void run.then(() => {
      if (this.#refreshing.get(k) === run) this.#refreshing.delete(k)
    })
    return run
  }
}

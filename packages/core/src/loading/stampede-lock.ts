import type { GetOrSetOptions, Loader } from '../cache-types.js'
import type { EntryPolicy } from '../entry-policy.js'
import { CacheLockTimeoutError } from '../errors.js'
import type { LockSettings } from '../namespace-settings.js'
import type { DistributedLock, LockHandle } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import type { Found } from '../tiers/decode.js'
import type { TierHandler } from '../tiers/tier-handler.js'
import type { LoadRunner } from './load-runner.js'

/** Returned by a locked refresh that found the lock busy: it must not load. */
export const SKIPPED: unique symbol = Symbol('skipped')
export type Skipped = typeof SKIPPED

/**
 * One loader per key across processes, through the provider's distributed lock. The holder
 * re-reads the provider first (the previous holder may have loaded), then loads; a waiter
 * polls the lock and is woken early by the bus when another process writes the key, then
 * reads the value the holder wrote. After `waitMs`, `onTimeout` decides: load anyway, or
 * reject with `CacheLockTimeoutError`. A refresh (`staleSince` set) never waits.
 */
export class StampedeLock<K, V> {
  readonly #port: DistributedLock
  readonly #settings: LockSettings
  readonly #tiers: TierHandler<V>
  readonly #runner: LoadRunner<K, V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #waiters = new Map<string, Set<AbortController>>()

  constructor(options: {
    readonly port: DistributedLock
    readonly settings: LockSettings
    readonly tiers: TierHandler<V>
    readonly runner: LoadRunner<K, V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
  }) {
    this.#port = options.port
    this.#settings = options.settings
    this.#tiers = options.tiers
    this.#runner = options.runner
    this.#policy = options.policy
    this.#reporter = options.reporter
  }

  /** Wakes the waiters of `k` (its value may have arrived). */
  wake(k: string): void {
    const waiters = this.#waiters.get(k)
    if (waiters !== undefined) for (const w of waiters) w.abort()
  }

  /** Wakes every waiter. */
  wakeAll(): void {
    for (const waiters of this.#waiters.values()) for (const w of waiters) w.abort()
  }

  /**
   * Loads `k` under the lock. `staleSince` (the stale entry's creation time) marks a refresh:
   * it resolves to `SKIPPED` when another process holds the lock.
   */
  async load(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    staleSince: number | undefined,
    signal?: AbortSignal,
  ): Promise<V | undefined | Skipped> {
    return this.#run(k, key, loader, options, staleSince, staleSince !== undefined, signal)
  }

  /**
   * Reloads `k` under the lock now (`cache.refresh`): waits for another holder like a load
   * does, and accepts its value only when written after `since` (epoch ms).
   */
  reload(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    since: number,
    signal?: AbortSignal,
  ): Promise<V | undefined> {
    return this.#run(k, key, loader, options, since, false, signal) as Promise<V | undefined>
  }

  async #run(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    staleSince: number | undefined,
    refresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<V | undefined | Skipped> {
    const settings = this.#settings
    const deadline = performance.now() + (refresh ? 0 : settings.waitMs)
    const newer = (f: Found<V>): f is NonNullable<Found<V>> =>
      f !== undefined &&
      this.#policy.isFresh(f) &&
      (staleSince === undefined || f.createdAt > staleSince)
    let waited = false
    for (;;) {
      // Every caller left (or the hard timeout ran out): stop waiting for the lock.
      if (signal?.aborted) throw signal.reason
      let handle: LockHandle | undefined
      try {
        handle = await this.#acquire(k, deadline, signal)
      } catch (error) {
        // No lock service: carry on as a single process would, and say so.
        this.#reporter.lock(k, 'failure')
        this.#reporter.error(k, 'lock', error)
        return this.#runner.load(k, key, loader, options, signal)
      }
      if (handle !== undefined) {
        this.#reporter.lock(k, 'acquired')
        try {
          // The previous holder may have loaded while this process waited or raced to it. The
          // write-back fence is read in the same round trip as that re-read.
          const fence = this.#runner.capture(k)
          const f = await this.#readQuietly(k)
          if (newer(f)) return f.negative ? undefined : (f.value as V)
          return await this.#runner.load(k, key, loader, options, signal, fence)
        } finally {
          handle.release().catch((error: unknown) => this.#reporter.error(k, 'lock', error))
        }
      }
      if (!refresh && !waited) {
        // Counted once per call, however many times it polls or is woken.
        waited = true
        this.#reporter.lock(k, 'wait')
      }
      const f = await this.#readQuietly(k)
      if (newer(f)) return f.negative ? undefined : (f.value as V)
      if (refresh) return SKIPPED
      if (performance.now() >= deadline) {
        this.#reporter.lock(k, 'timeout')
        if (settings.onTimeout === 'error') {
          throw new CacheLockTimeoutError(this.#reporter.namespace, k, settings.waitMs)
        }
        return this.#runner.load(k, key, loader, options, signal)
      }
      // Woken by the bus before the value was readable: wait for the lock again.
    }
  }

  /** Waits for the lock until `deadline` or a wake-up; `undefined` when not acquired. */
  async #acquire(
    k: string,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<LockHandle | undefined> {
    const waker = new AbortController()
    const stop = (): void => waker.abort()
    signal?.addEventListener('abort', stop, { once: true })
    let waiters = this.#waiters.get(k)
    if (waiters === undefined) {
      waiters = new Set()
      this.#waiters.set(k, waiters)
    }
    waiters.add(waker)
    try {
      return await this.#port.acquire(this.#reporter.namespace, k, {
        ttlMs: this.#settings.ttlMs,
        waitMs: Math.max(0, deadline - performance.now()),
        signal: waker.signal,
      })
    } finally {
      signal?.removeEventListener('abort', stop)
      waiters.delete(waker)
      if (waiters.size === 0 && this.#waiters.get(k) === waiters) this.#waiters.delete(k)
    }
  }

  /** Provider read for the lock path: a failure is an event and a miss, not a failed call. */
  async #readQuietly(k: string): Promise<Found<V>> {
    try {
      return await this.#tiers.readProvider(k)
    } catch (error) {
      this.#reporter.error(k, 'get', error)
      return undefined
    }
  }
}

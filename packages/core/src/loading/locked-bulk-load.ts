import type { BulkLoader, GetOrSetOptions, Loader } from '../cache-types.js'
import { checkBulkPair, checkBulkResult } from '../call-checks.js'
import type { EntryPolicy } from '../entry-policy.js'
import type { DistributedLock, KeyCodec, LockHandle } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import type { Found } from '../tiers/decode.js'
import type { TierHandler } from '../tiers/tier-handler.js'
import type { CapturedFence, LoadRunner } from './load-runner.js'
import type { StampedeLock } from './stampede-lock.js'

/**
 * Loads the `fresh` keys of a bulk call (`original` maps each to the caller's key) and writes
 * them back; resolves to the loaded values by encoded key. `since` (epoch ms) marks a refresh:
 * a value another process wrote counts only when written after it.
 */
export type BulkLoad<K, V> = (
  fresh: readonly string[],
  original: ReadonlyMap<string, K>,
  loader: BulkLoader<K, V>,
  options: GetOrSetOptions | undefined,
  signal: AbortSignal | undefined,
  since: number | undefined,
) => Promise<Map<string, V | undefined>>

/**
 * A bulk load under the distributed lock, one holder per key across processes, without
 * deadlock:
 *
 * 1. every key's lock is tried once, without waiting (`acquireMany`: one call per hash slot);
 * 2. for the keys it holds, the process re-reads the provider (a previous holder may have
 *    written; the write-back fences go in the same round trip), runs the bulk loader once for
 *    what is still missing, writes back and releases;
 * 3. only then, holding nothing, it waits for each of the other keys as a single-key load
 *    does (woken by the bus, polling the lock; on `waitMs`, `onTimeout` decides), and loads a
 *    key itself (the bulk loader with that one key) only if its holder left no value.
 *
 * A process never waits while it holds a lock, so two processes asking for overlapping key
 * sets cannot wait on each other.
 */
export class LockedBulkLoad<K, V> {
  readonly #port: DistributedLock
  readonly #ttlMs: number
  readonly #lock: StampedeLock<K, V>
  readonly #runner: LoadRunner<K, V>
  readonly #tiers: TierHandler<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #keyCodec: KeyCodec<K>

  constructor(options: {
    readonly port: DistributedLock
    readonly ttlMs: number
    readonly lock: StampedeLock<K, V>
    readonly runner: LoadRunner<K, V>
    readonly tiers: TierHandler<V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly keyCodec: KeyCodec<K>
  }) {
    this.#keyCodec = options.keyCodec
    this.#port = options.port
    this.#ttlMs = options.ttlMs
    this.#lock = options.lock
    this.#runner = options.runner
    this.#tiers = options.tiers
    this.#policy = options.policy
    this.#reporter = options.reporter
  }

  /** See `BulkLoad`. Rejects with the loader's error or `CacheLockTimeoutError`. */
  readonly load: BulkLoad<K, V> = async (fresh, original, loader, options, signal, since) => {
    let handles: (LockHandle | undefined)[]
    try {
      handles = await this.#tryAll(fresh)
    } catch (error) {
      // No lock service: carry on as a single process would, and say so.
      for (const k of fresh) this.#reporter.lock(k, 'failure')
      this.#reporter.error(undefined, 'lock', error)
      return this.#runner.loadMany(fresh, original, loader, options, signal)
    }
    const out = new Map<string, V | undefined>()
    const held: string[] = []
    const others: string[] = []
    fresh.forEach((k, i) => {
      if (handles[i] === undefined) others.push(k)
      else {
        this.#reporter.lock(k, 'acquired')
        held.push(k)
      }
    })
    if (held.length > 0) {
      try {
        await this.#loadHeld(held, original, loader, options, signal, since, out)
      } finally {
        for (const handle of handles) {
          handle
            ?.release()
            .catch((error: unknown) => this.#reporter.error(handle.key, 'lock', error))
        }
      }
    }
    if (others.length > 0) {
      const waited = await Promise.all(
        others.map((k) => {
          const key = original.get(k) as K
          const one = singleKeyLoader(k, key, loader, this.#keyCodec)
          return since === undefined
            ? (this.#lock.load(k, key, one, options, undefined, signal) as Promise<V | undefined>)
            : this.#lock.reload(k, key, one, options, since, signal)
        }),
      )
      others.forEach((k, i) => {
        out.set(k, waited[i])
      })
    }
    return out
  }

  /** Tries every lock once; one call per slot when the port batches. */
  #tryAll(keys: readonly string[]): Promise<(LockHandle | undefined)[]> {
    const namespace = this.#reporter.namespace
    const ttlMs = this.#ttlMs
    if (this.#port.acquireMany !== undefined) {
      return this.#port.acquireMany(namespace, keys, { ttlMs })
    }
    return Promise.all(keys.map((k) => this.#port.acquire(namespace, k, { ttlMs, waitMs: 0 })))
  }

  async #loadHeld(
    held: readonly string[],
    original: ReadonlyMap<string, K>,
    loader: BulkLoader<K, V>,
    options: GetOrSetOptions | undefined,
    signal: AbortSignal | undefined,
    since: number | undefined,
    out: Map<string, V | undefined>,
  ): Promise<void> {
    const fences = new Map<string, CapturedFence>()
    for (const k of held) fences.set(k, this.#runner.capture(k))
    const found = await Promise.all(held.map((k) => this.#readQuietly(k)))
    const missing: string[] = []
    held.forEach((k, i) => {
      const f = found[i]
      if (
        f !== undefined &&
        this.#policy.isFresh(f) &&
        (since === undefined || f.createdAt > since)
      ) {
        out.set(k, f.negative ? undefined : (f.value as V))
      } else missing.push(k)
    })
    if (missing.length === 0) return
    const loaded = await this.#runner.loadMany(missing, original, loader, options, signal, fences)
    for (const k of missing) out.set(k, loaded.get(k))
  }

  /** Provider read past L1: a failure is an event and a miss. */
  async #readQuietly(k: string): Promise<Found<V>> {
    try {
      return await this.#tiers.readProvider(k)
    } catch (error) {
      this.#reporter.error(k, 'get', error)
      return undefined
    }
  }
}

/**
 * The bulk loader as a single-key loader for `key`: a key the bulk loader leaves out is
 * returned as `undefined` and not cached, as in a bulk load.
 */
function singleKeyLoader<K, V>(
  k: string,
  key: K,
  loader: BulkLoader<K, V>,
  keyCodec: KeyCodec<K>,
): Loader<K, V> {
  return async (ctx) => {
    const result = await loader([key], ctx)
    checkBulkResult(result)
    for (const pair of result as Iterable<readonly [K, V]>) {
      checkBulkPair(pair)
      if (pair[1] !== undefined && keyCodec.encode(pair[0]) === k) return pair[1]
    }
    ctx.skipCache()
    return ctx.notFound()
  }
}

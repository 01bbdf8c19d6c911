import {
  type BulkLoader,
  type GetOrSetOptions,
  type Loader,
  NOT_FOUND,
  type NotFound,
} from '../cache-types.js'
import { checkBulkPair, checkBulkResult } from '../call-checks.js'
import { loadChannel } from '../diagnostics.js'
import type { EntryPolicy } from '../entry-policy.js'
import { CacheError, CacheValueError } from '../errors.js'
import { isPromise } from '../maybe-promise.js'
import type { KeyCodec, MaybePromise, StoreFenceOptions } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import type { PlannedWrite, TierHandler } from '../tiers/tier-handler.js'
import { type CallerSignal, LoadControl } from './load-control.js'
import { BulkLoaderSettings, SingleLoaderContext } from './loader-context.js'

/** A load in flight, and whether a write or invalidation overtook it (it then writes nothing). */
interface RunningLoad {
  overtaken: boolean
  /**
   * The provider's fence captured before the loader ran: its write-back is conditional on
   * it. `undefined`: the provider has none (plain write). `null`: the capture failed, so the
   * result is not written back (nothing could prove it is still wanted).
   */
  fence: string | null | undefined
}

/** What `LoadRunner.capture` resolves to (see `RunningLoad.fence`). */
export type CapturedFence = MaybePromise<string | null | undefined>

/**
 * Given to `LoadRunner.load` in place of a fence: the caller's read of the key just found no
 * entry, so the store may capture the fence without a round trip (`StoreFenceOptions.absent`).
 */
export const READ_ABSENT: unique symbol = Symbol('cacheport.readAbsent')

const ABSENT: StoreFenceOptions = Object.freeze({ absent: true })

/**
 * Runs loaders: gives them their context, times them, checks what they return and writes the
 * result back through the tier handler unless the loader skipped caching or a write,
 * delete or invalidation overtook the load. Write-back failures are `error` events (`set`):
 * the loaded value is still returned. Input errors (a bad TTL or tags from the loader) reject.
 */
export class LoadRunner<K, V> {
  readonly #tiers: TierHandler<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #keyCodec: KeyCodec<K>
  readonly #running = new Map<string, RunningLoad>()
  /** Every load in flight, so closing the service can abort them. */
  readonly #controls = new Set<LoadControl>()
  /** Set once the service closes: loads then write nothing back. */
  #closed = false
  /** Exponentially weighted mean load time, ms (XFetch's delta). */
  meanLoadMs = 0

  constructor(options: {
    readonly tiers: TierHandler<V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly keyCodec: KeyCodec<K>
  }) {
    this.#tiers = options.tiers
    this.#policy = options.policy
    this.#reporter = options.reporter
    this.#keyCodec = options.keyCodec
  }

  /** A write or delete of `k` overtakes its running load. */
  overtake(k: string): void {
    if (this.#running.size === 0) return
    const running = this.#running.get(k)
    if (running !== undefined) running.overtaken = true
  }

  /** True while a load of `k` runs in this process. */
  isLoading(k: string): boolean {
    return this.#running.has(k)
  }

  /** Every running load is overtaken. */
  overtakeAll(): void {
    for (const running of this.#running.values()) running.overtaken = true
  }

  /**
   * Aborts every load in flight with `reason` (the service is closing); they write nothing
   * back from now on.
   */
  close(reason: unknown): void {
    this.#closed = true
    for (const control of this.#controls) control.abort(reason)
  }

  #control(signal: CallerSignal | undefined): LoadControl {
    const control = new LoadControl(signal)
    this.#controls.add(control)
    return control
  }

  #release(control: LoadControl): void {
    control.dispose()
    this.#controls.delete(control)
  }

  /**
   * Runs `loader` for one key and writes its result back. Rejects with the loader's error.
   * `signal` (its callers') is what the loader's `ctx.signal` follows, besides closing.
   */
  load(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    signal?: CallerSignal,
    fence?: CapturedFence | typeof READ_ABSENT,
  ): Promise<V | undefined> {
    const control = this.#control(signal)
    // Registered before the fence is read, so a local write in the meantime overtakes it.
    const running: RunningLoad = { overtaken: false, fence: undefined }
    this.#running.set(k, running)
    const captured = fence === READ_ABSENT ? this.capture(k, ABSENT) : (fence ?? this.capture(k))
    let out: Promise<V | undefined>
    if (isPromise(captured)) {
      out = captured.then((f) => {
        running.fence = f
        return this.#loadOne(k, key, loader, options, control, running)
      })
    } else {
      running.fence = captured
      out = this.#loadOne(k, key, loader, options, control, running)
    }
    out.then(
      () => this.#release(control),
      () => this.#release(control),
    )
    return out
  }

  /**
   * Reads the provider's fence of `k` before a load (see `Store.fence`). A failed read
   * resolves to `null`: the load then writes nothing back, and the `error` event is the
   * write-back's (`set`).
   */
  capture(k: string, options?: StoreFenceOptions): CapturedFence {
    let fence: MaybePromise<string | undefined>
    try {
      fence = this.#tiers.fence(k, options)
    } catch (error) {
      this.#reporter.error(k, 'set', error)
      return null
    }
    if (!isPromise(fence)) return fence
    return fence.then(
      (f) => f,
      (error: unknown) => {
        this.#reporter.error(k, 'set', error)
        return null
      },
    )
  }

  #loadOne(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    control: LoadControl,
    running: RunningLoad,
  ): Promise<V | undefined> {
    const context = new SingleLoaderContext(key, control)
    const started = performance.now()
    let result: MaybePromise<V | NotFound>
    try {
      result = loadChannel.hasSubscribers
        ? (loadChannel.tracePromise(async () => loader(context), {
            namespace: this.#reporter.namespace,
            operation: 'load',
            key: k,
          }) as Promise<V | NotFound>)
        : loader(context)
    } catch (error) {
      return Promise.reject(this.#failed(k, running, started, error))
    }
    if (!isPromise(result)) {
      try {
        return Promise.resolve(this.#loaded(k, running, context, started, result, options))
      } catch (error) {
        this.#finished(k, running)
        return Promise.reject(error)
      }
    }
    return result.then(
      (r) => {
        try {
          return this.#loaded(k, running, context, started, r, options)
        } catch (error) {
          this.#finished(k, running)
          throw error
        }
      },
      (error: unknown) => {
        throw this.#failed(k, running, started, error)
      },
    )
  }

  #failed(k: string, running: RunningLoad, started: number, error: unknown): unknown {
    this.#finished(k, running)
    this.#reporter.stats.recordLoad(performance.now() - started, true)
    this.#reporter.error(k, 'load', error)
    return error
  }

  #finished(k: string, running: RunningLoad): void {
    if (this.#running.get(k) === running) this.#running.delete(k)
  }

  #record(ms: number): void {
    this.#reporter.stats.recordLoad(ms, false)
    this.meanLoadMs = this.meanLoadMs === 0 ? ms : this.meanLoadMs * 0.8 + ms * 0.2
  }

  /** Checks a loader's result and writes it back; resolves to what the caller gets. */
  #loaded(
    k: string,
    running: RunningLoad,
    context: SingleLoaderContext<K>,
    started: number,
    result: V | NotFound,
    options: GetOrSetOptions | undefined,
  ): MaybePromise<V | undefined> {
    this.#record(performance.now() - started)
    const negative = result === NOT_FOUND
    if (!negative && result === undefined) {
      throw new CacheValueError(
        'UNDEFINED_VALUE',
        `loader for key '${k}' returned undefined: return a value, or ctx.notFound() to cache a miss`,
      )
    }
    const value = negative ? undefined : (result as V)
    if (context.skipped || running.overtaken || this.#closed || running.fence === null) {
      this.#finished(k, running)
      return value
    }
    let written: MaybePromise<boolean | undefined>
    try {
      const entry = this.#policy.entry(
        context.ttlSet ? context.ttl : negative ? options?.negativeTtl : options?.ttl,
        context.tags ?? options?.tags,
        negative,
      )
      written =
        running.fence === undefined
          ? (this.#tiers.write(k, value, entry, 'write-back') as undefined)
          : this.#tiers.writeBack(k, value, entry, running.fence)
    } catch (error) {
      this.#finished(k, running)
      if (isInputError(error)) throw error
      this.#reporter.error(k, 'set', error)
      return value
    }
    if (!isPromise(written)) {
      this.#finished(k, running)
      if (written !== false) this.#reporter.written(k)
      return value
    }
    return written.then(
      (ok) => {
        this.#finished(k, running)
        if (ok !== false) this.#reporter.written(k)
        return value
      },
      (error: unknown) => {
        this.#finished(k, running)
        if (isInputError(error)) throw error
        this.#reporter.error(k, 'set', error)
        return value
      },
    )
  }

  /**
   * Runs a bulk loader for `fresh` keys (`original` maps each to the caller's key) and writes
   * back what it returned. Resolves to the loaded values by encoded key.
   */
  async loadMany(
    fresh: readonly string[],
    original: ReadonlyMap<string, K>,
    loader: BulkLoader<K, V>,
    options: GetOrSetOptions | undefined,
    signal?: CallerSignal,
    fencesGiven?: ReadonlyMap<string, CapturedFence>,
  ): Promise<Map<string, V | undefined>> {
    const control = this.#control(signal)
    try {
      return await this.#loadMany(fresh, original, loader, options, control, fencesGiven)
    } finally {
      this.#release(control)
    }
  }

  async #loadMany(
    fresh: readonly string[],
    original: ReadonlyMap<string, K>,
    loader: BulkLoader<K, V>,
    options: GetOrSetOptions | undefined,
    control: LoadControl,
    fencesGiven: ReadonlyMap<string, CapturedFence> | undefined,
  ): Promise<Map<string, V | undefined>> {
    const records = new Map<string, RunningLoad>()
    for (const k of fresh) {
      const running: RunningLoad = { overtaken: false, fence: undefined }
      records.set(k, running)
      this.#running.set(k, running)
    }
    try {
      // Every key's fence is read before the bulk loader runs (one script per key, sent together).
      const fences = fresh.map((k) => fencesGiven?.get(k) ?? this.capture(k))
      if (fences.some(isPromise)) {
        const settled = await Promise.all(fences)
        fresh.forEach((k, i) => {
          ;(records.get(k) as RunningLoad).fence = settled[i]
        })
      } else {
        fresh.forEach((k, i) => {
          ;(records.get(k) as RunningLoad).fence = fences[i] as string | null | undefined
        })
      }
      const context = new BulkLoaderSettings(control)
      const started = performance.now()
      let result: Awaited<ReturnType<BulkLoader<K, V>>>
      try {
        const keys = fresh.map((k) => original.get(k) as K)
        result = await (loadChannel.hasSubscribers
          ? loadChannel.tracePromise(async () => loader(keys, context), {
              namespace: this.#reporter.namespace,
              operation: 'load',
              keys: fresh,
            })
          : loader(keys, context))
      } catch (error) {
        this.#reporter.stats.recordLoad(performance.now() - started, true)
        this.#reporter.error(undefined, 'load', error)
        throw error
      }
      this.#record(performance.now() - started)
      checkBulkResult(result)
      const out = new Map<string, V | undefined>()
      const loaded: { k: string; value: V | undefined; negative: boolean }[] = []
      for (const pair of result as Iterable<readonly [K, V | NotFound]>) {
        checkBulkPair(pair)
        const [key, value] = pair
        const k = this.#keyCodec.encode(key)
        if (!records.has(k) || value === undefined) continue
        const negative = value === NOT_FOUND
        out.set(k, negative ? undefined : (value as V))
        loaded.push({ k, value: negative ? undefined : (value as V), negative })
      }
      if (!context.skipped && !this.#closed)
        await this.#writeBackMany(loaded, records, context, options)
      return out
    } finally {
      for (const [k, running] of records) this.#finished(k, running)
    }
  }

  async #writeBackMany(
    loaded: readonly { k: string; value: V | undefined; negative: boolean }[],
    records: ReadonlyMap<string, RunningLoad>,
    context: BulkLoaderSettings,
    options: GetOrSetOptions | undefined,
  ): Promise<void> {
    try {
      const tags = context.tags ?? options?.tags
      const writes: PlannedWrite[] = []
      const fenced: { write: PlannedWrite; fence: string }[] = []
      for (const w of loaded) {
        const running = records.get(w.k)
        if (running === undefined || running.overtaken || running.fence === null) continue
        const ttl = context.ttlSet ? context.ttl : w.negative ? options?.negativeTtl : options?.ttl
        const write = {
          key: w.k,
          value: w.value,
          options: this.#policy.entry(ttl, tags, w.negative),
        }
        if (running.fence === undefined) writes.push(write)
        else fenced.push({ write, fence: running.fence })
      }
      if (fenced.length > 0) {
        const results = await Promise.all(
          fenced.map(({ write, fence }) =>
            this.#tiers.writeBack(write.key, write.value, write.options, fence),
          ),
        )
        fenced.forEach(({ write }, i) => {
          if (results[i] === true) this.#reporter.written(write.key)
        })
      }
      if (writes.length === 0) return
      await this.#tiers.writeMany(writes, 'write-back')
      for (const w of writes) this.#reporter.written(w.key)
    } catch (error) {
      if (isInputError(error)) throw error
      this.#reporter.error(undefined, 'set', error)
    }
  }
}

/** Errors caused by the caller's input are thrown; backend write failures become events. */
export function isInputError(error: unknown): boolean {
  return (
    error instanceof CacheError &&
    (error.code === 'INVALID_TTL' ||
      error.code === 'INVALID_TAG' ||
      error.code === 'UNSUPPORTED' ||
      error.code === 'UNDEFINED_VALUE' ||
      error.code === 'ENCODE_FAILED' ||
      error.code === 'INVALID_KEY' ||
      error.code === 'KEY_TOO_LONG' ||
      error.code === 'EMPTY_KEY')
  )
}

import type { EntryOptions, EntryPolicy } from '../entry-policy.js'
import { chain } from '../maybe-promise.js'
import type { MaybePromise, StoreFenceOptions } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import { type Found, settle } from './decode.js'
import type { L2Guard } from './l2-guard.js'
import type { ProviderTier } from './provider-tier.js'
import type {
  InProcessTier,
  InspectedEntry,
  PlannedWrite,
  TierHandler,
  WriteMode,
} from './tier-handler.js'

const READY = Promise.resolve()

/**
 * A single-level namespace: every call goes to its provider (through the breaker, when it
 * has one). There is no L1 to keep coherent and no bus.
 */
export class SingleTier<V> implements TierHandler<V> {
  readonly topology = 'single'
  readonly ready = READY
  readonly #provider: ProviderTier<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  /** A live store with no breaker: reads need no decoding and no guard. */
  readonly #liveUnguarded: boolean

  constructor(options: {
    readonly provider: ProviderTier<V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
  }) {
    this.#provider = options.provider
    this.#policy = options.policy
    this.#reporter = options.reporter
    this.#liveUnguarded =
      options.provider.store.kind === 'live' && options.provider.guard === undefined
  }

  get guard(): L2Guard | undefined {
    return this.#provider.guard
  }

  read(k: string): MaybePromise<Found<V>> {
    return this.#provider.read(k)
  }

  readThen<R>(k: string, then: (k: string, f: Found<V>) => R): MaybePromise<R> {
    const provider = this.#provider
    if (this.#liveUnguarded) {
      // The hot path of an in-process namespace: nothing to decode, no breaker, no hop.
      const reporter = this.#reporter
      reporter.stats.l2Requests++
      const raw = provider.store.get(k)
      if (!(raw instanceof Promise)) {
        if (raw !== undefined) reporter.tierHit('l2', k)
        return then(k, raw as Found<V>)
      }
      return raw.then((r) => settle(k, provider.decode(k, r), then))
    }
    const raw = provider.readRaw(k)
    if (!(raw instanceof Promise)) return settle(k, provider.decode(k, raw), then)
    return raw.then((r) => settle(k, provider.decode(k, r), then))
  }

  readProvider(k: string): MaybePromise<Found<V>> {
    return this.#provider.read(k)
  }

  readMany(ks: readonly string[]): MaybePromise<Found<V>[]> {
    return chain(this.#provider.readMany(ks), (r) => r.found)
  }

  write(k: string, value: unknown, options: EntryOptions, mode: WriteMode): MaybePromise<void> {
    const provider = this.#provider
    const fields = provider.fieldsOf(k, value, options)
    const meta = this.#policy.meta(this.#policy.clock.now(), options, value)
    return chain(provider.encode(k, value, meta), (entry) => {
      const store = provider.store
      const set = () => store.set(k, entry, { ttl: options.storeTtlMs, tags: options.tags, fields })
      return provider.guard === undefined
        ? set()
        : (provider.guarded(mode, set) as MaybePromise<void>)
    })
  }

  fence(k: string, options?: StoreFenceOptions): MaybePromise<string | undefined> {
    return this.#provider.fence(k, options)
  }

  writeBack(
    k: string,
    value: unknown,
    options: EntryOptions,
    fence: string,
  ): MaybePromise<boolean> {
    const provider = this.#provider
    const meta = this.#policy.meta(this.#policy.clock.now(), options, value)
    const fields = provider.fieldsOf(k, value, options)
    return chain(provider.encode(k, value, meta), (entry) =>
      chain(
        provider.guarded('write-back', () =>
          provider.store.setIfUnchanged!(k, entry, fence, {
            ttl: options.storeTtlMs,
            tags: options.tags,
            fields,
          }),
        ),
        (written) => written === true,
      ),
    )
  }

  writeMany(writes: readonly PlannedWrite[], mode: WriteMode): MaybePromise<void> {
    const provider = this.#provider
    return chain(provider.encodeMany(writes), (list) =>
      chain(
        provider.guarded(mode, () => provider.store.setMany(list)),
        () => undefined,
      ),
    )
  }

  delete(k: string): MaybePromise<boolean> {
    const store = this.#provider.store
    return this.#provider.required(() => store.delete(k))
  }

  deleteMany(ks: readonly string[]): MaybePromise<number> {
    const store = this.#provider.store
    return this.#provider.required(() => store.deleteMany(ks))
  }

  invalidateTags(tags: readonly string[]): MaybePromise<number> {
    const store = this.#provider.store
    return this.#provider.required(() => store.invalidateTags(tags))
  }

  clear(): MaybePromise<void> {
    const store = this.#provider.store
    return this.#provider.required(() => store.clear())
  }

  changed(): void {}

  inspect(k: string): MaybePromise<InspectedEntry<V> | undefined> {
    return this.#provider.inspect(k)
  }

  get inProcessTier(): InProcessTier | undefined {
    const provider = this.#provider
    return provider.store.inProcess === true
      ? { store: provider.store, codec: provider.codec, only: this.#liveUnguarded }
      : undefined
  }

  overtake(): void {}

  overtakeAll(): void {}
}

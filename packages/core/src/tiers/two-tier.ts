import type { BusCoherence, LocalChange } from '../bus-coherence.js'
import type { EntryOptions, EntryPolicy } from '../entry-policy.js'
import { chain, isPromise } from '../maybe-promise.js'
import type { LiveEntry, MaybePromise, StoreFenceOptions } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import { decodeEntries, decodeEntry, type Found, settle } from './decode.js'
import { L1Admission } from './l1-admission.js'
import type { L1Tier } from './l1-tier.js'
import type { L2Guard } from './l2-guard.js'
import type { ProviderTier } from './provider-tier.js'
import type {
  InProcessTier,
  InspectedEntry,
  PlannedWrite,
  TierHandler,
  WriteMode,
} from './tier-handler.js'

/** A provider read shared by concurrent readers of one key, and whether a write overtook it. */
interface SharedRead<V> {
  overtaken: boolean
  promise: Promise<Found<V>>
}

const READY = Promise.resolve()

/** `readThen`'s continuation for `read`: the entry as it is. */
function entryOf<V>(_k: string, f: Found<V>): Found<V> {
  return f
}

/**
 * A multilevel namespace: an in-process L1 in front of the provider (L2). Reads go L1, then
 * L2 (concurrent L2 reads of a key share one call and back-fill L1 once, when admitted);
 * writes and invalidations go L2, then L1, then the bus. A read that a write overtook does
 * not back-fill.
 */
export class TwoTier<V> implements TierHandler<V> {
  readonly topology = 'two-tier'
  readonly ready: Promise<void>
  readonly #l1: L1Tier
  readonly #provider: ProviderTier<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #bus: BusCoherence | undefined
  readonly #reads = new Map<string, SharedRead<V>>()
  /** The doorkeeper of L2 back-fills; `undefined` when every L2 hit is copied. */
  readonly #admission: L1Admission | undefined
  /** Bumped by every invalidation: batch reads back-fill L1 only when it did not move. */
  #epoch = 0

  constructor(options: {
    readonly l1: L1Tier
    readonly provider: ProviderTier<V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly bus: BusCoherence | undefined
    /** Which L2 hits are copied into L1. Default `'always'`. */
    readonly admit?: 'repeated' | 'always'
  }) {
    this.#l1 = options.l1
    this.#provider = options.provider
    this.#policy = options.policy
    this.#reporter = options.reporter
    this.#bus = options.bus
    this.ready = options.bus?.ready ?? READY
    this.#admission = options.admit === 'repeated' ? new L1Admission() : undefined
  }

  /** Subscribes the bus (until it is live, L1 is bypassed). */
  start(): void {
    this.#bus?.start()
  }

  get guard(): L2Guard | undefined {
    return this.#provider.guard
  }

  read(k: string): MaybePromise<Found<V>> {
    return this.readThen(k, entryOf)
  }

  readThen<R>(k: string, then: (k: string, f: Found<V>) => R): MaybePromise<R> {
    const l1 = this.#l1
    if (l1.live) {
      this.#reporter.stats.l1Requests++
      const raw = l1.store.get(k)
      if (raw !== undefined && !isPromise(raw) && l1.liveValues) {
        const f = raw as Found<V> & object
        if (this.#policy.isAlive(f, this.#policy.clock.now())) {
          this.#reporter.tierHit('l1', k)
          return then(k, f)
        }
      }
      const found = isPromise(raw)
        ? raw.then((r) => this.#afterL1(k, r))
        : raw === undefined
          ? this.#readShared(k)
          : this.#afterL1(k, raw)
      return settle(k, found, then)
    }
    return settle(k, this.#readShared(k), then)
  }

  readProvider(k: string): MaybePromise<Found<V>> {
    return this.#readShared(k)
  }

  #afterL1(k: string, raw: unknown): MaybePromise<Found<V>> {
    if (raw === undefined) return this.#readShared(k)
    return chain(decodeEntry<V>(k, raw, this.#l1.codec, this.#reporter), (f) => {
      if (f !== undefined && this.#policy.isAlive(f, this.#policy.clock.now())) {
        this.#reporter.tierHit('l1', k)
        return f
      }
      return this.#readShared(k)
    })
  }

  /** Reads L2; concurrent readers of one key share the call and its L1 back-fill. */
  #readShared(k: string): MaybePromise<Found<V>> {
    const pending = this.#reads.get(k)
    if (pending !== undefined) return pending.promise
    const raw = this.#provider.readRaw(k)
    if (!isPromise(raw)) return this.#arrived(k, raw, undefined)
    const read = { overtaken: false } as SharedRead<V>
    this.#reads.set(k, read)
    read.promise = raw.then(
      (r) => {
        const f = this.#arrived(k, r, read)
        if (!isPromise(f)) {
          this.#settled(k, read)
          return f
        }
        return f.finally(() => this.#settled(k, read))
      },
      (error: unknown) => {
        this.#settled(k, read)
        throw error
      },
    )
    return read.promise
  }

  #settled(k: string, read: SharedRead<V>): void {
    if (this.#reads.get(k) === read) this.#reads.delete(k)
  }

  /** Decodes an L2 read and, unless a write overtook it, keeps an admitted copy in L1. */
  #arrived(k: string, raw: unknown, read: SharedRead<V> | undefined): MaybePromise<Found<V>> {
    return chain(this.#provider.decode(k, raw), (f) => {
      if (f !== undefined && read?.overtaken !== true && this.#admits(k)) {
        this.#l1.keep(k, f as LiveEntry, raw)
      }
      return f
    })
  }

  /** True when an L2 hit of `k` is copied into L1 (see `L1Options.admit`). */
  #admits(k: string): boolean {
    return this.#admission === undefined || this.#admission.admit(k)
  }

  readMany(ks: readonly string[]): MaybePromise<Found<V>[]> {
    const l1 = this.#l1
    if (!l1.live) return chain(this.#provider.readMany(ks), (r) => r.found)
    return this.#readManyTiered(ks)
  }

  async #readManyTiered(ks: readonly string[]): Promise<Found<V>[]> {
    const l1 = this.#l1
    const stats = this.#reporter.stats
    stats.l1Requests += ks.length
    const now = this.#policy.clock.now()
    const out = await decodeEntries<V>(ks, await l1.store.getMany(ks), l1.codec, this.#reporter)
    const missing: number[] = []
    for (let i = 0; i < out.length; i++) {
      const f = out[i]
      if (f === undefined || !this.#policy.isAlive(f, now)) {
        out[i] = undefined
        missing.push(i)
      }
    }
    if (this.#reporter.marks.size === 0) stats.l1Hits += ks.length - missing.length
    else
      for (let i = 0; i < out.length; i++)
        if (out[i] !== undefined) this.#reporter.tierHit('l1', ks[i] as string)
    if (missing.length === 0) return out
    const epoch = this.#epoch
    const keys = missing.map((i) => ks[i] as string)
    const { raws, found } = await this.#provider.readMany(keys)
    for (let j = 0; j < found.length; j++) {
      const f = found[j]
      out[missing[j] as number] = f
      if (f !== undefined && epoch === this.#epoch && this.#admits(keys[j] as string)) {
        l1.keep(keys[j] as string, f as LiveEntry, raws[j])
      }
    }
    return out
  }

  write(k: string, value: unknown, options: EntryOptions, mode: WriteMode): MaybePromise<void> {
    const provider = this.#provider
    const fields = provider.fieldsOf(k, value, options)
    const meta = this.#policy.meta(this.#policy.clock.now(), options, value)
    return chain(provider.encode(k, value, meta), (entry) =>
      this.#providerThenPublish(
        mode,
        () => provider.store.set(k, entry, { ttl: options.storeTtlMs, tags: options.tags, fields }),
        { keys: [k] },
        () => this.#l1.keep(k, meta, entry),
      ),
    )
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
    return chain(provider.encode(k, value, meta), (entry) => {
      let written = false
      return chain(
        this.#providerThenPublish(
          'write-back',
          () =>
            provider.store.setIfUnchanged!(k, entry, fence, {
              ttl: options.storeTtlMs,
              tags: options.tags,
              fields,
            }),
          { keys: [k] },
          (ok) => {
            written = ok === true
            // Refused: another process changed the key; its own message drops other copies.
            if (written) this.#l1.keep(k, meta, entry)
          },
        ),
        () => written,
      )
    })
  }

  writeMany(writes: readonly PlannedWrite[], mode: WriteMode): MaybePromise<void> {
    const provider = this.#provider
    return chain(provider.encodeMany(writes), (list) =>
      chain(
        provider.guarded(mode, () => provider.store.setMany(list)),
        () => {
          for (const e of list) this.#l1.keep(e.key, e.meta, e.entry)
          return this.#publish({ keys: list.map((e) => e.key) })
        },
      ),
    )
  }

  delete(k: string): MaybePromise<boolean> {
    const store = this.#provider.store
    return this.#providerThenPublish(
      'write',
      () => store.delete(k),
      { keys: [k] },
      () => this.#l1.delete([k]),
    ) as MaybePromise<boolean>
  }

  deleteMany(ks: readonly string[]): MaybePromise<number> {
    const store = this.#provider.store
    return this.#providerThenPublish(
      'write',
      () => store.deleteMany(ks),
      { keys: ks },
      () => this.#l1.delete(ks),
    ) as MaybePromise<number>
  }

  invalidateTags(tags: readonly string[]): MaybePromise<number> {
    const store = this.#provider.store
    return this.#providerThenPublish(
      'write',
      () => store.invalidateTags(tags),
      { tags },
      () => this.#l1.clear(),
    ) as MaybePromise<number>
  }

  clear(): MaybePromise<void> {
    const store = this.#provider.store
    return this.#providerThenPublish(
      'write',
      () => store.clear(),
      { clear: true },
      () => this.#l1.clear(),
    ) as MaybePromise<void>
  }

  changed(k: string): MaybePromise<void> {
    this.#l1.delete([k])
    return this.#publish({ keys: [k] })
  }

  inspect(k: string): MaybePromise<InspectedEntry<V> | undefined> {
    const l1 = this.#l1
    if (!l1.live) return this.#provider.inspect(k)
    return chain(l1.store.get(k), (raw) =>
      chain(decodeEntry<V>(k, raw, l1.codec, this.#reporter), (f) =>
        f !== undefined && this.#policy.isAlive(f, this.#policy.clock.now())
          ? { found: f, tier: 'l1' as const, tags: undefined }
          : this.#provider.inspect(k),
      ),
    )
  }

  get inProcessTier(): InProcessTier | undefined {
    const l1 = this.#l1
    return l1.store.inProcess === true ? { store: l1.store, codec: l1.codec } : undefined
  }

  overtake(k: string): void {
    this.#epoch++
    if (this.#reads.size > 0) {
      const read = this.#reads.get(k)
      if (read !== undefined) read.overtaken = true
    }
  }

  overtakeAll(): void {
    this.#epoch++
    for (const read of this.#reads.values()) read.overtaken = true
  }

  /** Another process changed `keys`: drop the L1 copies. */
  dropCopies(keys: readonly string[]): void {
    this.#l1.delete(keys)
  }

  /** Drops every L1 copy; `bypass` also stops using L1 until `trust` (the bus dropped). */
  dropAllCopies(options: { readonly bypass?: boolean } = {}): void {
    if (options.bypass === true) this.#l1.live = false
    this.#l1.clear()
  }

  /** Uses L1 again (the bus is back), starting from empty. */
  trustAgain(): void {
    this.#l1.clear()
    this.#l1.live = true
  }

  /**
   * An L2 call, then L1 upkeep (`after`), then the bus. When the bus is `ordered` behind the
   * provider's writes, the publish goes out right behind the write instead of after its reply:
   * one round trip instead of two, and subscribers still see the write applied first.
   */
  #providerThenPublish<T>(
    mode: WriteMode,
    call: () => MaybePromise<T>,
    change: LocalChange,
    after: (result: T) => void,
  ): MaybePromise<T | undefined> {
    const written = this.#provider.guarded(mode, call)
    const early = this.#bus?.ordered === true ? this.#publish(change) : undefined
    return chain(written, (result) => {
      after(result as T)
      return chain(early === undefined ? this.#publish(change) : early, () => result)
    })
  }

  /** Publishes unless there is no bus or the provider's circuit is open. */
  #publish(change: LocalChange): MaybePromise<void> {
    const bus = this.#bus
    if (bus === undefined || this.#provider.guard?.open === true) return
    return bus.publish(change)
  }
}

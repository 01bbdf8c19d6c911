import type { EntryCodec } from '../entry-codec.js'
import type { EntryOptions, EntryPolicy } from '../entry-policy.js'
import type { EntryMeta } from '../envelope.js'
import { chain, isPromise } from '../maybe-promise.js'
import type {
  LiveEntry,
  MaybePromise,
  Store,
  StoreEntry,
  StoreFenceOptions,
  StoreInspection,
} from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import type { FieldExtractor } from '../search/extract.js'
import type { SearchDocument } from '../search-types.js'
import { decodeEntries, decodeEntry, type Found } from './decode.js'
import type { L2Guard } from './l2-guard.js'
import type { InspectedEntry, PlannedWrite, WriteMode } from './tier-handler.js'

/** A batch entry encoded for the provider, with what L1 needs to keep a copy. */
export interface EncodedWrite extends StoreEntry<unknown> {
  readonly value: unknown
  readonly meta: LiveEntry
}

/**
 * The namespace's provider as a tier: its store, its entry codec and the breaker guarding it.
 * Both topologies read and write the provider through this one class.
 */
export class ProviderTier<V> {
  readonly store: Store<unknown>
  readonly codec: EntryCodec<unknown>
  readonly guard: L2Guard | undefined
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  /** A live store holds `LiveEntry` objects: nothing to decode. */
  readonly #liveValues: boolean
  /** Reads the searchable fields of written values; `undefined` when the namespace has no search. */
  readonly #extractor: FieldExtractor | undefined
  /**
   * Keys whose stored entry was just read and could not be decoded: a load's fence must not
   * take them as absent (see `fence`). Rare (each is also an `error` event), and bounded.
   */
  readonly #unreadable = new Set<string>()

  constructor(options: {
    readonly store: Store<unknown>
    readonly codec: EntryCodec<unknown>
    readonly guard: L2Guard | undefined
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly extractor?: FieldExtractor | undefined
  }) {
    this.#extractor = options.extractor
    this.store = options.store
    this.codec = options.codec
    this.guard = options.guard
    this.#policy = options.policy
    this.#reporter = options.reporter
    this.#liveValues = options.store.kind === 'live'
  }

  /** Reads and decodes one entry; a read skipped by an open circuit is a miss. */
  read(k: string): MaybePromise<Found<V>> {
    const raw = this.readRaw(k)
    if (isPromise(raw)) return raw.then((r) => this.decode(k, r))
    return this.decode(k, raw)
  }

  /** Reads one stored entry, undecoded; `undefined` for a miss or a read the breaker skipped. */
  readRaw(k: string): MaybePromise<unknown> {
    this.#reporter.stats.l2Requests++
    const guard = this.guard
    return guard === undefined ? this.store.get(k) : guard.attempt(() => this.store.get(k))
  }

  /** Decodes what `readRaw` returned, counting an L2 hit when it holds an entry. */
  decode(k: string, raw: unknown): MaybePromise<Found<V>> {
    if (raw === undefined) return undefined
    if (this.#liveValues) {
      this.#reporter.tierHit('l2', k)
      return raw as Found<V>
    }
    const f = decodeEntry<V>(k, raw, this.codec, this.#reporter)
    if (f === undefined) return this.#unreadableEntry(k)
    if (isPromise(f)) return f.then((d) => this.#countHit(k, d))
    this.#reporter.tierHit('l2', k)
    return f
  }

  #countHit(k: string, f: Found<V>): Found<V> {
    if (f === undefined) return this.#unreadableEntry(k)
    this.#reporter.tierHit('l2', k)
    return f
  }

  /** A stored entry of `k` that could not be decoded: a miss, remembered for `fence`. */
  #unreadableEntry(k: string): undefined {
    const unreadable = this.#unreadable
    if (unreadable.size >= 1024) unreadable.clear()
    unreadable.add(k)
    return undefined
  }

  /** Reads and decodes entries in one provider call; a skipped call reads as all misses. */
  readMany(ks: readonly string[]): MaybePromise<{ raws: readonly unknown[]; found: Found<V>[] }> {
    this.#reporter.stats.l2Requests += ks.length
    const guard = this.guard
    const raws =
      guard === undefined ? this.store.getMany(ks) : guard.attempt(() => this.store.getMany(ks))
    return chain(raws, (r) => {
      if (r === undefined)
        return { raws: [], found: new Array<Found<V>>(ks.length).fill(undefined) }
      return chain(decodeEntries<V>(ks, r, this.codec, this.#reporter), (found) => {
        for (let i = 0; i < found.length; i++) {
          if (found[i] !== undefined) this.#reporter.tierHit('l2', ks[i] as string)
        }
        return { raws: r, found }
      })
    })
  }

  /**
   * The store's fence of `k` (see `Store.fence`), or `undefined` when the store has none or
   * the open circuit skipped the call. `options.absent` is passed on unless the last read of
   * `k` found an entry it could not decode (then the load must be able to overwrite it).
   */
  fence(k: string, options?: StoreFenceOptions): MaybePromise<string | undefined> {
    const store = this.store
    if (store.fence === undefined || store.setIfUnchanged === undefined) return undefined
    let passed = options
    if (passed?.absent === true && this.#unreadable.size !== 0 && this.#unreadable.delete(k)) {
      passed = undefined
    }
    const guard = this.guard
    return guard === undefined
      ? store.fence(k, passed)
      : guard.attempt(() => store.fence!(k, passed))
  }

  /**
   * The searchable fields of a value written to the provider: `undefined` when the namespace
   * has no search, and for a cached "not found". Throws `CacheValueError` (`INVALID_FIELD`)
   * for a field that cannot be indexed.
   */
  fieldsOf(k: string, value: unknown, options: EntryOptions): SearchDocument | undefined {
    const extractor = this.#extractor
    return extractor === undefined || options.negative
      ? undefined
      : extractor.extract(k, value, options.fields)
  }

  /** Encodes one entry for the provider. */
  encode(k: string, value: unknown, meta: EntryMeta): MaybePromise<unknown> {
    return this.codec.toEntry(value, meta, k)
  }

  /** Encodes a batch, stamped with one creation time. */
  encodeMany(writes: readonly PlannedWrite[]): MaybePromise<EncodedWrite[]> {
    const now = this.#policy.clock.now()
    // Every value's fields are read before anything is encoded: one bad field fails the batch.
    const fields =
      this.#extractor === undefined
        ? undefined
        : writes.map((w) => this.fieldsOf(w.key, w.value, w.options))
    const built = writes.map((w, i) => {
      const meta = this.#policy.meta(now, w.options, w.value)
      return chain(
        this.codec.toEntry(w.value, meta, w.key),
        (entry): EncodedWrite => ({
          key: w.key,
          entry,
          ttl: w.options.storeTtlMs,
          tags: w.options.tags,
          fields: fields?.[i],
          value: w.value,
          meta,
        }),
      )
    })
    return built.some(isPromise) ? Promise.all(built) : (built as EncodedWrite[])
  }

  /**
   * Reads one entry for inspection (with its tags where the store keeps them), counting
   * nothing; a read the open circuit skipped is a miss.
   */
  inspect(k: string): MaybePromise<InspectedEntry<V> | undefined> {
    const store = this.store
    const read = (): MaybePromise<StoreInspection<unknown> | undefined> =>
      store.inspect !== undefined
        ? store.inspect(k)
        : chain(store.get(k), (entry) =>
            entry === undefined ? undefined : { entry, tags: undefined },
          )
    const guard = this.guard
    const raw = guard === undefined ? read() : guard.attempt(read)
    return chain(raw, (r) => {
      if (r === undefined) return undefined
      return chain(
        decodeEntry<V>(k, r.entry, this.codec, this.#reporter),
        (found): InspectedEntry<V> | undefined =>
          found === undefined ? undefined : { found, tier: 'provider', tags: r.tags },
      )
    })
  }

  /** Runs a provider call through the guard: a `write-back` is skipped while the circuit is open. */
  guarded<T>(mode: WriteMode, call: () => MaybePromise<T>): MaybePromise<T | undefined> {
    const guard = this.guard
    if (guard === undefined) return call()
    return mode === 'write-back' ? guard.attempt(call) : guard.call(call)
  }

  /** A call that must reach the provider (rejects while the circuit is open). */
  required<T>(call: () => MaybePromise<T>): MaybePromise<T> {
    const guard = this.guard
    return guard === undefined ? call() : guard.call(call)
  }
}

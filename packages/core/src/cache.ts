import {
  type BulkLoader,
  type BulkLoaderContext,
  type ComputeOptions,
  type ComputeResult,
  type GetOrSetOptions,
  type Loader,
  type LoaderContext,
  NOT_FOUND,
  type NotFound,
  type SetManyEntry,
  type SetOptions,
} from './cache-types.js'
import { type Duration, jitterTtl, resolveTtl } from './duration.js'
import type { EntryCodec } from './entry-codec.js'
import type { EntryMeta } from './envelope.js'
import {
  CacheClosedError,
  CacheConfigError,
  CacheError,
  CacheUnsupportedError,
  CacheValueError,
} from './errors.js'
import type { CacheEventListener, CacheEventName, CacheEvents } from './events.js'
import { stringKeys, validateKey } from './keys.js'
import { chain, isPromise, toPromise } from './maybe-promise.js'
import type { DecodedEntry } from './pipeline.js'
import type {
  CapabilityName,
  KeyCodec,
  MaybePromise,
  ProviderCapabilities,
  Store,
  StoreComputeAction,
  StoreEntry,
} from './ports.js'
import { type CacheStats, StatsCounter } from './stats.js'

/** Source of the current time in epoch ms (inject a fake one in tests). */
export interface Clock {
  now(): number
}

/** Everything a Cache needs, resolved by the service when a namespace is opened. */
export interface CacheConfig<K> {
  readonly namespace: string
  readonly providerName: string
  readonly store: Store<unknown>
  readonly codec: EntryCodec<unknown>
  readonly capabilities: ProviderCapabilities
  readonly keyCodec: KeyCodec<K>
  readonly maxKeyBytes: number
  readonly ttl: number | undefined
  readonly negativeTtl: number | undefined
  readonly jitter: number
  readonly computeRetries: number
  readonly clock: Clock
  readonly random: () => number
  readonly events: CacheEvents
  /** Shared with the service: `closed` flips when the service closes. */
  readonly state: { readonly closed: boolean }
}

const MISS: unique symbol = Symbol('miss')
const NEGATIVE: unique symbol = Symbol('negative')
type Read<V> = V | typeof MISS | typeof NEGATIVE

/** Marks a load whose result must not be written back (a write, delete or clear overtook it). */
interface LoadRecord {
  stale: boolean
}

/**
 * The typed cache of one namespace. Obtain it from `CacheService.namespace()`.
 *
 * Every method returns a promise; invalid input rejects with a typed `CacheError`
 * (`CacheKeyError`, `CacheTtlError`, `CacheValueError`, `CacheConfigError`,
 * `CacheUnsupportedError`). Stored bytes that cannot be decoded are a miss plus an `error`
 * event, never a rejection.
 */
export class Cache<K = string, V = unknown> {
  /** The namespace name. */
  readonly namespace: string
  readonly #c: CacheConfig<K>
  readonly #store: Store<unknown>
  readonly #codec: EntryCodec<unknown>
  readonly #events: CacheEvents
  readonly #stats = new StatsCounter()
  readonly #inflight = new Map<string, Promise<V | undefined>>()
  readonly #loads = new Map<string, LoadRecord>()
  readonly #computing = new Map<string, Promise<void>>()
  readonly #identityKeys: boolean

  /** @internal Built by the cache service. */
  constructor(config: CacheConfig<K>) {
    this.namespace = config.namespace
    this.#c = config
    this.#store = config.store
    this.#codec = config.codec
    this.#events = config.events
    this.#identityKeys = config.keyCodec === stringKeys
  }

  /** Name of the provider this namespace lives on. */
  get providerName(): string {
    return this.#c.providerName
  }

  /** The provider's capabilities. */
  get capabilities(): ProviderCapabilities {
    return this.#c.capabilities
  }

  /** Reads a value; resolves to `undefined` on a miss or a cached "not found". */
  get(key: K): Promise<V | undefined> {
    let k: string
    let raw: MaybePromise<unknown>
    try {
      k = this.#key(key)
      raw = this.#store.get(k)
    } catch (error) {
      return Promise.reject(error)
    }
    if (isPromise(raw)) return raw.then((r) => this.#afterRead(k, r))
    try {
      const out = this.#afterRead(k, raw)
      return isPromise(out) ? out : Promise.resolve(out)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Reads a value, or runs `loader` on a miss and caches what it returns. Concurrent calls
   * for the same key in this process share one loader call. A loader error rejects every
   * waiting caller and is not cached. If writing the loaded value fails, the value is still
   * returned and the failure is emitted as an `error` event.
   */
  getOrSet(key: K, loader: Loader<K, V>, options?: GetOrSetOptions): Promise<V | undefined> {
    let k: string
    let read: MaybePromise<Read<V>>
    try {
      k = this.#key(key)
      if (options !== undefined) this.#checkOptions(options)
      const pending = this.#inflight.get(k)
      if (pending !== undefined) {
        // Joining a read or load already under way: this caller reaches no loader, so it
        // counts as a hit, as Caffeine and Guava count it.
        this.#stats.hits++
        this.#emitKey('hit', k)
        return pending
      }
      const raw = this.#store.get(k)
      if (isPromise(raw)) {
        read = raw.then((r) => this.#read(k, r))
      } else {
        read = this.#read(k, raw)
        if (!isPromise(read)) {
          // Synchronous store and codec: a hit never touches the in-flight map.
          if (read !== MISS) return Promise.resolve(this.#count(k, read))
          this.#count(k, MISS)
          return this.#track(k, this.#load(k, key, loader, options))
        }
      }
    } catch (error) {
      return Promise.reject(error)
    }
    const pending = read.then((r) => {
      if (r !== MISS) return this.#count(k, r)
      this.#count(k, MISS)
      return this.#load(k, key, loader, options)
    })
    return this.#track(k, pending)
  }

  /** Reads many values; the result follows the order of `keys`, `undefined` where missing. */
  getMany(keys: readonly K[]): Promise<(V | undefined)[]> {
    return toPromise(() => {
      const ks = keys.map((key) => this.#key(key))
      if (ks.length === 0) return []
      return chain(this.#store.getMany(ks), (raws) => {
        const reads = raws.map((raw, i) => this.#read(ks[i] as string, raw))
        if (!reads.some(isPromise))
          return reads.map((r, i) => this.#count(ks[i] as string, r as Read<V>))
        return Promise.all(reads).then((rs) => rs.map((r, i) => this.#count(ks[i] as string, r)))
      })
    })
  }

  /**
   * Reads many values and loads the missing ones with one call of `loader`, which receives
   * only the keys that were neither cached nor already being loaded in this process.
   * Resolves in the order of `keys`.
   */
  async getOrSetMany(
    keys: readonly K[],
    loader: BulkLoader<K, V>,
    options?: GetOrSetOptions,
  ): Promise<(V | undefined)[]> {
    const ks = keys.map((key) => this.#key(key))
    if (options !== undefined) this.#checkOptions(options)
    const original = new Map<string, K>()
    ks.forEach((k, i) => {
      if (!original.has(k)) original.set(k, keys[i] as K)
    })
    const values = new Map<string, V | undefined>()
    const waiting = new Map<string, Promise<V | undefined>>()
    const toRead: string[] = []
    for (const k of original.keys()) {
      const pending = this.#inflight.get(k)
      if (pending !== undefined) waiting.set(k, pending)
      else toRead.push(k)
    }
    const missing: string[] = []
    if (toRead.length > 0) {
      const raws = await this.#store.getMany(toRead)
      const reads = await Promise.all(raws.map((raw, i) => this.#read(toRead[i] as string, raw)))
      reads.forEach((read, i) => {
        const k = toRead[i] as string
        const value = this.#count(k, read)
        if (read === MISS) missing.push(k)
        else values.set(k, value)
      })
    }
    const fresh: string[] = []
    for (const k of missing) {
      const pending = this.#inflight.get(k)
      if (pending !== undefined) waiting.set(k, pending)
      else fresh.push(k)
    }
    if (fresh.length > 0) {
      const batch = this.#loadMany(fresh, original, loader, options)
      for (const k of fresh) {
        this.#track(
          k,
          batch.then((loaded) => loaded.get(k)),
        )
      }
      const loaded = await batch
      for (const k of fresh) values.set(k, loaded.get(k))
    }
    for (const [k, pending] of waiting) {
      this.#stats.hits++
      this.#emitKey('hit', k)
      values.set(k, await pending)
    }
    return ks.map((k) => values.get(k))
  }

  /** Writes a value. Rejects with `CacheValueError` (`UNDEFINED_VALUE`) for `undefined`. */
  set(key: K, value: V, options?: SetOptions): Promise<void> {
    try {
      const k = this.#key(key)
      this.#checkValue(k, value)
      const ttl = this.#ttlFor(options?.ttl, false)
      const tags = options?.tags === undefined ? undefined : this.#tags(options.tags)
      this.#overtake(k)
      const written = this.#write(k, value, ttl, tags, false)
      if (isPromise(written)) return written.then(() => this.#emitKey('set', k))
      this.#emitKey('set', k)
      return Promise.resolve()
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Writes many values. Every entry is validated before anything is written. */
  setMany(entries: readonly SetManyEntry<K, V>[]): Promise<void> {
    return toPromise(() => {
      const planned = entries.map((e) => {
        const k = this.#key(e.key)
        this.#checkValue(k, e.value)
        return { k, value: e.value, ttl: this.#ttlFor(e.ttl, false), tags: this.#tags(e.tags) }
      })
      if (planned.length === 0) return
      const now = this.#c.clock.now()
      const built = planned.map((p) =>
        chain(this.#codec.toEntry(p.value, meta(now, p.ttl, false), p.k), (entry) => ({
          key: p.k,
          entry,
          ttl: p.ttl,
          tags: p.tags,
        })),
      )
      const write = (list: StoreEntry<unknown>[]): MaybePromise<void> => {
        for (const p of planned) this.#overtake(p.k)
        return chain(this.#store.setMany(list), () => {
          for (const p of planned) this.#emitKey('set', p.k)
        })
      }
      return built.some(isPromise)
        ? Promise.all(built).then(write)
        : write(built as StoreEntry<unknown>[])
    })
  }

  /** Deletes a key; resolves to `true` when an entry was removed. */
  delete(key: K): Promise<boolean> {
    return toPromise(() => {
      const k = this.#key(key)
      this.#overtake(k)
      return chain(this.#store.delete(k), (removed) => {
        this.#emitKey('delete', k)
        return removed
      })
    })
  }

  /** Deletes many keys; resolves to the number of entries removed. */
  deleteMany(keys: readonly K[]): Promise<number> {
    return toPromise(() => {
      const ks = keys.map((key) => this.#key(key))
      if (ks.length === 0) return 0
      for (const k of ks) this.#overtake(k)
      return chain(this.#store.deleteMany(ks), (count) => {
        for (const k of ks) this.#emitKey('delete', k)
        return count
      })
    })
  }

  /** True when a live, decodable, non-negative entry exists for `key`. Does not count as a read. */
  has(key: K): Promise<boolean> {
    return toPromise(() => {
      const k = this.#key(key)
      return chain(this.#store.get(k), (raw) =>
        chain(this.#read(k, raw), (read) => read !== MISS && read !== NEGATIVE),
      )
    })
  }

  /**
   * Removes every entry of this namespace that carries any of `tags`; resolves to the number
   * removed. Rejects with `CacheUnsupportedError` when the provider has no `tags` capability.
   */
  invalidateTags(tags: readonly string[]): Promise<number> {
    return toPromise(() => {
      this.#checkOpen()
      this.#require('tags', 'invalidateTags')
      const list = this.#tags(tags) ?? []
      if (list.length === 0) return 0
      this.#overtakeAll()
      return chain(this.#store.invalidateTags(list), (count) => {
        if (this.#events.has('invalidate')) {
          this.#events.emit('invalidate', {
            namespace: this.namespace,
            reason: 'tags',
            tags: list,
            count,
          })
        }
        return count
      })
    })
  }

  /** Removes every entry of this namespace, and nothing outside it. */
  clear(): Promise<void> {
    return toPromise(() => {
      this.#checkOpen()
      this.#overtakeAll()
      return chain(this.#store.clear(), () => {
        if (this.#events.has('invalidate')) {
          this.#events.emit('invalidate', {
            namespace: this.namespace,
            reason: 'clear',
            tags: [],
            count: undefined,
          })
        }
      })
    })
  }

  /**
   * Atomic read-modify-write of one key. `fn` receives the current value (`undefined` when
   * absent, expired, negative or undecodable) and returns what to do. Calls for the same key
   * are serialised in this process; across processes the store retries optimistically, so
   * `fn` may run more than once and must not have side effects. Resolves to the value after
   * the operation. Rejects with `CacheUnsupportedError` without the `compute` capability and
   * with `CacheConflictError` when the retry budget runs out.
   */
  compute(
    key: K,
    fn: (current: V | undefined) => MaybePromise<ComputeResult<V>>,
    options?: ComputeOptions,
  ): Promise<V | undefined> {
    return toPromise(() => {
      const k = this.#key(key)
      this.#require('compute', 'compute')
      const maxRetries = options?.maxRetries ?? this.#c.computeRetries
      if (!Number.isInteger(maxRetries) || maxRetries < 0) {
        throw new CacheConfigError(
          'INVALID_OPTION',
          `maxRetries must be an integer >= 0, got ${maxRetries}`,
        )
      }
      const previous = this.#computing.get(k) ?? Promise.resolve()
      const run = previous.then(() => this.#computeNow(k, fn, maxRetries))
      const tail = run.then(noop, noop)
      this.#computing.set(k, tail)
      void tail.then(() => {
        if (this.#computing.get(k) === tail) this.#computing.delete(k)
      })
      return run
    })
  }

  /**
   * Iterates the keys of this namespace. Throws `CacheUnsupportedError` on the first step when
   * the provider has no `iterate` capability.
   */
  async *keys(): AsyncGenerator<K> {
    this.#checkOpen()
    this.#require('iterate', 'keys')
    for await (const k of this.#store.keys!()) yield this.#c.keyCodec.decode(k)
  }

  /** Counters since the namespace was opened or `resetStats()` was called. */
  stats(): CacheStats {
    return this.#stats.snapshot()
  }

  /** Zeroes the counters. */
  resetStats(): void {
    this.#stats.reset()
  }

  /** Listens to this namespace's events; returns a function that removes the listener. */
  on<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): () => void {
    return this.#events.on(name, listener)
  }

  /** Removes a listener added with `on`. */
  off<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): void {
    this.#events.off(name, listener)
  }

  // ---------------------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#c.state.closed) throw new CacheClosedError('cache service')
  }

  #key(key: K): string {
    if (this.#c.state.closed) throw new CacheClosedError('cache service')
    const k = this.#identityKeys ? (key as unknown as string) : this.#c.keyCodec.encode(key)
    validateKey(k, this.#c.maxKeyBytes)
    return k
  }

  #require(capability: CapabilityName, operation: string): void {
    if (!this.#c.capabilities[capability]) {
      throw new CacheUnsupportedError(
        capability,
        `${operation}() needs the '${capability}' capability, which provider '${this.#c.providerName}' does not declare`,
      )
    }
  }

  #checkValue(k: string, value: unknown): void {
    if (value === undefined) {
      throw new CacheValueError(
        'UNDEFINED_VALUE',
        `cannot cache undefined for key '${k}': use null, or delete the key`,
      )
    }
  }

  #checkOptions(options: GetOrSetOptions): void {
    this.#ttlFor(options.ttl, false)
    if (options.negativeTtl !== undefined) resolveTtl(options.negativeTtl, undefined, 'negativeTtl')
    this.#tags(options.tags)
  }

  /** Resolves a TTL option to the jittered physical TTL in ms (`undefined`: no expiry). */
  #ttlFor(option: Duration | null | undefined, negative: boolean): number | undefined {
    const fallback = negative ? (this.#c.negativeTtl ?? this.#c.ttl) : this.#c.ttl
    const base = resolveTtl(option, fallback, negative ? 'negativeTtl' : 'ttl')
    return base === undefined ? undefined : jitterTtl(base, this.#c.jitter, this.#c.random)
  }

  #tags(tags: readonly string[] | undefined): readonly string[] | undefined {
    if (tags === undefined) return undefined
    if (!Array.isArray(tags)) {
      throw new CacheConfigError('INVALID_TAG', 'tags must be an array of strings')
    }
    if (tags.length === 0) return undefined
    this.#require('tags', 'tags')
    for (const tag of tags) {
      if (typeof tag !== 'string' || tag.length === 0) {
        throw new CacheConfigError('INVALID_TAG', 'every tag must be a non-empty string')
      }
      try {
        validateKey(tag, this.#c.maxKeyBytes)
      } catch (error) {
        throw new CacheConfigError('INVALID_TAG', `invalid tag: ${(error as Error).message}`)
      }
    }
    return tags.length === 1 ? tags : [...new Set(tags)]
  }

  /** Turns a stored entry into a value, MISS or NEGATIVE. Never throws. */
  #read(k: string, raw: unknown): MaybePromise<Read<V>> {
    if (raw === undefined) return MISS
    let decoded: MaybePromise<DecodedEntry<V>>
    try {
      decoded = this.#codec.fromEntry<V>(raw, k)
    } catch (error) {
      return this.#undecodable(k, error)
    }
    if (isPromise(decoded)) {
      return decoded.then(
        (d) => this.#fresh(d),
        (error: unknown) => this.#undecodable(k, error),
      )
    }
    return this.#fresh(decoded)
  }

  #fresh(d: DecodedEntry<V>): Read<V> {
    if (d.expiresAt !== undefined && d.expiresAt <= this.#c.clock.now()) return MISS
    return d.negative ? NEGATIVE : (d.value as V)
  }

  #undecodable(k: string, error: unknown): typeof MISS {
    this.#emitError(k, 'get', error)
    return MISS
  }

  #afterRead(k: string, raw: unknown): MaybePromise<V | undefined> {
    const read = this.#read(k, raw)
    return isPromise(read) ? read.then((r) => this.#count(k, r)) : this.#count(k, read)
  }

  #count(k: string, read: Read<V>): V | undefined {
    if (read === MISS) {
      this.#stats.misses++
      this.#emitKey('miss', k)
      return undefined
    }
    this.#stats.hits++
    this.#emitKey('hit', k)
    return read === NEGATIVE ? undefined : read
  }

  #emitKey(name: 'hit' | 'miss' | 'set' | 'delete', key: string): void {
    if (this.#events.has(name)) this.#events.emit(name, { namespace: this.namespace, key })
  }

  #emitError(
    key: string | undefined,
    operation: 'get' | 'load' | 'set' | 'compute',
    error: unknown,
  ): void {
    if (this.#events.has('error')) {
      this.#events.emit('error', {
        namespace: this.namespace,
        key,
        operation,
        error: error instanceof Error ? error : new CacheError('DECODE_FAILED', String(error)),
      })
    }
  }

  /** Registers an in-flight read-or-load so concurrent callers join it. */
  #track(k: string, pending: Promise<V | undefined>): Promise<V | undefined> {
    this.#inflight.set(k, pending)
    const done = (): void => {
      if (this.#inflight.get(k) === pending) this.#inflight.delete(k)
    }
    pending.then(done, done)
    return pending
  }

  /** A write, delete or clear overtakes running loads: their results are not written back. */
  #overtake(k: string): void {
    if (this.#loads.size === 0) return
    const record = this.#loads.get(k)
    if (record !== undefined) record.stale = true
  }

  #overtakeAll(): void {
    for (const record of this.#loads.values()) record.stale = true
  }

  #write(
    k: string,
    value: unknown,
    ttl: number | undefined,
    tags: readonly string[] | undefined,
    negative: boolean,
  ): MaybePromise<void> {
    const entry = this.#codec.toEntry(value, meta(this.#c.clock.now(), ttl, negative), k)
    return chain(entry, (e) => this.#store.set(k, e, { ttl, tags }))
  }

  async #load(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): Promise<V | undefined> {
    const record: LoadRecord = { stale: false }
    this.#loads.set(k, record)
    try {
      const context = new SingleLoaderContext(key)
      const started = performance.now()
      let result: V | NotFound
      try {
        result = await loader(context)
      } catch (error) {
        this.#stats.recordLoad(performance.now() - started, true)
        this.#emitError(k, 'load', error)
        throw error
      }
      this.#stats.recordLoad(performance.now() - started, false)
      const negative = result === NOT_FOUND
      if (!negative && result === undefined) {
        throw new CacheValueError(
          'UNDEFINED_VALUE',
          `loader for key '${k}' returned undefined: return a value, or ctx.notFound() to cache a miss`,
        )
      }
      if (!context.skipped && !record.stale) {
        try {
          const ttlOption = context.ttlSet
            ? context.ttl
            : negative
              ? options?.negativeTtl
              : options?.ttl
          const ttl = this.#ttlFor(ttlOption, negative)
          const tags =
            context.tags !== undefined ? this.#tags(context.tags) : this.#tags(options?.tags)
          await this.#write(k, negative ? undefined : result, ttl, tags, negative)
          this.#emitKey('set', k)
        } catch (error) {
          if (isInputError(error)) throw error
          this.#emitError(k, 'set', error)
        }
      }
      return negative ? undefined : (result as V)
    } finally {
      if (this.#loads.get(k) === record) this.#loads.delete(k)
    }
  }

  async #loadMany(
    fresh: readonly string[],
    original: ReadonlyMap<string, K>,
    loader: BulkLoader<K, V>,
    options: GetOrSetOptions | undefined,
  ): Promise<Map<string, V | undefined>> {
    const records = new Map<string, LoadRecord>()
    for (const k of fresh) {
      const record = { stale: false }
      records.set(k, record)
      this.#loads.set(k, record)
    }
    try {
      const context = new BulkContext()
      const started = performance.now()
      let result: Awaited<ReturnType<BulkLoader<K, V>>>
      try {
        result = await loader(
          fresh.map((k) => original.get(k) as K),
          context,
        )
      } catch (error) {
        this.#stats.recordLoad(performance.now() - started, true)
        this.#emitError(undefined, 'load', error)
        throw error
      }
      this.#stats.recordLoad(performance.now() - started, false)
      const out = new Map<string, V | undefined>()
      const toWrite: { k: string; value: V | undefined; negative: boolean }[] = []
      for (const [key, value] of result as Iterable<readonly [K, V | NotFound]>) {
        const k = this.#c.keyCodec.encode(key)
        if (!records.has(k) || value === undefined) continue
        const negative = value === NOT_FOUND
        out.set(k, negative ? undefined : (value as V))
        toWrite.push({ k, value: negative ? undefined : (value as V), negative })
      }
      if (!context.skipped) {
        try {
          const now = this.#c.clock.now()
          const tags =
            context.tags !== undefined ? this.#tags(context.tags) : this.#tags(options?.tags)
          const entries = await Promise.all(
            toWrite
              .filter((w) => records.get(w.k)?.stale === false)
              .map(async (w) => {
                const ttlOption = context.ttlSet
                  ? context.ttl
                  : w.negative
                    ? options?.negativeTtl
                    : options?.ttl
                const ttl = this.#ttlFor(ttlOption, w.negative)
                const entry = await this.#codec.toEntry(w.value, meta(now, ttl, w.negative), w.k)
                return { key: w.k, entry, ttl, tags }
              }),
          )
          if (entries.length > 0) {
            await this.#store.setMany(entries)
            for (const e of entries) this.#emitKey('set', e.key)
          }
        } catch (error) {
          if (isInputError(error)) throw error
          this.#emitError(undefined, 'set', error)
        }
      }
      return out
    } finally {
      for (const [k, record] of records) if (this.#loads.get(k) === record) this.#loads.delete(k)
    }
  }

  async #computeNow(
    k: string,
    fn: (current: V | undefined) => MaybePromise<ComputeResult<V>>,
    maxRetries: number,
  ): Promise<V | undefined> {
    this.#overtake(k)
    let after: V | undefined
    let outcome = 'keep' as 'set' | 'delete' | 'keep'
    await this.#store.compute!(
      k,
      async (currentEntry): Promise<StoreComputeAction<unknown>> => {
        const read = await this.#read(k, currentEntry)
        const current = read === MISS || read === NEGATIVE ? undefined : read
        const decision = await fn(current)
        switch (decision?.action) {
          case 'keep':
            after = current
            outcome = 'keep'
            return { action: 'keep' }
          case 'delete':
            after = undefined
            outcome = 'delete'
            return { action: 'delete' }
          case 'set': {
            this.#checkValue(k, decision.value)
            const ttl = this.#ttlFor(decision.ttl, false)
            const tags = this.#tags(decision.tags)
            const entry = await this.#codec.toEntry(
              decision.value,
              meta(this.#c.clock.now(), ttl, false),
              k,
            )
            after = decision.value
            outcome = 'set'
            return { action: 'set', entry, ttl, tags }
          }
          default:
            throw new CacheConfigError(
              'INVALID_OPTION',
              `compute callback for key '${k}' must return { action: 'set' | 'delete' | 'keep' }`,
            )
        }
      },
      { maxRetries },
    )
    if (outcome === 'set' || outcome === 'delete') this.#emitKey(outcome, k)
    return after
  }
}

function meta(now: number, ttl: number | undefined, negative: boolean): EntryMeta {
  return {
    createdAt: now,
    expiresAt: ttl === undefined ? undefined : now + ttl,
    staleUntil: undefined,
    negative,
  }
}

function noop(): void {}

/** Errors caused by the caller's input are thrown; backend write failures become events. */
function isInputError(error: unknown): boolean {
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

class LoaderSettings {
  ttl: Duration | null | undefined
  ttlSet = false
  tags: readonly string[] | undefined
  skipped = false

  setTtl(ttl: Duration | null): void {
    resolveTtl(ttl, undefined)
    this.ttl = ttl
    this.ttlSet = true
  }

  setTags(tags: readonly string[]): void {
    this.tags = tags
  }

  skipCache(): void {
    this.skipped = true
  }
}

class SingleLoaderContext<K> extends LoaderSettings implements LoaderContext<K> {
  readonly key: K
  constructor(key: K) {
    super()
    this.key = key
  }

  notFound(): NotFound {
    return NOT_FOUND
  }
}

class BulkContext extends LoaderSettings implements BulkLoaderContext {}

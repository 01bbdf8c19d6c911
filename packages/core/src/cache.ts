import { type BreakerSettings, CircuitBreaker } from './breaker.js'
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
import { type EntryCodec, liveEntryCodec } from './entry-codec.js'
import type { EntryMeta } from './envelope.js'
import {
  CacheClosedError,
  CacheConfigError,
  CacheError,
  CacheLockTimeoutError,
  CacheTimeoutError,
  CacheUnavailableError,
  CacheUnsupportedError,
  CacheValueError,
} from './errors.js'
import type { CacheEventListener, CacheEventName, CacheEvents } from './events.js'
import { stringKeys, validateKey } from './keys.js'
import { chain, isPromise, toPromise } from './maybe-promise.js'
import type { DecodedEntry } from './pipeline.js'
import type {
  BusSubscriber,
  CapabilityName,
  DistributedLock,
  InvalidationBus,
  InvalidationMessage,
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
  /** In-process first level (multilevel namespaces). */
  readonly l1?: L1Config | undefined
  /** Cross-process invalidation of L1 (multilevel namespaces). */
  readonly bus?: InvalidationBus | undefined
  readonly lock?: LockConfig | undefined
  readonly grace?: GraceConfig | undefined
  /** A loader that runs longer than this (no stale value to serve) fails the call, ms. */
  readonly hardTimeoutMs?: number | undefined
  /** XFetch refresh-ahead; `beta` > 1 refreshes earlier. Needs a TTL and a loader. */
  readonly refreshAhead?: { readonly beta: number } | undefined
  readonly breaker?: BreakerSettings | undefined
  /** The service calls what is registered here when it closes. */
  readonly onClose?: ((dispose: () => Promise<void>) => void) | undefined
}

/** The first level of a multilevel namespace. */
export interface L1Config {
  readonly store: Store<unknown>
  readonly providerName: string
  /** Longest time an entry stays in L1, ms (`undefined`: as long as in L2). */
  readonly maxTtlMs: number | undefined
}

/** The distributed stampede lock of a namespace. */
export interface LockConfig {
  readonly port: DistributedLock
  readonly ttlMs: number
  readonly waitMs: number
  readonly onTimeout: 'load' | 'error'
}

/** Grace (stale-while-revalidate) settings. */
export interface GraceConfig {
  /** How long after logical expiry a value may still be served stale, ms. */
  readonly graceMs: number
  /** How long a caller holding a stale value waits for the refresh before taking it, ms. */
  readonly softTimeoutMs: number
  /** After a failed refresh, how long the stale value is served before the next try, ms. */
  readonly backoffMs: number
}

/** An entry read back from a store. `undefined` stands for a miss (absent or undecodable). */
type Found<V> = DecodedEntry<V> | undefined

/** Marks a read or load whose result must not be written back (a write or invalidation overtook it). */
interface Overtakable {
  stale: boolean
}

/** An L2 read shared by concurrent callers of one key. */
interface L2Read<V> extends Overtakable {
  readonly promise: Promise<Found<V>>
}

/** What a background refresh came to. */
type Refreshed<V> = { readonly ok: true; readonly value: V | undefined } | { readonly ok: false }

const REFRESH_FAILED: Refreshed<never> = Object.freeze({ ok: false })
/** Returned by a locked load that found the lock busy and must not load (refreshes). */
const SKIPPED: unique symbol = Symbol('skipped')

/**
 * The typed cache of one namespace. Obtain it from `CacheService.namespace()`.
 *
 * Every method returns a promise; invalid input rejects with a typed `CacheError`
 * (`CacheKeyError`, `CacheTtlError`, `CacheValueError`, `CacheConfigError`,
 * `CacheUnsupportedError`). Stored bytes that cannot be decoded are a miss plus an `error`
 * event, never a rejection.
 *
 * A multilevel namespace (option `l1`) reads L1, then L2, then the loader; it writes L2, then
 * L1, then publishes the change on the invalidation bus so other processes drop their L1 copy.
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
  readonly #loads = new Map<string, Overtakable>()
  readonly #computing = new Map<string, Promise<void>>()
  readonly #identityKeys: boolean
  /** Set when reads go through the tiered path (L1, breaker or both). */
  readonly #tiered: boolean
  readonly #l1: L1Config | undefined
  readonly #l1Codec: EntryCodec<unknown> | undefined
  readonly #bus: InvalidationBus | undefined
  /** False while the bus is not subscribed: L1 is then bypassed (it may have missed messages). */
  #l1Live: boolean
  readonly #l2Reads = new Map<string, L2Read<V>>()
  /** Bumped by every invalidation: bulk reads back-fill L1 only when it did not move. */
  #epoch = 0
  readonly #breaker: CircuitBreaker | undefined
  readonly #refreshing = new Map<string, Promise<Refreshed<V>>>()
  readonly #backoff = new Map<string, number>()
  readonly #lockWaiters = new Map<string, Set<AbortController>>()
  /** Exponentially weighted mean load time, ms (XFetch's delta). */
  #loadMs = 0
  readonly #ready: Promise<void>
  #markReady: () => void = noop

  /** @internal Built by the cache service. */
  constructor(config: CacheConfig<K>) {
    this.namespace = config.namespace
    this.#c = config
    this.#store = config.store
    this.#codec = config.codec
    this.#events = config.events
    this.#identityKeys = config.keyCodec === stringKeys
    this.#l1 = config.l1
    this.#l1Codec =
      config.l1 === undefined
        ? undefined
        : config.l1.store.kind === 'live'
          ? (liveEntryCodec as EntryCodec<unknown>)
          : config.codec
    this.#breaker =
      config.breaker === undefined
        ? undefined
        : new CircuitBreaker(config.breaker, config.clock, (state, failures) => {
            if (this.#events.has('breaker')) {
              this.#events.emit('breaker', { namespace: this.namespace, state, failures })
            }
          })
    this.#tiered = this.#l1 !== undefined || this.#breaker !== undefined
    // The bus only serves L1: a single-level namespace never publishes or subscribes.
    const bus = this.#l1 !== undefined ? config.bus : undefined
    this.#bus = bus
    this.#l1Live = bus === undefined
    if (bus === undefined) {
      this.#ready = Promise.resolve()
    } else {
      this.#ready = new Promise((resolve) => {
        this.#markReady = resolve
      })
      this.#subscribe(bus, 0)
    }
  }

  /** Name of the provider this namespace lives on (its L2 when multilevel). */
  get providerName(): string {
    return this.#c.providerName
  }

  /** The provider's capabilities (its L2's when multilevel). */
  get capabilities(): ProviderCapabilities {
    return this.#c.capabilities
  }

  /**
   * Resolves once the namespace is fully usable: for a multilevel namespace with a bus, once
   * the bus subscription is live (until then L1 is bypassed, which is correct but slower).
   */
  ready(): Promise<void> {
    return this.#ready
  }

  /** State of the L2 circuit breaker, or `undefined` when the namespace has none. */
  get breakerState(): 'closed' | 'open' | 'half-open' | undefined {
    return this.#breaker?.state
  }

  /** Reads a value; resolves to `undefined` on a miss or a cached "not found". */
  get(key: K): Promise<V | undefined> {
    let k: string
    let found: MaybePromise<Found<V>>
    try {
      k = this.#key(key)
      const l1 = this.#l1
      // The hot path: a single-level namespace, or a live L1, answered inline so it stays
      // small enough for V8 to inline.
      const first =
        l1 === undefined
          ? this.#tiered
            ? undefined
            : this.#store
          : this.#l1Live
            ? l1.store
            : undefined
      if (first === undefined) {
        found = this.#lookup(k)
      } else {
        const raw = first.get(k)
        if (isPromise(raw)) {
          found = raw.then((r) =>
            l1 === undefined ? this.#decode(k, r, this.#codec) : this.#afterL1(k, r),
          )
        } else if (l1 !== undefined) {
          found = this.#afterL1(k, raw)
        } else {
          found = raw === undefined ? undefined : this.#decode(k, raw, this.#codec)
        }
      }
    } catch (error) {
      return Promise.reject(error)
    }
    if (isPromise(found)) return found.then((f) => this.#countFresh(k, f))
    return Promise.resolve(this.#countFresh(k, found))
  }

  /**
   * Reads a value, or runs `loader` on a miss and caches what it returns. Concurrent calls
   * for the same key in this process share one loader call (and, with the `lock` option, one
   * call across processes). A loader error rejects every waiting caller and is not cached. If
   * writing the loaded value fails, the value is still returned and the failure is emitted as
   * an `error` event. With `grace`, a logically expired value is served while it is refreshed.
   */
  getOrSet(key: K, loader: Loader<K, V>, options?: GetOrSetOptions): Promise<V | undefined> {
    let k: string
    let found: MaybePromise<Found<V>>
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
      found = this.#lookup(k)
      if (!isPromise(found)) {
        // Synchronous store and codec: a fresh hit never touches the in-flight map.
        const f = found
        if (f !== undefined && this.#isFresh(f)) {
          return Promise.resolve(this.#freshHit(k, key, f, loader, options))
        }
        const next = this.#afterLookup(k, key, f, loader, options)
        return isPromise(next) ? this.#track(k, next) : Promise.resolve(next)
      }
    } catch (error) {
      return Promise.reject(error)
    }
    const pending = found.then(
      (f) => this.#afterLookup(k, key, f, loader, options),
      (error: unknown) => {
        // With a breaker, a failing L2 degrades to the loader instead of failing the call.
        if (this.#breaker === undefined) throw error
        this.#emitError(k, 'get', error)
        return this.#afterLookup(k, key, undefined, loader, options)
      },
    )
    return this.#track(k, pending)
  }

  /** Reads many values; the result follows the order of `keys`, `undefined` where missing. */
  getMany(keys: readonly K[]): Promise<(V | undefined)[]> {
    return toPromise(() => {
      const ks = keys.map((key) => this.#key(key))
      if (ks.length === 0) return []
      return chain(this.#lookupMany(ks), (found) =>
        found.map((f, i) => this.#countFresh(ks[i] as string, f)),
      )
    })
  }

  /**
   * Reads many values and loads the missing ones with one call of `loader`, which receives
   * only the keys that were neither cached nor already being loaded in this process.
   * Resolves in the order of `keys`. Stale values (within `grace`) count as missing here.
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
      const found = await this.#lookupMany(toRead)
      found.forEach((f, i) => {
        const k = toRead[i] as string
        const fresh = f !== undefined && this.#isFresh(f) ? f : undefined
        const value = this.#countFresh(k, fresh)
        if (fresh === undefined) missing.push(k)
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
      const written = this.#write(k, value, ttl, tags, false, false)
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
      const built = planned.map((p) => {
        const m = this.#meta(now, p.ttl, false)
        return chain(this.#codec.toEntry(p.value, m, p.k), (entry) => ({
          key: p.k,
          entry,
          ttl: this.#physicalTtl(p.ttl),
          tags: p.tags,
          value: p.value,
          meta: m,
        }))
      })
      const write = (list: (StoreEntry<unknown> & { value: V; meta: EntryMeta })[]) => {
        for (const p of planned) this.#overtake(p.k)
        return chain(
          this.#l2(() => this.#store.setMany(list), false),
          () => {
            if (this.#l1 !== undefined) {
              for (const e of list) this.#l1Write(e.key, e.entry, e.value, e.meta)
            }
            return chain(this.#publish({ keys: list.map((e) => e.key) }), () => {
              for (const p of planned) this.#emitKey('set', p.k)
            })
          },
        )
      }
      return built.some(isPromise)
        ? Promise.all(built).then(write)
        : write(built as (StoreEntry<unknown> & { value: V; meta: EntryMeta })[])
    })
  }

  /** Deletes a key; resolves to `true` when an entry was removed. */
  delete(key: K): Promise<boolean> {
    return toPromise(() => {
      const k = this.#key(key)
      this.#overtake(k)
      return chain(
        this.#l2ThenPublish(
          () => this.#store.delete(k),
          false,
          { keys: [k] },
          () => this.#l1Delete([k]),
        ),
        (removed) => {
          this.#emitKey('delete', k)
          return removed
        },
      )
    })
  }

  /** Deletes many keys; resolves to the number of entries removed. */
  deleteMany(keys: readonly K[]): Promise<number> {
    return toPromise(() => {
      const ks = keys.map((key) => this.#key(key))
      if (ks.length === 0) return 0
      for (const k of ks) this.#overtake(k)
      return chain(
        this.#l2ThenPublish(
          () => this.#store.deleteMany(ks),
          false,
          { keys: ks },
          () => this.#l1Delete(ks),
        ),
        (count) => {
          for (const k of ks) this.#emitKey('delete', k)
          return count
        },
      )
    })
  }

  /** True when a live, decodable, non-negative entry exists for `key`. Does not count as a read. */
  has(key: K): Promise<boolean> {
    return toPromise(() => {
      const k = this.#key(key)
      return chain(this.#lookup(k), (f) => f !== undefined && this.#isFresh(f) && !f.negative)
    })
  }

  /**
   * Removes every entry of this namespace that carries any of `tags`; resolves to the number
   * removed. Rejects with `CacheUnsupportedError` when the provider has no `tags` capability.
   * A multilevel namespace empties its L1 in every process (L1 copies do not know their tags).
   */
  invalidateTags(tags: readonly string[]): Promise<number> {
    return toPromise(() => {
      this.#checkOpen()
      this.#require('tags', 'invalidateTags')
      const list = this.#tags(tags) ?? []
      if (list.length === 0) return 0
      this.#overtakeAll()
      return chain(
        this.#l2ThenPublish(
          () => this.#store.invalidateTags(list),
          false,
          { tags: list },
          () => this.#l1Clear(),
        ),
        (count) => {
          this.#emitInvalidate('tags', list, count)
          return count
        },
      )
    })
  }

  /** Removes every entry of this namespace, and nothing outside it (L1 and L2 alike). */
  clear(): Promise<void> {
    return toPromise(() => {
      this.#checkOpen()
      this.#overtakeAll()
      return chain(
        this.#l2ThenPublish(
          () => this.#store.clear(),
          false,
          { clear: true },
          () => this.#l1Clear(),
        ),
        () => this.#emitInvalidate('clear', [], undefined),
      )
    })
  }

  /**
   * Atomic read-modify-write of one key. `fn` receives the current value (`undefined` when
   * absent, expired, negative or undecodable) and returns what to do. Calls for the same key
   * are serialised in this process; across processes the store retries optimistically, so
   * `fn` may run more than once and must not have side effects. Resolves to the value after
   * the operation. Rejects with `CacheUnsupportedError` without the `compute` capability and
   * with `CacheConflictError` when the retry budget runs out. Runs on L2; L1 drops the key.
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
   * Iterates the keys of this namespace (of L2 when multilevel). Throws
   * `CacheUnsupportedError` on the first step when the provider has no `iterate` capability.
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

  /** Resolves a TTL option to the jittered logical TTL in ms (`undefined`: no expiry). */
  #ttlFor(option: Duration | null | undefined, negative: boolean): number | undefined {
    const fallback = negative ? (this.#c.negativeTtl ?? this.#c.ttl) : this.#c.ttl
    const base = resolveTtl(option, fallback, negative ? 'negativeTtl' : 'ttl')
    return base === undefined ? undefined : jitterTtl(base, this.#c.jitter, this.#c.random)
  }

  /** The TTL the store enforces: the logical TTL plus the grace window. */
  #physicalTtl(ttl: number | undefined): number | undefined {
    return ttl === undefined || this.#c.grace === undefined ? ttl : ttl + this.#c.grace.graceMs
  }

  #meta(now: number, ttl: number | undefined, negative: boolean): EntryMeta {
    const expiresAt = ttl === undefined ? undefined : now + ttl
    const grace = this.#c.grace
    return {
      createdAt: now,
      expiresAt,
      staleUntil:
        expiresAt === undefined || grace === undefined ? undefined : expiresAt + grace.graceMs,
      negative,
    }
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

  // --- reading ---------------------------------------------------------------------------

  /** Logically fresh: not past `expiresAt`. */
  #isFresh(f: DecodedEntry<V>): boolean {
    return f.expiresAt === undefined || f.expiresAt > this.#c.clock.now()
  }

  /** Still servable: fresh, or stale within its grace window. */
  #isAlive(f: DecodedEntry<V>, now: number): boolean {
    const end = f.staleUntil ?? f.expiresAt
    return end === undefined || end > now
  }

  /** Decodes a stored entry. Never throws: undecodable bytes are a miss plus an error event. */
  #decode(k: string, raw: unknown, codec: EntryCodec<unknown>): MaybePromise<Found<V>> {
    if (raw === undefined) return undefined
    let decoded: MaybePromise<DecodedEntry<V>>
    try {
      decoded = codec.fromEntry<V>(raw, k)
    } catch (error) {
      return this.#undecodable(k, error)
    }
    if (isPromise(decoded)) return decoded.then(identity, (error) => this.#undecodable(k, error))
    return decoded
  }

  #undecodable(k: string, error: unknown): undefined {
    this.#emitError(k, 'get', error)
    return undefined
  }

  /** L1 (when live), then L2. Resolves to a servable entry (fresh or stale) or `undefined`. */
  #lookup(k: string): MaybePromise<Found<V>> {
    const l1 = this.#l1
    if (l1 !== undefined && this.#l1Live) {
      const raw = l1.store.get(k)
      if (isPromise(raw)) return raw.then((r) => this.#afterL1(k, r))
      if (raw !== undefined) return this.#afterL1(k, raw)
    }
    return this.#l2Lookup(k)
  }

  #afterL1(k: string, raw: unknown): MaybePromise<Found<V>> {
    if (raw === undefined) return this.#l2Lookup(k)
    return chain(this.#decode(k, raw, this.#l1Codec as EntryCodec<unknown>), (f) =>
      f !== undefined && this.#isAlive(f, this.#c.clock.now()) ? f : this.#l2Lookup(k),
    )
  }

  /** Reads L2. Concurrent tiered reads of one key share one call and its L1 back-fill. */
  #l2Lookup(k: string): MaybePromise<Found<V>> {
    if (!this.#tiered) {
      const raw = this.#store.get(k)
      return isPromise(raw)
        ? raw.then((r) => this.#decode(k, r, this.#codec))
        : this.#decode(k, raw, this.#codec)
    }
    const pending = this.#l2Reads.get(k)
    if (pending !== undefined) return pending.promise
    if (this.#breaker !== undefined && !this.#breaker.allow()) return undefined
    const read = { stale: false } as { stale: boolean; promise: Promise<Found<V>> }
    this.#l2Reads.set(k, read)
    read.promise = this.#readL2(k, read)
    return read.promise
  }

  /** One shared L2 read; it leaves `#l2Reads` itself when done (no extra promise per read). */
  async #readL2(k: string, read: Overtakable): Promise<Found<V>> {
    try {
      let raw: unknown
      try {
        raw = await this.#store.get(k)
      } catch (error) {
        this.#breaker?.failure(error)
        throw error
      }
      this.#breaker?.success()
      const f = await this.#decode(k, raw, this.#codec)
      if (f !== undefined && !read.stale && this.#l1 !== undefined && this.#l1Live) {
        this.#l1Fill(k, raw, f)
      }
      return f
    } finally {
      if (this.#l2Reads.get(k) === read) this.#l2Reads.delete(k)
    }
  }

  #lookupMany(ks: readonly string[]): MaybePromise<Found<V>[]> {
    const l1 = this.#l1
    if (l1 === undefined || !this.#l1Live) {
      // One breaker check, in #l2: a skipped call (open circuit) reads as all misses.
      return chain(
        this.#l2(() => this.#store.getMany(ks), true),
        (raws) =>
          raws === undefined ? ks.map(() => undefined) : this.#decodeAll(ks, raws, this.#codec),
      )
    }
    return this.#lookupManyTiered(ks, l1)
  }

  async #lookupManyTiered(ks: readonly string[], l1: L1Config): Promise<Found<V>[]> {
    const now = this.#c.clock.now()
    const out = await this.#decodeAll(
      ks,
      await l1.store.getMany(ks),
      this.#l1Codec as EntryCodec<unknown>,
    )
    const missing: number[] = []
    out.forEach((f, i) => {
      if (f === undefined || !this.#isAlive(f, now)) {
        out[i] = undefined
        missing.push(i)
      }
    })
    if (missing.length === 0) return out
    const epoch = this.#epoch
    const keys = missing.map((i) => ks[i] as string)
    const raws = await this.#l2(() => this.#store.getMany(keys), true)
    if (raws === undefined) return out
    const found = await this.#decodeAll(keys, raws, this.#codec)
    found.forEach((f, j) => {
      out[missing[j] as number] = f
      if (f !== undefined && epoch === this.#epoch && this.#l1Live) {
        this.#l1Fill(keys[j] as string, raws[j], f)
      }
    })
    return out
  }

  #decodeAll(
    ks: readonly string[],
    raws: readonly unknown[],
    codec: EntryCodec<unknown>,
  ): MaybePromise<Found<V>[]> {
    const reads = raws.map((raw, i) => this.#decode(ks[i] as string, raw, codec))
    return reads.some(isPromise) ? Promise.all(reads) : (reads as Found<V>[])
  }

  /** Counts a plain read: fresh entries are hits, anything else a miss. */
  #countFresh(k: string, f: Found<V>): V | undefined {
    if (f === undefined || !this.#isFresh(f)) {
      this.#stats.misses++
      this.#emitKey('miss', k)
      return undefined
    }
    return this.#hit(k, f)
  }

  #hit(k: string, f: DecodedEntry<V>): V | undefined {
    this.#stats.hits++
    this.#emitKey('hit', k)
    return f.negative ? undefined : (f.value as V)
  }

  #freshHit(
    k: string,
    key: K,
    f: DecodedEntry<V>,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): V | undefined {
    const value = this.#hit(k, f)
    const xfetch = this.#c.refreshAhead
    if (xfetch !== undefined && f.expiresAt !== undefined && this.#loadMs > 0) {
      // XFetch: refresh early with a probability that grows as expiry nears, scaled by how
      // long a load takes; -ln(U) is an exponential draw, so the expected lead is delta*beta.
      const lead = -this.#loadMs * xfetch.beta * Math.log(1 - this.#c.random())
      if (this.#c.clock.now() + lead >= f.expiresAt && !this.#refreshing.has(k)) {
        void this.#refresh(k, key, loader, options, f)
      }
    }
    return value
  }

  #afterLookup(
    k: string,
    key: K,
    f: Found<V>,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): MaybePromise<V | undefined> {
    if (f !== undefined) {
      if (this.#isFresh(f)) return this.#freshHit(k, key, f, loader, options)
      if (this.#c.grace !== undefined && this.#isAlive(f, this.#c.clock.now())) {
        return this.#serveStale(k, key, f, loader, options)
      }
    }
    this.#stats.misses++
    this.#emitKey('miss', k)
    return this.#loadBounded(k, key, loader, options)
  }

  /** A stale hit: refresh in the background, wait at most the soft timeout, else serve stale. */
  #serveStale(
    k: string,
    key: K,
    f: DecodedEntry<V>,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): MaybePromise<V | undefined> {
    const stale = this.#hit(k, f)
    if (this.#events.has('stale')) this.#events.emit('stale', { namespace: this.namespace, key: k })
    const until = this.#backoff.get(k)
    if (until !== undefined && until > this.#c.clock.now()) return stale
    const refresh = this.#refresh(k, key, loader, options, f)
    const soft = (this.#c.grace as GraceConfig).softTimeoutMs
    if (soft <= 0) return stale
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(stale), soft)
      void refresh.then((r) => {
        clearTimeout(timer)
        resolve(r.ok ? r.value : stale)
      })
    })
  }

  /** One background refresh per key; failures back off and become `error` events. */
  #refresh(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    current: DecodedEntry<V>,
  ): Promise<Refreshed<V>> {
    const running = this.#refreshing.get(k)
    if (running !== undefined) return running
    const run = this.#loadLocked(k, key, loader, options, current.createdAt).then(
      (value): Refreshed<V> => {
        if (value === SKIPPED) return REFRESH_FAILED
        this.#backoff.delete(k)
        return { ok: true, value }
      },
      (error: unknown): Refreshed<V> => {
        if (this.#backoff.size > 10_000) this.#backoff.clear()
        this.#backoff.set(k, this.#c.clock.now() + (this.#c.grace?.backoffMs ?? 0))
        this.#emitError(k, 'refresh', error)
        return REFRESH_FAILED
      },
    )
    this.#refreshing.set(k, run)
    void run.then(() => {
      if (this.#refreshing.get(k) === run) this.#refreshing.delete(k)
    })
    return run
  }

  /** A load for a caller with nothing to serve: bounded by the hard timeout when set. */
  #loadBounded(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): Promise<V | undefined> {
    const load = this.#loadLocked(k, key, loader, options, undefined) as Promise<V | undefined>
    const hard = this.#c.hardTimeoutMs
    if (hard === undefined) return load
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new CacheTimeoutError(`loader of key '${k}' in '${this.namespace}'`, hard)),
        hard,
      )
      load.then(
        (v) => {
          clearTimeout(timer)
          resolve(v)
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })
  }

  /**
   * Runs the loader under the namespace's distributed lock when it has one, so one process
   * in the fleet loads a key. A waiter that does not get the lock re-reads L2 (the holder
   * writes there before releasing). `staleSince` set: a refresh, which never waits and skips
   * when another process holds the lock.
   */
  #loadLocked(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    staleSince: number | undefined,
  ): Promise<V | undefined | typeof SKIPPED> {
    const lock = this.#c.lock
    if (lock === undefined || (this.#breaker !== undefined && this.#breaker.state === 'open')) {
      return this.#load(k, key, loader, options)
    }
    return this.#loadUnderLock(k, key, loader, options, staleSince, lock)
  }

  async #loadUnderLock(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
    staleSince: number | undefined,
    lock: LockConfig,
  ): Promise<V | undefined | typeof SKIPPED> {
    const refresh = staleSince !== undefined
    const deadline = performance.now() + (refresh ? 0 : lock.waitMs)
    const newer = (f: Found<V>): f is DecodedEntry<V> =>
      f !== undefined && this.#isFresh(f) && (staleSince === undefined || f.createdAt > staleSince)
    for (;;) {
      const waker = new AbortController()
      let waiters = this.#lockWaiters.get(k)
      if (waiters === undefined) {
        waiters = new Set()
        this.#lockWaiters.set(k, waiters)
      }
      waiters.add(waker)
      let handle: Awaited<ReturnType<DistributedLock['acquire']>>
      try {
        handle = await lock.port.acquire(this.namespace, k, {
          ttlMs: lock.ttlMs,
          waitMs: Math.max(0, deadline - performance.now()),
          signal: waker.signal,
        })
      } catch (error) {
        // No lock service: carry on as a single process would, and say so.
        this.#emitError(k, 'lock', error)
        return this.#load(k, key, loader, options)
      } finally {
        waiters.delete(waker)
        if (waiters.size === 0 && this.#lockWaiters.get(k) === waiters) this.#lockWaiters.delete(k)
      }
      if (handle !== undefined) {
        try {
          // The previous holder may have loaded while this process waited or raced to it.
          const f = await this.#l2LookupQuiet(k)
          if (newer(f)) return f.negative ? undefined : (f.value as V)
          return await this.#load(k, key, loader, options)
        } finally {
          handle.release().catch((error: unknown) => this.#emitError(k, 'lock', error))
        }
      }
      const f = await this.#l2LookupQuiet(k)
      if (newer(f)) return f.negative ? undefined : (f.value as V)
      if (refresh) return SKIPPED
      if (performance.now() >= deadline) {
        if (lock.onTimeout === 'error')
          throw new CacheLockTimeoutError(this.namespace, k, lock.waitMs)
        return this.#load(k, key, loader, options)
      }
      // Woken by the bus before the value was readable: wait for the lock again.
    }
  }

  /** L2 read for the lock path: a failure is an event and a miss, not a failed call. */
  async #l2LookupQuiet(k: string): Promise<Found<V>> {
    try {
      return await this.#l2Lookup(k)
    } catch (error) {
      this.#emitError(k, 'get', error)
      return undefined
    }
  }

  #emitInvalidate(reason: 'tags' | 'clear', tags: readonly string[], count: number | undefined) {
    if (this.#events.has('invalidate')) {
      this.#events.emit('invalidate', { namespace: this.namespace, reason, tags, count })
    }
  }

  #emitKey(name: 'hit' | 'miss' | 'set' | 'delete', key: string): void {
    if (this.#events.has(name)) this.#events.emit(name, { namespace: this.namespace, key })
  }

  #emitError(
    key: string | undefined,
    operation: 'get' | 'load' | 'set' | 'compute' | 'refresh' | 'lock' | 'bus' | 'l1',
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

  /** A write, delete or clear overtakes running loads and L2 reads: they write nothing back. */
  #overtake(k: string): void {
    this.#epoch++
    this.#backoff.delete(k)
    if (this.#loads.size > 0) {
      const record = this.#loads.get(k)
      if (record !== undefined) record.stale = true
    }
    if (this.#l2Reads.size > 0) {
      const read = this.#l2Reads.get(k)
      if (read !== undefined) read.stale = true
    }
  }

  #overtakeAll(): void {
    this.#epoch++
    this.#backoff.clear()
    for (const record of this.#loads.values()) record.stale = true
    for (const read of this.#l2Reads.values()) read.stale = true
  }

  // --- L2 calls, L1 upkeep, the bus --------------------------------------------------------

  /**
   * Runs one L2 call through the breaker. While the circuit is open a `soft` call (a read, a
   * load's write-back) is skipped and yields `undefined`; any other call rejects with
   * `CacheUnavailableError`.
   */
  #l2<T>(call: () => MaybePromise<T>, soft: true): MaybePromise<T | undefined>
  #l2<T>(call: () => MaybePromise<T>, soft: false): MaybePromise<T>
  #l2<T>(call: () => MaybePromise<T>, soft: boolean): MaybePromise<T | undefined>
  #l2<T>(call: () => MaybePromise<T>, soft: boolean): MaybePromise<T | undefined> {
    const breaker = this.#breaker
    if (breaker === undefined) return call()
    if (!breaker.allow()) {
      if (soft) return undefined
      throw new CacheUnavailableError(
        `namespace '${this.namespace}': provider '${this.#c.providerName}' is failing and its circuit breaker is open`,
      )
    }
    let out: MaybePromise<T>
    try {
      out = call()
    } catch (error) {
      breaker.failure(error)
      throw error
    }
    if (!isPromise(out)) {
      breaker.success()
      return out
    }
    return out.then(
      (v) => {
        breaker.success()
        return v
      },
      (error: unknown) => {
        breaker.failure(error)
        throw error
      },
    )
  }

  /** Remaining L1 time to live of an entry, ms; `null` when already past its end. */
  #l1Ttl(end: number | undefined): number | undefined | null {
    const max = this.#l1?.maxTtlMs
    if (end === undefined) return max
    const left = end - this.#c.clock.now()
    if (left <= 0) return null
    return max === undefined ? left : Math.min(left, max)
  }

  /** Copies an entry read from L2 into L1, with its remaining time to live. */
  #l1Fill(k: string, raw: unknown, f: DecodedEntry<V>): void {
    const l1 = this.#l1 as L1Config
    const ttl = this.#l1Ttl(f.staleUntil ?? f.expiresAt)
    if (ttl === null) return
    const entry = l1.store.kind === 'live' ? liveEntryCodec.toEntry(f.value, f, k) : raw
    this.#l1Call(k, () => l1.store.set(k, entry, { ttl }))
  }

  #l1Write(k: string, encoded: unknown, value: unknown, m: EntryMeta): void {
    const l1 = this.#l1
    if (l1 === undefined || !this.#l1Live) return
    const ttl = this.#l1Ttl(m.staleUntil ?? m.expiresAt)
    if (ttl === null) return
    const entry = l1.store.kind === 'live' ? liveEntryCodec.toEntry(value, m, k) : encoded
    this.#l1Call(k, () => l1.store.set(k, entry, { ttl }))
  }

  #l1Delete(ks: readonly string[]): void {
    const l1 = this.#l1
    if (l1 === undefined) return
    this.#l1Call(ks.length === 1 ? ks[0] : undefined, () => l1.store.deleteMany(ks))
  }

  #l1Clear(): void {
    const l1 = this.#l1
    if (l1 === undefined) return
    this.#l1Call(undefined, () => l1.store.clear())
  }

  /** L1 is in-process: a failure there is reported, never allowed to fail the call. */
  #l1Call(k: string | undefined, call: () => MaybePromise<unknown>): void {
    try {
      const out = call()
      if (isPromise(out)) out.catch((error: unknown) => this.#emitError(k, 'l1', error))
    } catch (error) {
      this.#emitError(k, 'l1', error)
    }
  }

  /** Tells other processes what changed (pub/sub buses; a tracking server sees it itself). */
  #publish(change: Omit<InvalidationMessage, 'namespace' | 'origin'>): MaybePromise<void> {
    const bus = this.#bus
    if (bus === undefined || bus.mode !== 'pubsub') return
    if (this.#breaker?.state === 'open') return
    return bus
      .publish({ ...change, namespace: this.namespace, origin: bus.origin })
      .catch((error: unknown) =>
        this.#emitError(change.keys?.length === 1 ? change.keys[0] : undefined, 'bus', error),
      )
  }

  #subscribe(bus: InvalidationBus, attempt: number): void {
    const subscriber: BusSubscriber = {
      message: (message) => this.#onBusMessage(message),
      interrupted: () => {
        this.#l1Live = false
        this.#l1Clear()
        this.#overtakeAll()
        this.#wakeAll()
        if (this.#events.has('bus')) {
          this.#events.emit('bus', { namespace: this.namespace, state: 'interrupted' })
        }
      },
      resumed: () => {
        this.#l1Clear()
        this.#overtakeAll()
        this.#l1Live = true
        this.#markReady()
        if (this.#events.has('bus')) {
          this.#events.emit('bus', { namespace: this.namespace, state: 'resumed' })
        }
      },
    }
    bus.subscribe(this.namespace, subscriber).then(
      (unsubscribe) => {
        if (this.#c.state.closed) {
          void unsubscribe().catch(noop)
          return
        }
        this.#c.onClose?.(unsubscribe)
      },
      (error: unknown) => {
        this.#emitError(undefined, 'bus', error)
        if (this.#c.state.closed) return
        // Keep L1 bypassed and try again, backing off up to 5 s.
        const delay = Math.min(5_000, 100 * 2 ** attempt)
        setTimeout(() => this.#subscribe(bus, attempt + 1), delay).unref?.()
      },
    )
  }

  #onBusMessage(message: InvalidationMessage): void {
    if (message.clear === true || (message.tags !== undefined && message.tags.length > 0)) {
      this.#l1Clear()
      this.#overtakeAll()
      this.#wakeAll()
    } else if (message.keys !== undefined && message.keys.length > 0) {
      this.#l1Delete(message.keys)
      for (const k of message.keys) {
        this.#overtake(k)
        const waiters = this.#lockWaiters.get(k)
        if (waiters !== undefined) for (const w of waiters) w.abort()
      }
    } else {
      return
    }
    if (this.#events.has('invalidate')) {
      this.#events.emit('invalidate', {
        namespace: this.namespace,
        reason: 'remote',
        tags: message.tags ?? [],
        count: undefined,
        keys: message.keys ?? [],
      })
    }
  }

  #wakeAll(): void {
    for (const waiters of this.#lockWaiters.values()) for (const w of waiters) w.abort()
  }

  // --- writing -----------------------------------------------------------------------------

  /**
   * Writes one entry: L2, then L1, then the bus. `fromLoad`: a load's write-back, which skips
   * L2 (keeping the value in L1 only) while the circuit breaker is open.
   */
  #write(
    k: string,
    value: unknown,
    ttl: number | undefined,
    tags: readonly string[] | undefined,
    negative: boolean,
    fromLoad: boolean,
  ): MaybePromise<void> {
    const m = this.#meta(this.#c.clock.now(), ttl, negative)
    const entry = this.#codec.toEntry(value, m, k)
    const physical = this.#physicalTtl(ttl)
    if (!this.#tiered) {
      return chain(entry, (e) => this.#store.set(k, e, { ttl: physical, tags }))
    }
    return chain(entry, (e) =>
      this.#l2ThenPublish(
        () => this.#store.set(k, e, { ttl: physical, tags }),
        fromLoad,
        { keys: [k] },
        () => this.#l1Write(k, e, value, m),
      ),
    )
  }

  /**
   * An L2 write, then L1 upkeep (`after`), then the bus. When the bus is `ordered` behind the
   * store's writes, the publish goes out right behind the write instead of after its reply:
   * one round trip instead of two, and subscribers still see the write applied first.
   */
  #l2ThenPublish<T>(
    call: () => MaybePromise<T>,
    soft: boolean,
    change: Omit<InvalidationMessage, 'namespace' | 'origin'>,
    after: (result: T) => void,
  ): MaybePromise<T> {
    const written = this.#l2(call, soft)
    const early = this.#bus?.ordered === true ? this.#publish(change) : undefined
    return chain(written, (result) => {
      after(result as T)
      return chain(early === undefined ? this.#publish(change) : early, () => result as T)
    })
  }

  #recordLoad(ms: number): void {
    this.#stats.recordLoad(ms, false)
    this.#loadMs = this.#loadMs === 0 ? ms : this.#loadMs * 0.8 + ms * 0.2
  }

  async #load(
    k: string,
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): Promise<V | undefined> {
    const record: Overtakable = { stale: false }
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
      this.#recordLoad(performance.now() - started)
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
          await this.#write(k, negative ? undefined : result, ttl, tags, negative, true)
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
    const records = new Map<string, Overtakable>()
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
      this.#recordLoad(performance.now() - started)
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
                const m = this.#meta(now, ttl, w.negative)
                const entry = await this.#codec.toEntry(w.value, m, w.k)
                return { key: w.k, entry, ttl: this.#physicalTtl(ttl), tags, value: w.value, m }
              }),
          )
          if (entries.length > 0) {
            await this.#l2(() => this.#store.setMany(entries), true)
            for (const e of entries) this.#l1Write(e.key, e.entry, e.value, e.m)
            await this.#publish({ keys: entries.map((e) => e.key) })
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
    await this.#l2(
      () =>
        this.#store.compute!(
          k,
          async (currentEntry): Promise<StoreComputeAction<unknown>> => {
            const f = await this.#decode(k, currentEntry, this.#codec)
            const current =
              f === undefined || !this.#isFresh(f) || f.negative ? undefined : (f.value as V)
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
                  this.#meta(this.#c.clock.now(), ttl, false),
                  k,
                )
                after = decision.value
                outcome = 'set'
                return { action: 'set', entry, ttl: this.#physicalTtl(ttl), tags }
              }
              default:
                throw new CacheConfigError(
                  'INVALID_OPTION',
                  `compute callback for key '${k}' must return { action: 'set' | 'delete' | 'keep' }`,
                )
            }
          },
          { maxRetries },
        ),
      false,
    )
    if (outcome === 'set' || outcome === 'delete') {
      this.#l1Delete([k])
      await this.#publish({ keys: [k] })
      this.#emitKey(outcome, k)
    }
    return after
  }
}

function noop(): void {}

function identity<T>(value: T): T {
  return value
}

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

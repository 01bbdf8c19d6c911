import type { CacheParts } from './cache-parts.js'
import type {
  BulkLoader,
  CacheEntry,
  ComputeOptions,
  ComputeResult,
  GetEntryOptions,
  GetOrSetOptions,
  GetOrSetResult,
  Loader,
  LoaderContext,
  NotFound,
  SetManyEntry,
  SetOptions,
} from './cache-types.js'
import { checkList, checkLoadCall } from './call-checks.js'
import type { Duration } from './duration.js'
import type { EntryPolicy } from './entry-policy.js'
import { CacheClosedError } from './errors.js'
import type { CacheEventListener, CacheEventName } from './events.js'
import type { InProcessRead } from './in-process-read.js'
import { validateKey } from './keys.js'
import { LoadOperations } from './load-operations.js'
import { getOrSet } from './loading/get-or-set.js'
import { chain, isPromise, toPromise } from './maybe-promise.js'
import { NamespaceQueries } from './namespace-queries.js'
import type { KeyCodec, LiveEntry, MaybePromise, ProviderCapabilities } from './ports.js'
import type { NamespaceReporter } from './reporter.js'
import type { SimilarLoader, SimilarOptions } from './search/similar.js'
import type { SearchQuery, SearchResult } from './search-types.js'
import type { CacheStats } from './stats.js'
import type { Found } from './tiers/decode.js'
import type { TierHandler } from './tiers/tier-handler.js'
import { WriteOperations } from './write-operations.js'

export type { CacheParts } from './cache-parts.js'

/**
 * The typed cache of one namespace. Obtain it from `CacheService.namespace()`.
 *
 * The facade validates input and delegates: reads and writes to the namespace's tier handler
 * (one per topology), loads to the load runner (through the stampede lock when the namespace
 * has one), stale serving and refresh-ahead to the revalidation. Every method returns a
 * promise; invalid input rejects with a typed `CacheError` (`CacheKeyError`, `CacheTtlError`,
 * `CacheValueError`, `CacheConfigError`, `CacheUnsupportedError`). Stored bytes that cannot be
 * decoded are a miss plus an `error` event, never a rejection.
 *
 * A multilevel namespace (option `l1`) reads L1, then L2, then the loader; it writes L2, then
 * L1, then publishes the change on the invalidation bus so other processes drop their L1 copy.
 */
export class Cache<V = unknown, K = string> {
  /** The namespace name. */
  readonly namespace: string
  readonly #p: CacheParts<K, V>
  readonly #tiers: TierHandler<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  /** set, setMany, delete, deleteMany, invalidateTags, clear. */
  readonly #writes: WriteOperations<K, V>
  /** getOrSetMany, refresh, refreshMany. */
  readonly #loads: LoadOperations<K, V>
  readonly #state: { readonly closed: boolean }
  readonly #maxKeyBytes: number
  /** The key codec, or `undefined` for string keys (used as they are). */
  readonly #keyCodec: KeyCodec<K> | undefined
  /** `peek`: the synchronous read of the in-process first tier. */
  readonly #inProcess: InProcessRead<K, V>
  /** keys, entries, search, getOrSetSimilar. */
  readonly #queries: NamespaceQueries<K, V>

  /** @internal Built by the cache service. */
  constructor(parts: CacheParts<K, V>, options: { readonly identityKeys: boolean }) {
    this.namespace = parts.namespace
    this.#p = parts
    this.#tiers = parts.tiers
    this.#policy = parts.policy
    this.#reporter = parts.reporter
    const keyCheck = (key: K): string => this.#key(key)
    this.#writes = new WriteOperations<K, V>(parts, keyCheck)
    this.#loads = new LoadOperations<K, V>(parts, keyCheck)
    this.#queries = new NamespaceQueries<K, V>(parts)
    this.#state = parts.state
    this.#maxKeyBytes = parts.settings.maxKeyBytes
    this.#keyCodec = options.identityKeys ? undefined : parts.keyCodec
    this.#inProcess = parts.inProcess
  }

  /** Name of the provider this namespace lives on (its L2 when multilevel). */
  get providerName(): string {
    return this.#p.providerName
  }

  /** The provider's capabilities (its L2's when multilevel). */
  get capabilities(): ProviderCapabilities {
    return this.#p.capabilities
  }

  /** The namespace's topology: one tier, or L1 in front of L2. */
  get topology(): 'single' | 'two-tier' {
    return this.#tiers.topology
  }

  /**
   * Resolves once the namespace is fully usable: for a multilevel namespace with a bus, once
   * the bus subscription is live (until then L1 is bypassed, which is correct but slower).
   */
  ready(): Promise<void> {
    return this.#tiers.ready
  }

  /** State of the L2 circuit breaker, or `undefined` when the namespace has none. */
  get breakerState(): 'closed' | 'open' | 'half-open' | undefined {
    return this.#tiers.guard?.state
  }

  /** Reads a value; resolves to `undefined` on a miss or a cached "not found". */
  get(key: K): Promise<V | undefined> {
    // One live in-process tier and string keys: `getOnly` reads it with no handler hop.
    const only = this.#inProcess.onlyStore
    if (only !== undefined) return this.#inProcess.getOnly(only, key as unknown as string)
    let out: MaybePromise<V | undefined>
    try {
      out = this.#tiers.readThen(this.#key(key), this.#countFresh)
    } catch (error) {
      return Promise.reject(error)
    }
    return isPromise(out) ? out : Promise.resolve(out)
  }

  /**
   * Reads a value, or runs `loader` on a miss and caches what it returns. Concurrent calls
   * for the same key in this process share one loader call (and, with the `lock` option, one
   * call across processes). A loader error rejects every waiting caller and is not cached. If
   * writing the loaded value fails, the value is still returned and the failure is emitted as
   * an `error` event. With `grace`, a logically expired value is served while it is refreshed.
   * Typed `Promise<V>` when the loader cannot return `NOT_FOUND`, else `Promise<V | undefined>`
   * (`undefined` for a cached "not found"); the type assumes every loader of a key agrees on
   * whether it can answer "not found".
   */
  getOrSet<R extends V | NotFound>(
    key: K,
    loader: (context: LoaderContext<K>) => MaybePromise<R>,
    options?: GetOrSetOptions,
  ): Promise<GetOrSetResult<V, R>>
  getOrSet(key: K, loader: Loader<K, V>, options?: GetOrSetOptions): Promise<V | undefined> {
    try {
      const k = this.#key(key)
      checkLoadCall(loader, options, 'getOrSet', this.#policy)
      return getOrSet(this.#p, k, key, loader, options)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Reads many values; the result follows the order of `keys`, `undefined` where missing. */
  getMany(keys: readonly K[]): Promise<(V | undefined)[]> {
    return toPromise(() => {
      checkList(keys, 'getMany', 'keys')
      const ks = keys.map((key) => this.#key(key))
      if (ks.length === 0) return []
      return chain(this.#tiers.readMany(ks), (found) => this.#reporter.countReads(ks, found))
    })
  }

  /**
   * Reads many values and loads the missing ones with one call of `loader`, which receives
   * only the keys that were neither cached nor already being loaded in this process.
   * Resolves in the order of `keys`. Stale values (within `grace`) count as missing here.
   */
  getOrSetMany(
    keys: readonly K[],
    loader: BulkLoader<K, V>,
    options?: GetOrSetOptions,
  ): Promise<(V | undefined)[]> {
    return this.#loads.getOrSetMany(keys, loader, options)
  }

  /**
   * Reloads `key` now and writes the new value; readers keep the old one until then. Joins a
   * refresh or load of the key running in this process and takes the distributed lock when
   * the namespace has one. Resolves to the new value; rejects with the loader's error (the
   * old value stays), `signal.reason` on abort, or the typed errors of `getOrSet`.
   */
  refresh(key: K, loader: Loader<K, V>, options?: GetOrSetOptions): Promise<V | undefined> {
    return this.#loads.refresh(key, loader, options)
  }

  /** As `refresh`, for many keys with one call of `loader`; resolves in the order of `keys`. */
  refreshMany(
    keys: readonly K[],
    loader: BulkLoader<K, V>,
    options?: GetOrSetOptions,
  ): Promise<(V | undefined)[]> {
    return this.#loads.refreshMany(keys, loader, options)
  }

  /** Writes a value. Rejects with `CacheValueError` (`UNDEFINED_VALUE`) for `undefined`. */
  set(key: K, value: V, options?: SetOptions): Promise<void> {
    try {
      return this.#writes.set(this.#key(key), value, options)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Writes many values. Every entry is validated before anything is written. */
  setMany(entries: readonly SetManyEntry<K, V>[]): Promise<void> {
    return this.#writes.setMany(entries)
  }

  /** Deletes a key; resolves to `true` when an entry was removed. */
  delete(key: K): Promise<boolean> {
    return toPromise(() => this.#writes.delete(this.#key(key)))
  }

  /** Deletes many keys; resolves to the number of entries removed. */
  deleteMany(keys: readonly K[]): Promise<number> {
    return this.#writes.deleteMany(keys)
  }

  /** True when a live, decodable, non-negative entry exists for `key`. Does not count as a read. */
  has(key: K): Promise<boolean> {
    return toPromise(() => this.#p.entryOperations.has(this.#key(key)))
  }

  /**
   * Removes every entry of this namespace that carries any of `tags`; resolves to the number
   * removed. Rejects with `CacheUnsupportedError` when the provider has no `tags` capability.
   * A multilevel namespace empties its L1 in every process (L1 copies do not know their tags).
   */
  invalidateTags(tags: readonly string[]): Promise<number> {
    return this.#writes.invalidateTags(tags)
  }

  /** Removes every entry of this namespace, and nothing outside it (L1 and L2 alike). */
  clear(): Promise<void> {
    return this.#writes.clear()
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
    return toPromise(() => this.#p.compute.compute(this.#key(key), fn, options))
  }

  /**
   * Iterates the keys of this namespace (of L2 when multilevel). Throws
   * `CacheUnsupportedError` on the first step when the provider has no `iterate` capability.
   */
  keys(): AsyncGenerator<K> {
    return this.#queries.keys()
  }

  /**
   * Searches this namespace (its store of record, L2 when multilevel) by full text, filters
   * and vector similarity, and resolves to one page: `total`, `hasMore` and the items with
   * their keys, values (decoded as `get` decodes them) and scores. Rejects with
   * `CacheUnsupportedError` when the namespace has no `search` option, `CacheConfigError`
   * naming the field and problem for an invalid query, and `CacheTimeoutError` when the
   * provider takes longer than `search.timeout`. Unreadable hits are skipped with an `error`
   * event; hits that left or expired in between are skipped.
   */
  search(query: SearchQuery): Promise<SearchResult<K, V>> {
    return this.#queries.search(query)
  }

  /**
   * Semantic caching: resolves to the value of the cached entry nearest to `embedding` when
   * its similarity is at least `options.minScore`; otherwise runs `loader(embedding)` and
   * stores its value under the embedding (with `options.ttl` and `options.tags`). Calls with
   * the same embedding (rounded to 1e-4) share one lookup and one loader call, across
   * processes too when the namespace has a `lock`. Rejects with
   * `CacheUnsupportedError` on a namespace without `search`, `CacheConfigError` for bad
   * options, an embedding of the wrong length or a schema without a (single) vector field,
   * and with the loader's error.
   */
  getOrSetSimilar(
    embedding: Float32Array | readonly number[],
    loader: SimilarLoader<V>,
    options: SimilarOptions,
  ): Promise<V> {
    return this.#queries.getOrSetSimilar(embedding, loader, options)
  }

  /**
   * Iterates `[key, value]` of this namespace's fresh entries (of L2 when multilevel), read
   * from the provider in batches; counts nothing. Throws `CacheUnsupportedError` on the first
   * step when the provider has no `iterate` capability.
   */
  entries(): AsyncGenerator<[K, V]> {
    return this.#queries.entries()
  }

  /**
   * The value of `key` with its metadata (creation, logical expiry, grace, negative, tags
   * where the store keeps them, and which tier answered), or `undefined` when no tier holds a
   * servable entry. A stale entry (within `grace`) is returned with `stale: true`. Counts as
   * neither hit nor miss unless `countAsRead` is set. Rejects with a typed error for a bad key
   * or option.
   */
  getEntry(key: K, options?: GetEntryOptions): Promise<CacheEntry<V> | undefined> {
    return toPromise(() => this.#p.entryOperations.getEntry(this.#key(key), options))
  }

  /**
   * Remaining logical time to live of `key` in ms; `null` when its entry never expires;
   * `undefined` when there is no fresh entry (absent, expired, stale within grace, or
   * undecodable). A cached "not found" has a TTL too. Counts nothing.
   */
  ttl(key: K): Promise<number | null | undefined> {
    return toPromise(() => this.#p.entryOperations.ttl(this.#key(key)))
  }

  /**
   * Gives the fresh entry of `key` a new time to live, counted from now (`null`: never
   * expires), in place: value, tags and creation time stay; on Redis the value, its expiry and
   * its tag indexes change in one script. L1 drops its copy in every process. Resolves to
   * `false` when there is no fresh entry. Rejects with `CacheTtlError` for a bad TTL,
   * `CacheUnsupportedError` when the provider cannot change a TTL in place (Keyv), and
   * `CacheConflictError` when other writes keep winning the race (`computeRetries`).
   */
  expire(key: K, ttl: Duration | null): Promise<boolean> {
    return toPromise(() => this.#p.entryOperations.expire(this.#key(key), ttl))
  }

  /**
   * Re-applies the namespace's TTL (its `negativeTtl` to a cached "not found") to the fresh
   * entry of `key`, counted from now, as `expire` does. Resolves to `false` when there is no
   * fresh entry; rejects as `expire`.
   */
  touch(key: K): Promise<boolean> {
    return toPromise(() => this.#p.entryOperations.touch(this.#key(key)))
  }

  /**
   * Reads `key` synchronously from the in-process first tier only (L1 of a multilevel
   * namespace, or an in-process provider): the value, or `undefined` when that tier holds no
   * fresh value. Never reads L2, never loads, counts nothing. Throws `CacheKeyError` for a bad
   * key, `CacheClosedError` after close, and `CacheUnsupportedError` when the first tier is
   * remote or holds bytes that need a transformer to decode.
   */
  peek(key: K): V | undefined {
    const live = this.#inProcess.liveStore
    if (live !== undefined) {
      // A live tier and string keys; InProcessRead.read takes every other case.
      const e = live.get(key as unknown as string) as LiveEntry | undefined
      if (e === undefined) {
        // Every stored key was validated when written: only a miss can be a bad key.
        validateKey(key, this.#maxKeyBytes)
        return undefined
      }
      const at = e.expiresAt
      if (at !== undefined && at <= this.#policy.clock.now()) return undefined
      return e.negative ? undefined : (e.value as V)
    }
    return this.#inProcess.read(key)
  }

  /**
   * `compute` that runs `fn` only when `key` has no fresh value: `fn()` returns what to do
   * (`{ action: 'set', value, ttl?, tags? }`, or `keep` to write nothing). Resolves to the
   * value after (the present one when there was one). Atomic and refused as `compute`.
   */
  computeIfAbsent(
    key: K,
    fn: () => MaybePromise<ComputeResult<V>>,
    options?: ComputeOptions,
  ): Promise<V | undefined> {
    return toPromise(() => this.#p.compute.computeIfAbsent(this.#key(key), fn, options))
  }

  /**
   * `compute` that runs `fn` only when `key` has a fresh value: `fn(current)` returns what to
   * do (`set` with optional `ttl`/`tags`, `delete`, `keep`). Resolves to the value after
   * (`undefined` when absent). Atomic and refused as `compute`.
   */
  computeIfPresent(
    key: K,
    fn: (current: V) => MaybePromise<ComputeResult<V>>,
    options?: ComputeOptions,
  ): Promise<V | undefined> {
    return toPromise(() => this.#p.compute.computeIfPresent(this.#key(key), fn, options))
  }

  /** Counters since the namespace was opened or `resetStats()` was called. */
  stats(): CacheStats {
    return this.#reporter.stats.snapshot()
  }

  /** Zeroes the counters. */
  resetStats(): void {
    this.#reporter.stats.reset()
  }

  /**
   * Listens to this namespace's events (`removal` included: see `CacheEventMap`); returns a
   * function that removes the listener.
   */
  on<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): () => void {
    return this.#reporter.events.on(name, listener)
  }

  /** Removes a listener added with `on`. */
  off<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): void {
    this.#reporter.events.off(name, listener)
  }

  // --- internals ---------------------------------------------------------------------------

  #key(key: K): string {
    if (this.#state.closed) throw new CacheClosedError('cache service')
    const codec = this.#keyCodec
    const k = codec === undefined ? (key as unknown as string) : codec.encode(key)
    validateKey(k, this.#maxKeyBytes)
    return k
  }

  /** Counts a plain read: fresh entries are hits, anything else a miss. Bound once. */
  readonly #countFresh = (k: string, f: Found<V>): V | undefined => {
    if (f === undefined || !this.#policy.isFresh(f)) {
      this.#reporter.miss(k)
      return undefined
    }
    this.#reporter.hit(k)
    return f.negative ? undefined : (f.value as V)
  }
}

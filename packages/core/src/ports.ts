/**
 * The ports between the Cache facade and the packages that plug into it: providers and their
 * stores, encoders, transformers and key codecs. Third-party packages implement these types;
 * `@cacheport/conformance` checks that they keep the contract.
 */

import type { CacheDecodeError } from './errors.js'
import type {
  NormalizedSearchQuery,
  SearchDocument,
  StoreSearchResult,
  StoreSearchSchema,
} from './search-types.js'

/** A value or a promise of it. Stores and transformers may answer synchronously. */
export type MaybePromise<T> = T | Promise<T>

export * from './codec-ports.js'

/**
 * What a live-value store holds: the value itself plus the metadata a bytes store keeps in the
 * envelope header.
 */
export interface LiveEntry<V = unknown> {
  readonly value: V
  /** Epoch ms when the value was produced. */
  readonly createdAt: number
  /** Epoch ms of logical expiry, or `undefined` for none. */
  readonly expiresAt: number | undefined
  /** Epoch ms until which a logically expired value may still be served stale. */
  readonly staleUntil: number | undefined
  /** True for a cached "not found" (negative caching); `value` is then `undefined`. */
  readonly negative: boolean
}

/** Per-write options a store receives. */
export interface StoreWriteOptions {
  /** Physical time to live in ms (already jittered, includes grace). `undefined`: no expiry. */
  readonly ttl?: number | undefined
  /** Tags to index this entry under. Only for stores whose provider declares `tags`. */
  readonly tags?: readonly string[] | undefined
  /**
   * The entry's searchable fields, for stores opened with `search`. The store indexes them
   * atomically with the entry (same expiry) and drops them with it.
   */
  readonly fields?: SearchDocument | undefined
}

/** One entry of a `setMany` call. */
export interface StoreEntry<E> extends StoreWriteOptions {
  readonly key: string
  readonly entry: E
}

/** What a `compute` callback decides. */
export type StoreComputeAction<E> =
  | {
      readonly action: 'set'
      readonly entry: E
      readonly ttl?: number | undefined
      readonly tags?: readonly string[] | undefined
      readonly fields?: SearchDocument | undefined
    }
  | { readonly action: 'delete' }
  | { readonly action: 'keep' }

/** Options of `Store.compute`. */
export interface StoreComputeOptions {
  /** How many times an optimistic store may retry after losing a race. */
  readonly maxRetries?: number
}

/**
 * What a namespace's bus reported (`Store.busEvent`): `live` when it announces every change
 * other processes make from now on, `interrupted` when announcements may be missed, `keys`
 * when another process changed these keys, `everything` when another process invalidated
 * tags or cleared the namespace.
 */
export type StoreBusEvent =
  | { readonly kind: 'live' }
  | { readonly kind: 'interrupted' }
  | { readonly kind: 'keys'; readonly keys: readonly string[] }
  | { readonly kind: 'everything' }

/** Options of `Store.fence`. */
export interface StoreFenceOptions {
  /**
   * The caller's read of `key` just before found no entry at all (not an unreadable one). A
   * store may then take the stored value as absent and answer without a round trip: a value
   * written since makes the write-back refuse, as any change would.
   */
  readonly absent?: boolean
}

/**
 * Options of `Store.expire`: the entry the cache read (`expected`, exactly as `get` or
 * `inspect` answered it) and the same entry rewritten with its new logical expiry (`entry`).
 */
export interface StoreExpireOptions<E> {
  readonly expected: E
  readonly entry: E
  /** New physical time to live in ms (includes grace). `undefined`: no expiry. */
  readonly ttl: number | undefined
}

/**
 * What `Store.expire` did: `changed` (the entry and its expiry were replaced, tags and tag
 * indexes kept), `missing` (no entry), `conflict` (the key now holds another entry than
 * `expected`: the caller reads again and retries).
 */
export type StoreExpireResult = 'changed' | 'missing' | 'conflict'

/** An entry with what the store keeps beside it. */
export interface StoreInspection<E> {
  /** The entry, or a `CacheDecodeError` when it cannot be handed over (see `Store.get`). */
  readonly entry: E | CacheDecodeError
  /** The entry's tags, when the store keeps them with the entry (`undefined`: none). */
  readonly tags: readonly string[] | undefined
}

/** Why an entry left a store, as a store that reports removals tells it. */
export type StoreRemovalCause = 'explicit' | 'replaced' | 'expired' | 'evicted' | 'tag' | 'clear'

/** Options of `Store.onRemoval`. */
export interface StoreRemovalOptions {
  /**
   * Asked (cheaply, often) whether the listener wants removals now; while it answers `false`
   * the store may skip building them. Default: always.
   */
  readonly wanted?: () => boolean
}

/** Called by a store after an entry of its namespace left it. */
export type StoreRemovalListener = (key: string, cause: StoreRemovalCause) => void

/** What a store holds: encoded bytes (remote and isolated stores) or live entries. */
export type StoreValueKind = 'bytes' | 'live'

/**
 * The per-namespace operations of a provider, on already-encoded entries. Keys are the
 * encoded keys of one namespace: the store adds its own namespace prefix. Every method may
 * answer synchronously (in-process stores) or with a promise (remote stores).
 */
export interface Store<E = Uint8Array> {
  readonly namespace: string
  readonly kind: StoreValueKind
  /**
   * The entry of `key`, `undefined` when missing. A store that finds something it cannot hand
   * over as an entry (a key of another type written by another client, a corrupt header)
   * answers a `CacheDecodeError` instead: the cache reads it as a miss plus an `error` event.
   */
  get(key: string): MaybePromise<E | CacheDecodeError | undefined>
  /** Entries in the order of `keys`; `undefined` where missing, `CacheDecodeError` as `get`. */
  getMany(keys: readonly string[]): MaybePromise<(E | CacheDecodeError | undefined)[]>
  set(key: string, entry: E, options?: StoreWriteOptions): MaybePromise<void>
  setMany(entries: readonly StoreEntry<E>[]): MaybePromise<void>
  /** True when an entry was removed. */
  delete(key: string): MaybePromise<boolean>
  /** How many entries were removed. */
  deleteMany(keys: readonly string[]): MaybePromise<number>
  has(key: string): MaybePromise<boolean>
  /** Removes every entry carrying any of `tags`; resolves to the number removed. Needs `tags`. */
  invalidateTags(tags: readonly string[]): MaybePromise<number>
  /** Removes every entry of this namespace (and its tag/index data), nothing else. */
  clear(): MaybePromise<void>
  /**
   * Atomic read-modify-write of one key. The callback may run more than once on optimistic
   * stores; it must be free of side effects. Resolves to the entry after the operation.
   * Needs `compute`; throws `CacheConflictError` when retries run out.
   */
  compute?(
    key: string,
    /** `current` is `undefined` when missing, a `CacheDecodeError` when unreadable (see `get`). */
    fn: (current: E | CacheDecodeError | undefined) => MaybePromise<StoreComputeAction<E>>,
    options?: StoreComputeOptions,
  ): Promise<E | CacheDecodeError | undefined>
  /**
   * Optional: race-free write-back across processes. Captures, before a load begins, an
   * opaque token of everything that must stay unchanged for the load's result to be written:
   * the stored value of `key`, and whether a delete of it, a tag invalidation or a clear of
   * the namespace happened since. Stores shared between processes implement it together
   * with `setIfUnchanged`; an in-process store needs neither (the cache's own bookkeeping
   * already covers one process).
   */
  fence?(key: string, options?: StoreFenceOptions): MaybePromise<string>
  /**
   * Optional: what the namespace's invalidation bus told this process, so a store can keep
   * what it learned about other processes' changes (for `fence`) up to date. Called only for
   * namespaces with a bus; never throws.
   */
  busEvent?(event: StoreBusEvent): void
  /**
   * Writes `entry` only if nothing `fence` covers changed since it was captured: no other
   * write or delete of `key`, no invalidation of a tag (when `options.tags` is not empty),
   * no clear. Resolves `true` when written, `false` when refused. Present with `fence`.
   */
  setIfUnchanged?(
    key: string,
    entry: E,
    fence: string,
    options?: StoreWriteOptions,
  ): MaybePromise<boolean>
  /** Iterates the keys of this namespace (no particular order). Needs `iterate`. */
  keys?(): AsyncIterable<string>
  /**
   * Evaluates a validated query over this namespace's indexed entries. Present on stores
   * opened with `search` by a provider that declares `search`. Rejects with
   * `CacheUnsupportedError` naming what the backend lacks (a module, a field type), and with
   * `CacheTimeoutError` after `query.timeoutMs`.
   */
  search?(query: NormalizedSearchQuery): Promise<StoreSearchResult<E>>
  /**
   * Optional: replaces the entry of `key` by `options.entry` with the physical TTL
   * `options.ttl`, atomically and only while the key still holds `options.expected`; the
   * entry's tags and tag indexes stay as they are (index expiries follow the new TTL). A
   * store without it makes `expire`/`touch` reject with `CacheUnsupportedError`.
   */
  expire?(key: string, options: StoreExpireOptions<E>): MaybePromise<StoreExpireResult>
  /**
   * Optional: the entry of `key` with the tags the store keeps beside it, `undefined` when
   * missing. A store without it reads entries with `get` and reports no tags.
   */
  inspect?(key: string): MaybePromise<StoreInspection<E> | undefined>
  /**
   * Optional: calls `listener` after every entry of this namespace leaves the store, with
   * why; returns a function that stops the calls. Present on stores that see their own
   * removals (in-process stores: expiry and eviction happen there).
   */
  onRemoval?(listener: StoreRemovalListener, options?: StoreRemovalOptions): () => void
  /** True for a store that answers every call synchronously from this process's memory. */
  readonly inProcess?: boolean
}

/** A store of encoded entries (envelope bytes). */
export type BytesStore = Store<Uint8Array> & { readonly kind: 'bytes' }
/** A store of live entries (no encoding). */
export type LiveStore = Store<LiveEntry> & { readonly kind: 'live' }

/** What a provider can do. A capability it lacks is declared `false`, and calls needing it are refused. */
export interface ProviderCapabilities {
  /** `bytes`: stores hold encoded entries. `live`: stores hold `LiveEntry` objects (no encoding). */
  readonly values: StoreValueKind
  /** The backend expires entries by itself. */
  readonly nativeTtl: boolean
  /** Tag indexes and `invalidateTags`. */
  readonly tags: boolean
  /** `Store.compute`. */
  readonly compute: boolean
  /** `Store.keys`. */
  readonly iterate: boolean
  /** `CacheProvider.bus` (cross-process invalidation). */
  readonly bus: boolean
  /** `CacheProvider.lock` (distributed lock). */
  readonly lock: boolean
  /** `Store.search` on stores opened with a search schema. */
  readonly search: boolean
}

/** Names of the boolean capabilities. */
export type CapabilityName = Exclude<keyof ProviderCapabilities, 'values'>

/** Health of a provider's backend. */
export interface ProviderHealth {
  readonly healthy: boolean
  /** Round trip of the health probe, when one was made. */
  readonly latencyMs?: number
  readonly details?: string
}

/**
 * What an invalidation carries between processes: keys and tags, never values. `keys` are
 * encoded keys of `namespace` (after the KeyCodec, before any provider prefix).
 */
export interface InvalidationMessage {
  readonly namespace: string
  readonly keys?: readonly string[]
  readonly tags?: readonly string[]
  /** Every entry of the namespace is invalid (a `clear()`, or a server-side flush). */
  readonly clear?: boolean
  /** Identifies the sending process, so a process can ignore its own messages. */
  readonly origin: string
}

/** What a bus subscription reports to the namespace that subscribed. */
export interface BusSubscriber {
  /** An invalidation from another process (the bus drops this process's own messages). */
  message(message: InvalidationMessage): void
  /**
   * The connection that carries messages dropped: messages may be lost from now on, so every
   * local copy must be treated as invalid until `resumed` is called.
   */
  interrupted(): void
  /** Subscribed again after `interrupted`; messages flow again. Also called once at start. */
  resumed(): void
}

/**
 * Optional port: cross-process invalidation for multilevel caches.
 *
 * - `pubsub`: the cache publishes what it changed; other processes receive it.
 * - `tracking`: the server itself reports every write to a tracked key, by any client, so
 *   `publish` only needs to carry what the server cannot see (it may be a no-op for keys).
 */
export interface InvalidationBus {
  readonly mode: 'pubsub' | 'tracking'
  /** This process's origin id, set on every message it publishes. */
  readonly origin: string
  /**
   * True when a publish reaches subscribers only after every store write this process issued
   * before it has been applied (both go down one connection, in order). The cache then sends
   * a write and its invalidation together instead of waiting for the write's reply. Leave it
   * unset when writes and publishes may take different paths (a cluster's shard channels).
   */
  readonly ordered?: boolean
  /** Publishes an invalidation. Rejects with a typed error when the backend is unreachable. */
  publish(message: InvalidationMessage): Promise<void>
  /**
   * Subscribes one namespace; resolves once the subscription is live (after `resumed` was
   * called once) to a function that ends it.
   */
  subscribe(namespace: string, subscriber: BusSubscriber): Promise<() => Promise<void>>
}

/** A held distributed lock. */
export interface LockHandle {
  readonly namespace: string
  readonly key: string
  /** Resolves to `false` when the lock had already expired or passed to another holder. */
  release(): Promise<boolean>
}

/** Options of `DistributedLock.acquire`. */
export interface LockAcquireOptions {
  /** The lock expires by itself after this many ms (a holder that dies cannot block forever). */
  readonly ttlMs: number
  /** Give up after this many ms of waiting; `0` tries once. */
  readonly waitMs: number
  /** Stops waiting early (for example once the value the holder loads has arrived). */
  readonly signal?: AbortSignal
}

/** Optional port: one holder per (namespace, key) across processes. */
export interface DistributedLock {
  /**
   * Resolves to a handle, or `undefined` when the lock was not acquired within `waitMs` or the
   * signal aborted. Rejects with a typed error when the backend is unreachable.
   */
  acquire(
    namespace: string,
    key: string,
    options: LockAcquireOptions,
  ): Promise<LockHandle | undefined>
  /**
   * Optional: tries the locks of many keys once each, without waiting (locked bulk loads),
   * in as few calls as the backend allows (one per hash slot on Redis). Resolves to a handle
   * per key, in order, `undefined` where another holder has it. Rejects like `acquire`.
   */
  acquireMany?(
    namespace: string,
    keys: readonly string[],
    options: { readonly ttlMs: number },
  ): Promise<(LockHandle | undefined)[]>
}

/** Options a provider receives when the service opens a namespace on it. */
export interface OpenStoreOptions {
  readonly namespace: string
  /**
   * Set when the namespace is searchable: the provider creates (idempotently) an index named
   * `indexName` over this namespace's entries with this schema, and refuses with
   * `CacheUnsupportedError` a field type or algorithm it cannot index, or with
   * `CacheConfigError` an existing index whose schema differs.
   */
  readonly search?: { readonly schema: StoreSearchSchema; readonly indexName: string }
}

/**
 * One shared backend resource (a connection pool, a process-local heap). The service opens one
 * `Store` per namespace on it.
 */
export interface CacheProvider {
  /** Short kind name, for messages (e.g. `memory`, `redis`). */
  readonly kind: string
  readonly capabilities: ProviderCapabilities
  /** Opens (or returns) the store of one namespace. */
  openStore(options: OpenStoreOptions): BytesStore | LiveStore
  health(): Promise<ProviderHealth>
  /** Releases what the provider created. Idempotent. */
  close(): Promise<void>
  // `| undefined`: a provider class that always has the field, undefined when it lacks the
  // port, implements this interface under exactOptionalPropertyTypes too.
  readonly bus?: InvalidationBus | undefined
  readonly lock?: DistributedLock | undefined
  /** What an in-process provider holds and has removed (observability collectors read it). */
  usage?(): ProviderUsage
}

/** Why entries left an in-process provider. */
export interface RemovalCounts {
  /** Deleted on request (delete, clear, tag invalidation). */
  readonly explicit: number
  /** Overwritten by a newer value. */
  readonly replaced: number
  /** Past their time to live. */
  readonly expired: number
  /** Evicted to stay within the size or weight bound. */
  readonly evicted: number
}

/** A snapshot of an in-process provider's contents, across its namespaces. */
export interface ProviderUsage {
  /** Entries held. */
  readonly size: number
  /** Total weight held (the entry count without a weigher). */
  readonly weight: number
  /** The bound: entries (`maximumSize`) or weight (`maximumWeight`). */
  readonly maximum: number
  /** Removals since the provider was created, by cause. */
  readonly removals: RemovalCounts
}

import {
  CacheConfigError,
  CacheConflictError,
  CacheTimeoutError,
  CacheTtlError,
  CacheUnsupportedError,
  CacheValueError,
  type LiveEntry,
  type MaybePromise,
  type NormalizedSearchQuery,
  type SearchDocument,
  type Store,
  type StoreComputeAction,
  type StoreComputeOptions,
  type StoreEntry,
  type StoreSearchResult,
  type StoreSearchSchema,
  type StoreValueKind,
  type StoreWriteOptions,
} from '@cacheport/core'
import { hashKey } from './frequency-sketch.js'
import type { Policy, SlotOwner } from './policy.js'
import { SearchIndex } from './search/search-index.js'

/** The provider that hosts a store: what the store needs from it (the shared policy and bound). */
export interface StoreHost<E> {
  readonly kind: StoreValueKind
  readonly policy: Policy<E>
  now(): number
  checkOpen(): void
  /** Weight of a new or replacing entry (1 without a weigher); throws on a bad weigher result. */
  weigh(key: string, entry: E): number
}

const INFINITY = Number.POSITIVE_INFINITY

/**
 * The per-namespace store of the memory provider: a key → slot map and a tag index over the
 * provider's shared slots.
 */
export class MemoryStore<E extends Uint8Array | LiveEntry> implements Store<E>, SlotOwner {
  readonly namespace: string
  readonly kind: StoreValueKind
  readonly #host: StoreHost<E>
  readonly #policy: Policy<E>
  /** Seed of this namespace's key hashes. */
  readonly seed: number
  /** Namespace id in the shared policy. */
  readonly #id: number
  readonly #map = new Map<string, number>()
  readonly #tags = new Map<string, Set<number>>()
  /** The search index, for a namespace opened with a schema (none costs nothing). */
  #index: SearchIndex | undefined
  #closed = false

  constructor(namespace: string, host: StoreHost<E>) {
    this.namespace = namespace
    this.kind = host.kind
    this.#host = host
    this.#policy = host.policy
    this.seed = hashKey(0x9e3779b9, namespace)
    this.#id = host.policy.register(this)
  }

  /** Number of entries held (expired ones included until they are swept, touched or evicted). */
  get size(): number {
    return this.#map.size
  }

  /** Number of distinct tags indexed (for leak tests). */
  get tagCount(): number {
    return this.#tags.size
  }

  /** Total tag memberships indexed (for leak tests). */
  get tagMemberships(): number {
    let n = 0
    for (const members of this.#tags.values()) n += members.size
    return n
  }

  /**
   * Indexes this namespace for search with `schema` (once; the same schema again is a no-op).
   * Throws `CacheConfigError` when it is already indexed with another schema, and
   * `CacheUnsupportedError` for a field this index cannot hold (`hnsw` vectors).
   */
  indexWith(schema: StoreSearchSchema, indexName: string): void {
    const index = new SearchIndex(schema)
    if (this.#index === undefined) {
      this.#index = index
      return
    }
    if (this.#index.signature !== index.signature) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `memory provider: index '${indexName}' of namespace '${this.namespace}' exists with another schema (the schema of an open namespace cannot change; use another namespace or a new provider)`,
      )
    }
  }

  /** Entries in the search index (for leak tests); 0 without one. */
  get indexedCount(): number {
    return this.#index?.size ?? 0
  }

  /**
   * Evaluates a validated query over this namespace's live entries. Rejects with
   * `CacheUnsupportedError` when the namespace was opened without a schema, and with
   * `CacheTimeoutError` when the evaluation took longer than `query.timeoutMs`.
   */
  async search(query: NormalizedSearchQuery): Promise<StoreSearchResult<E>> {
    this.#host.checkOpen()
    const index = this.#index
    if (index === undefined) {
      throw new CacheUnsupportedError(
        'search',
        `memory provider: namespace '${this.namespace}' was opened without a search schema`,
      )
    }
    const started = performance.now()
    const policy = this.#policy
    const map = this.#map
    const now = this.#host.now()
    const answer = index.search(query, (key) => {
      const slot = map.get(key)
      return slot !== undefined && !policy.expired(slot, now)
    })
    const elapsed = performance.now() - started
    if (elapsed > query.timeoutMs) throw new CacheTimeoutError('search', query.timeoutMs)
    return {
      total: answer.total,
      hits: answer.hits.map((hit) => {
        const slot = map.get(hit.key)
        const entry = slot === undefined ? undefined : (policy.entries[slot] as E | undefined)
        return hit.score === undefined
          ? { key: hit.key, entry }
          : { key: hit.key, entry, score: hit.score }
      }),
    }
  }

  get(key: string): E | undefined {
    if (this.#closed) this.#host.checkOpen()
    const slot = this.#map.get(key)
    if (slot === undefined) return undefined
    return this.#policy.read(slot)
  }

  getMany(keys: readonly string[]): (E | undefined)[] {
    const out = new Array<E | undefined>(keys.length)
    for (let i = 0; i < keys.length; i++) out[i] = this.get(keys[i] as string)
    return out
  }

  set(key: string, entry: E, options?: StoreWriteOptions): void {
    this.#host.checkOpen()
    const expiresAt = this.#expiry(options?.ttl)
    this.#checkEntry(entry)
    const weight = this.#host.weigh(key, entry)
    this.#put(key, entry, weight, expiresAt, options?.tags, options?.fields)
    this.#policy.flush()
  }

  setMany(entries: readonly StoreEntry<E>[]): void {
    this.#host.checkOpen()
    const expiries: number[] = []
    const weights: number[] = []
    for (const e of entries) {
      this.#checkEntry(e.entry)
      expiries.push(this.#expiry(e.ttl))
      weights.push(this.#host.weigh(e.key, e.entry))
    }
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as StoreEntry<E>
      this.#put(e.key, e.entry, weights[i] as number, expiries[i] as number, e.tags, e.fields)
    }
    this.#policy.flush()
  }

  delete(key: string): boolean {
    this.#host.checkOpen()
    const slot = this.#map.get(key)
    if (slot === undefined) return false
    const live = !this.#policy.expired(slot, this.#host.now())
    this.#policy.remove(slot, live ? 'explicit' : 'expired')
    this.#policy.flush()
    return live
  }

  deleteMany(keys: readonly string[]): number {
    let removed = 0
    for (const key of keys) if (this.delete(key)) removed++
    return removed
  }

  has(key: string): boolean {
    this.#host.checkOpen()
    return this.#liveSlot(key) !== undefined
  }

  invalidateTags(tags: readonly string[]): number {
    this.#host.checkOpen()
    const victims = new Set<number>()
    for (const tag of tags) {
      const members = this.#tags.get(tag)
      if (members !== undefined) for (const slot of members) victims.add(slot)
    }
    const removed = this.#removeAll(victims)
    this.#policy.flush()
    return removed
  }

  clear(): void {
    this.#host.checkOpen()
    this.#removeAll([...this.#map.values()])
    this.#policy.flush()
  }

  async compute(
    key: string,
    fn: (current: E | undefined) => MaybePromise<StoreComputeAction<E>>,
    options?: StoreComputeOptions,
  ): Promise<E | undefined> {
    const maxRetries = options?.maxRetries ?? 10
    const policy = this.#policy
    for (let attempt = 0; ; attempt++) {
      this.#host.checkOpen()
      const slot = this.#liveSlot(key)
      const current = slot === undefined ? undefined : policy.entries[slot]
      const action = await fn(current)
      this.#host.checkOpen()
      const after = this.#liveSlot(key)
      // A concurrent write replaced the entry (every write stores a new entry object).
      if (after !== slot || (after !== undefined && policy.entries[after] !== current)) {
        if (attempt >= maxRetries) {
          throw new CacheConflictError(
            `compute on key '${key}' lost the race ${attempt + 1} times (maxRetries ${maxRetries})`,
          )
        }
        continue
      }
      if (action.action === 'keep') return current
      if (action.action === 'delete') {
        if (slot !== undefined) policy.remove(slot, 'explicit')
        policy.flush()
        return undefined
      }
      const expiresAt = this.#expiry(action.ttl)
      this.#checkEntry(action.entry)
      const weight = this.#host.weigh(key, action.entry)
      this.#put(key, action.entry, weight, expiresAt, action.tags, action.fields)
      policy.flush()
      return action.entry
    }
  }

  async *keys(): AsyncGenerator<string> {
    this.#host.checkOpen()
    const now = this.#host.now()
    const policy = this.#policy
    const live: string[] = []
    for (const [key, slot] of this.#map) if (!policy.expired(slot, now)) live.push(key)
    yield* live
  }

  /** Called by the policy when it removes `slot`: drops it from the key map and tag index. */
  forget(key: string, slot: number, tags: readonly string[] | undefined): void {
    if (this.#map.get(key) === slot) {
      this.#map.delete(key)
      this.#index?.remove(key)
    }
    if (tags !== undefined) this.#untag(slot, tags)
  }

  /** Forgets every entry without notifying (used by the provider's close). */
  drop(): void {
    this.#closed = true
    this.#map.clear()
    this.#tags.clear()
    this.#index?.clear()
  }

  #removeAll(slots: Iterable<number>): number {
    const policy = this.#policy
    const now = this.#host.now()
    let removed = 0
    for (const slot of slots) {
      const expired = policy.expired(slot, now)
      if (!expired) removed++
      policy.remove(slot, expired ? 'expired' : 'explicit')
    }
    return removed
  }

  #liveSlot(key: string): number | undefined {
    const slot = this.#map.get(key)
    if (slot === undefined) return undefined
    const policy = this.#policy
    if (policy.expired(slot, this.#host.now())) {
      policy.remove(slot, 'expired')
      policy.flush()
      return undefined
    }
    return slot
  }

  #put(
    key: string,
    entry: E,
    weight: number,
    expiresAt: number,
    tags: readonly string[] | undefined,
    fields: SearchDocument | undefined,
  ): void {
    const policy = this.#policy
    if (tags === undefined && expiresAt === INFINITY && policy.scheduled === 0) {
      const present = this.#map.get(key)
      if (present !== undefined) {
        const old = policy.overwritePlain(present, entry)
        if (old !== undefined) {
          this.#index?.put(key, fields)
          if (old !== entry) policy.notify(this.namespace, key, 'replaced')
          return
        }
      }
    }
    const now = expiresAt === INFINITY && policy.scheduled === 0 ? 0 : this.#host.now()
    policy.sweep(now)
    let slot = this.#map.get(key)
    if (slot !== undefined && policy.expired(slot, now)) {
      policy.remove(slot, 'expired')
      slot = undefined
    }
    if (slot !== undefined) {
      const oldTags = policy.tagsOf(slot)
      if (oldTags !== undefined) this.#untag(slot, oldTags)
      policy.setTags(slot, tags)
      if (tags !== undefined) this.#tag(slot, tags)
      const old = policy.update(slot, entry, weight, expiresAt)
      if (old !== entry) policy.notify(this.namespace, key, 'replaced')
    } else {
      slot = policy.insert(this.#id, hashKey(this.seed, key), key, entry, weight, expiresAt, tags)
      this.#map.set(key, slot)
      if (tags !== undefined) this.#tag(slot, tags)
    }
    // Indexed before eviction runs, so an entry evicted at once leaves the index with it.
    this.#index?.put(key, fields)
    policy.evict()
  }

  #tag(slot: number, tags: readonly string[]): void {
    for (const tag of tags) {
      let members = this.#tags.get(tag)
      if (members === undefined) {
        members = new Set()
        this.#tags.set(tag, members)
      }
      members.add(slot)
    }
  }

  #untag(slot: number, tags: readonly string[]): void {
    for (const tag of tags) {
      const members = this.#tags.get(tag)
      if (members === undefined) continue
      members.delete(slot)
      if (members.size === 0) this.#tags.delete(tag)
    }
  }

  #expiry(ttl: number | undefined): number {
    if (ttl === undefined) return INFINITY
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new CacheTtlError(`store ttl must be a finite number of ms > 0, got ${String(ttl)}`)
    }
    return this.#host.now() + ttl
  }

  #checkEntry(entry: E): void {
    if (
      this.kind === 'bytes' ? !(entry instanceof Uint8Array) : entry === undefined || entry === null
    ) {
      throw new CacheValueError(
        'ENCODE_FAILED',
        `memory store in ${this.kind} mode cannot hold ${entry === null ? 'null' : typeof entry}`,
      )
    }
  }
}

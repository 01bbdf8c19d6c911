import {
  CacheConflictError,
  CacheTtlError,
  CacheValueError,
  type LiveEntry,
  type MaybePromise,
  type Store,
  type StoreComputeAction,
  type StoreComputeOptions,
  type StoreEntry,
  type StoreValueKind,
  type StoreWriteOptions,
} from '@cacheport/core'
import type { LruNode } from './lru-list.js'

/** What a store needs from the provider that owns the shared recency list and bound. */
export interface MemoryHeap<E> {
  readonly kind: StoreValueKind
  now(): number
  checkOpen(): void
  touch(node: LruNode<E>): void
  admit(node: LruNode<E>): void
  reweigh(node: LruNode<E>, weight: number): void
  release(node: LruNode<E>): void
}

/** The per-namespace store of the memory provider: a key map and a tag index. */
export class MemoryStore<E extends Uint8Array | LiveEntry> implements Store<E> {
  readonly namespace: string
  readonly kind: StoreValueKind
  readonly #heap: MemoryHeap<E>
  readonly #map = new Map<string, LruNode<E>>()
  readonly #tags = new Map<string, Set<LruNode<E>>>()

  constructor(namespace: string, heap: MemoryHeap<E>) {
    this.namespace = namespace
    this.kind = heap.kind
    this.#heap = heap
  }

  /** Number of entries held (expired ones included until they are touched or evicted). */
  get size(): number {
    return this.#map.size
  }

  get(key: string): E | undefined {
    this.#heap.checkOpen()
    const node = this.#live(key)
    if (node === undefined) return undefined
    this.#heap.touch(node)
    return node.entry
  }

  getMany(keys: readonly string[]): (E | undefined)[] {
    return keys.map((key) => this.get(key))
  }

  set(key: string, entry: E, options?: StoreWriteOptions): void {
    this.#heap.checkOpen()
    const expiresAt = this.#expiry(options?.ttl)
    this.#checkEntry(entry)
    this.#put(key, entry, expiresAt, options?.tags)
  }

  setMany(entries: readonly StoreEntry<E>[]): void {
    this.#heap.checkOpen()
    const planned = entries.map((e) => {
      this.#checkEntry(e.entry)
      return this.#expiry(e.ttl)
    })
    entries.forEach((e, i) => {
      this.#put(e.key, e.entry, planned[i] as number, e.tags)
    })
  }

  delete(key: string): boolean {
    this.#heap.checkOpen()
    const node = this.#map.get(key)
    if (node === undefined) return false
    const live = node.expiresAt > this.#heap.now()
    this.remove(node)
    return live
  }

  deleteMany(keys: readonly string[]): number {
    let removed = 0
    for (const key of keys) if (this.delete(key)) removed++
    return removed
  }

  has(key: string): boolean {
    this.#heap.checkOpen()
    return this.#live(key) !== undefined
  }

  invalidateTags(tags: readonly string[]): number {
    this.#heap.checkOpen()
    const now = this.#heap.now()
    const victims = new Set<LruNode<E>>()
    for (const tag of tags) {
      const members = this.#tags.get(tag)
      if (members !== undefined) for (const node of members) victims.add(node)
    }
    let removed = 0
    for (const node of victims) {
      if (node.expiresAt > now) removed++
      this.remove(node)
    }
    return removed
  }

  clear(): void {
    this.#heap.checkOpen()
    for (const node of [...this.#map.values()]) this.remove(node)
  }

  async compute(
    key: string,
    fn: (current: E | undefined) => MaybePromise<StoreComputeAction<E>>,
    options?: StoreComputeOptions,
  ): Promise<E | undefined> {
    const maxRetries = options?.maxRetries ?? 10
    for (let attempt = 0; ; attempt++) {
      this.#heap.checkOpen()
      const node = this.#live(key)
      const version = node?.version
      const action = await fn(node?.entry)
      this.#heap.checkOpen()
      const now = this.#live(key)
      if (now !== node || now?.version !== version) {
        if (attempt >= maxRetries) {
          throw new CacheConflictError(
            `compute on key '${key}' lost the race ${attempt + 1} times (maxRetries ${maxRetries})`,
          )
        }
        continue
      }
      if (action.action === 'keep') return node?.entry
      if (action.action === 'delete') {
        if (node !== undefined) this.remove(node)
        return undefined
      }
      this.#checkEntry(action.entry)
      this.#put(key, action.entry, this.#expiry(action.ttl), action.tags)
      return action.entry
    }
  }

  async *keys(): AsyncGenerator<string> {
    this.#heap.checkOpen()
    const now = this.#heap.now()
    for (const [key, node] of [...this.#map]) if (node.expiresAt > now) yield key
  }

  /** Removes a node from the map, the tag index and the recency list. */
  remove(node: LruNode<E>): void {
    if (this.#map.get(node.key) === node) this.#map.delete(node.key)
    this.#untag(node)
    this.#heap.release(node)
  }

  /** Called by the provider when it evicts `node` to stay within its bound. */
  evict(node: LruNode<E>): void {
    this.remove(node)
  }

  /** Drops every entry without the open check (used by the provider's close). */
  drop(): void {
    this.#map.clear()
    this.#tags.clear()
  }

  #live(key: string): LruNode<E> | undefined {
    const node = this.#map.get(key)
    if (node === undefined) return undefined
    if (node.expiresAt !== Number.POSITIVE_INFINITY && node.expiresAt <= this.#heap.now()) {
      this.remove(node)
      return undefined
    }
    return node
  }

  #put(key: string, entry: E, expiresAt: number, tags: readonly string[] | undefined): void {
    const weight = this.kind === 'bytes' ? (entry as Uint8Array).byteLength : 0
    let node = this.#map.get(key)
    if (node !== undefined) {
      this.#untag(node)
      node.entry = entry
      node.expiresAt = expiresAt
      node.tags = tags
      node.version++
      this.#tag(node)
      this.#heap.reweigh(node, weight)
      this.#heap.touch(node)
      return
    }
    node = {
      owner: this,
      key,
      entry,
      expiresAt,
      tags,
      weight,
      version: 0,
      prev: undefined,
      next: undefined,
      linked: false,
    }
    this.#map.set(key, node)
    this.#tag(node)
    this.#heap.admit(node)
  }

  #tag(node: LruNode<E>): void {
    if (node.tags === undefined) return
    for (const tag of node.tags) {
      let members = this.#tags.get(tag)
      if (members === undefined) {
        members = new Set()
        this.#tags.set(tag, members)
      }
      members.add(node)
    }
  }

  #untag(node: LruNode<E>): void {
    if (node.tags === undefined) return
    for (const tag of node.tags) {
      const members = this.#tags.get(tag)
      if (members === undefined) continue
      members.delete(node)
      if (members.size === 0) this.#tags.delete(tag)
    }
  }

  /** Number of distinct tags indexed (for leak tests). */
  get tagCount(): number {
    return this.#tags.size
  }

  #expiry(ttl: number | undefined): number {
    if (ttl === undefined) return Number.POSITIVE_INFINITY
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new CacheTtlError(`store ttl must be a finite number of ms > 0, got ${String(ttl)}`)
    }
    return this.#heap.now() + ttl
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

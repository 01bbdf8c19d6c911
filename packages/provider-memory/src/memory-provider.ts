import {
  type BytesStore,
  CacheClosedError,
  CacheConfigError,
  type CacheProvider,
  type Clock,
  type LiveEntry,
  type LiveStore,
  type OpenStoreOptions,
  type ProviderCapabilities,
  type ProviderHealth,
  type StoreValueKind,
} from '@cacheport/core'
import { LruList, type LruNode } from './lru-list.js'
import { type MemoryHeap, MemoryStore } from './memory-store.js'

/** Options of `memoryProvider`. */
export interface MemoryProviderOptions {
  /**
   * Most entries held across all namespaces of this provider; the least recently used entry
   * is evicted beyond it. Default 10,000.
   */
  readonly maximumSize?: number
  /**
   * `bytes` (default): entries are encoded, so every reader gets its own copy and sizes are
   * exact. `live`: values are kept as they are, with no encoding: the fastest L1, but a caller
   * that mutates a value it got back mutates the cached value.
   */
  readonly values?: StoreValueKind
  /** Time source for expiry (tests inject a fake clock). Default `Date`. */
  readonly clock?: Clock
}

type Entry = Uint8Array | LiveEntry

/** The in-process provider. One instance is one bounded heap shared by its namespaces. */
export class MemoryProvider implements CacheProvider {
  readonly kind = 'memory'
  readonly capabilities: ProviderCapabilities
  readonly #maximumSize: number
  readonly #clock: Clock
  readonly #list = new LruList<Entry>()
  readonly #stores = new Map<string, MemoryStore<Entry>>()
  readonly #heap: MemoryHeap<Entry>
  #bytes = 0
  #closed = false

  /** Throws `CacheConfigError` (`INVALID_OPTION`) for a bad `maximumSize` or `values`. */
  constructor(options: MemoryProviderOptions = {}) {
    const maximumSize = options.maximumSize ?? 10_000
    if (!Number.isSafeInteger(maximumSize) || maximumSize < 1) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `maximumSize must be a positive integer, got ${String(maximumSize)}`,
      )
    }
    const values = options.values ?? 'bytes'
    if (values !== 'bytes' && values !== 'live') {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `values must be 'bytes' or 'live', got '${String(values)}'`,
      )
    }
    this.#maximumSize = maximumSize
    this.#clock = options.clock ?? Date
    this.capabilities = Object.freeze({
      values,
      nativeTtl: true,
      tags: true,
      compute: true,
      iterate: true,
      bus: false,
      lock: false,
      search: false,
    })
    const list = this.#list
    const clock = this.#clock
    this.#heap = {
      kind: values,
      now: () => clock.now(),
      checkOpen: () => {
        if (this.#closed) throw new CacheClosedError('memory provider')
      },
      touch: (node) => list.moveToFront(node),
      admit: (node) => {
        list.pushFront(node)
        this.#bytes += node.weight
        this.#evictBeyondBound()
      },
      reweigh: (node, weight) => {
        this.#bytes += weight - node.weight
        node.weight = weight
      },
      release: (node) => {
        if (!node.linked) return
        list.unlink(node)
        this.#bytes -= node.weight
      },
    }
  }

  /** Entries held across all namespaces. */
  get size(): number {
    return this.#list.size
  }

  /** Bytes held (bytes mode; 0 in live mode). */
  get byteSize(): number {
    return this.#bytes
  }

  /** The entry bound. */
  get maximumSize(): number {
    return this.#maximumSize
  }

  openStore(options: OpenStoreOptions): BytesStore | LiveStore {
    if (this.#closed) throw new CacheClosedError('memory provider')
    let store = this.#stores.get(options.namespace)
    if (store === undefined) {
      store = new MemoryStore(options.namespace, this.#heap)
      this.#stores.set(options.namespace, store)
    }
    return store as unknown as BytesStore | LiveStore
  }

  async health(): Promise<ProviderHealth> {
    return this.#closed
      ? { healthy: false, details: 'closed' }
      : { healthy: true, latencyMs: 0, details: `${this.#list.size}/${this.#maximumSize} entries` }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const store of this.#stores.values()) store.drop()
    this.#stores.clear()
    this.#list.clear()
    this.#bytes = 0
  }

  #evictBeyondBound(): void {
    while (this.#list.size > this.#maximumSize) {
      const victim = this.#list.tail as LruNode<Entry>
      victim.owner.evict(victim)
    }
  }
}

/**
 * Creates an in-process provider bounded by `maximumSize` entries, with per-entry TTL, tags,
 * atomic compute and key iteration. Throws `CacheConfigError` on invalid options.
 */
export function memoryProvider(options?: MemoryProviderOptions): MemoryProvider {
  return new MemoryProvider(options)
}

import {
  type BytesStore,
  CacheClosedError,
  CacheConfigError,
  type CacheProvider,
  type Clock,
  checkOptionsObject,
  type LiveEntry,
  type LiveStore,
  type OpenStoreOptions,
  type ProviderCapabilities,
  type ProviderHealth,
  type ProviderUsage,
  type StoreValueKind,
} from '@cacheport/core'
import { MemoryStore, type StoreHost } from './memory-store.js'
import { type DeletionEvent, Policy } from './policy.js'

type Entry = Uint8Array | LiveEntry

/** Options of `memoryProvider`. */
export interface MemoryProviderOptions {
  /**
   * Most entries held across all namespaces of this provider. Default 10,000 when
   * `maximumWeight` is not given. Mutually exclusive with `maximumWeight`.
   */
  readonly maximumSize?: number
  /**
   * Most total weight held across all namespaces, as measured by `weigher`. Mutually exclusive
   * with `maximumSize`; needs `weigher`.
   */
  readonly maximumWeight?: number
  /**
   * Weight of one entry: a finite number >= 0 (for example its byte length). `entry` is the
   * stored entry: a `Uint8Array` in bytes mode, a `LiveEntry` in live mode. Needs
   * `maximumWeight`.
   */
  readonly weigher?: (key: string, entry: Uint8Array | LiveEntry, namespace: string) => number
  /**
   * `bytes` (default): entries are encoded, so every reader gets its own copy and sizes are
   * exact. `live`: values are kept as they are, with no encoding: the fastest L1, but a caller
   * that mutates a value it got back mutates the cached value.
   */
  readonly values?: StoreValueKind
  /** Time source for expiry (tests inject a fake clock). Default `Date`. */
  readonly clock?: Clock
  /**
   * Called after an entry leaves the cache, with why: `explicit` (delete, tag invalidation,
   * clear, compute delete), `replaced` (overwritten by another entry), `expired` (TTL ran out),
   * `evicted` (removed to respect the bound). Runs synchronously once the cache is consistent;
   * it may call the cache. An error it throws is ignored. Not called by `close()`.
   */
  readonly onDeletion?: (event: DeletionEvent) => void
  /**
   * Eviction policy tuning, for simulations: `initialWindow` is the start share of the
   * admission window (default 0.01), `adaptive: false` freezes it (plain W-TinyLFU), `seed`
   * makes the policy deterministic.
   */
  readonly tuning?: {
    readonly initialWindow?: number
    readonly adaptive?: boolean
    readonly seed?: number
  }
}

const invalid = (message: string) => new CacheConfigError('INVALID_OPTION', message)

function checkBound(name: string, value: unknown, integer: boolean): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isSafeInteger(value))
  ) {
    throw invalid(
      `${name} must be a ${integer ? 'positive integer' : 'finite number > 0'}, got ${String(value)}`,
    )
  }
  return value
}

/**
 * The in-process provider. One instance is one bounded set of entries shared by its namespaces, evicted
 * with adaptive W-TinyLFU and expired through a timer wheel.
 */
export class MemoryProvider implements CacheProvider {
  readonly kind = 'memory'
  readonly capabilities: ProviderCapabilities
  readonly #weighted: boolean
  readonly #clock: Clock
  readonly #policy: Policy<Entry>
  readonly #stores = new Map<string, MemoryStore<Entry>>()
  readonly #host: StoreHost<Entry>
  #closed = false

  /** Throws `CacheConfigError` (`INVALID_OPTION`) for invalid bounds, weigher or `values`. */
  constructor(options: MemoryProviderOptions = {}) {
    checkOptionsObject(options, OPTION_NAMES, 'memoryProvider')
    checkOptionsObject(options.tuning, TUNING_NAMES, 'memoryProvider', 'tuning.')
    const { maximumSize, maximumWeight, weigher } = options
    if (maximumSize !== undefined && maximumWeight !== undefined) {
      throw invalid('maximumSize and maximumWeight are mutually exclusive')
    }
    if (maximumWeight !== undefined && weigher === undefined) {
      throw invalid('maximumWeight needs a weigher')
    }
    if (weigher !== undefined && maximumWeight === undefined) {
      throw invalid('weigher needs maximumWeight')
    }
    if (weigher !== undefined && typeof weigher !== 'function') {
      throw invalid('weigher must be a function')
    }
    this.#weighted = maximumWeight !== undefined
    const maximum = this.#weighted
      ? checkBound('maximumWeight', maximumWeight, false)
      : checkBound('maximumSize', maximumSize ?? 10_000, true)
    const values = options.values ?? 'bytes'
    if (values !== 'bytes' && values !== 'live') {
      throw invalid(`values must be 'bytes' or 'live', got '${String(values)}'`)
    }
    const tuning = options.tuning ?? {}
    if (
      tuning.initialWindow !== undefined &&
      !(tuning.initialWindow > 0 && tuning.initialWindow < 1)
    ) {
      throw invalid(`tuning.initialWindow must be in (0, 1), got ${String(tuning.initialWindow)}`)
    }
    if (options.onDeletion !== undefined && typeof options.onDeletion !== 'function') {
      throw invalid('onDeletion must be a function')
    }
    const clock = options.clock ?? Date
    this.#clock = clock
    this.capabilities = Object.freeze({
      values,
      nativeTtl: true,
      tags: true,
      compute: true,
      iterate: true,
      bus: false,
      lock: false,
      search: true,
    })
    this.#policy = new Policy<Entry>({
      maximum,
      weighted: this.#weighted,
      now: () => clock.now(),
      bytesOf: values === 'bytes' ? (entry) => (entry as Uint8Array).byteLength : undefined,
      onDeletion: options.onDeletion,
      ...(tuning.initialWindow !== undefined ? { initialWindow: tuning.initialWindow } : {}),
      ...(tuning.adaptive !== undefined ? { adaptive: tuning.adaptive } : {}),
      ...(tuning.seed !== undefined ? { seed: tuning.seed } : {}),
    })
    const weigh =
      weigher === undefined
        ? () => 1
        : (key: string, entry: Entry, namespace: string) => {
            const weight = weigher(key, entry, namespace)
            if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
              throw invalid(`weigher must return a finite number >= 0, got ${String(weight)}`)
            }
            return weight
          }
    const policy = this.#policy
    this.#host = {
      kind: values,
      policy,
      now: () => clock.now(),
      checkOpen: () => {
        if (this.#closed) throw new CacheClosedError('memory provider')
      },
      weigh: (key, entry) => weigh(key, entry, ''),
    }
    if (weigher !== undefined) {
      // Give the weigher the namespace: a per-store host would cost a closure per store.
      this.#makeHost = (namespace) => ({
        ...this.#host,
        weigh: (key, entry) => weigh(key, entry, namespace),
      })
    }
  }

  readonly #makeHost: ((namespace: string) => StoreHost<Entry>) | undefined

  /** Entries held across all namespaces. */
  get size(): number {
    return this.#policy.size
  }

  /**
   * Entries and weight held, the bound, and removals since creation by cause (`explicit`,
   * `replaced`, `expired`, `evicted`): what observability collectors read on scrape.
   */
  usage(): ProviderUsage {
    const p = this.#policy
    return {
      size: p.size,
      weight: p.totalWeight,
      maximum: p.maximum,
      removals: { ...p.removals },
    }
  }

  /** Total weight held: the entry count without a weigher. */
  get weightedSize(): number {
    return this.#policy.totalWeight
  }

  /** Bytes held (bytes mode; 0 in live mode). */
  get byteSize(): number {
    return this.#policy.bytes
  }

  /** The entry bound (`maximumSize`), or `undefined` when bounded by weight. */
  get maximumSize(): number | undefined {
    return this.#weighted ? undefined : this.#policy.maximum
  }

  /** The weight bound (`maximumWeight`), or `undefined` when bounded by entries. */
  get maximumWeight(): number | undefined {
    return this.#weighted ? this.#policy.maximum : undefined
  }

  /**
   * Changes the bound at run time (entries, or weight with a weigher) and evicts down to it.
   * Throws `CacheConfigError` (`INVALID_OPTION`) for an invalid bound.
   */
  resize(maximum: number): void {
    if (this.#closed) throw new CacheClosedError('memory provider')
    const bound = this.#weighted
      ? checkBound('maximumWeight', maximum, false)
      : checkBound('maximumSize', maximum, true)
    this.#policy.resize(bound)
    this.#policy.flush()
  }

  /** Expires every entry whose TTL has run out, as far as the timer wheel has reached them. */
  cleanUp(): void {
    if (this.#closed) return
    this.#policy.sweep(this.#clock.now())
    this.#policy.flush()
  }

  /** Policy internals, for tests and diagnostics. */
  get stats(): {
    window: number
    probation: number
    protected: number
    windowMaximum: number
    protectedMaximum: number
    scheduled: number
  } {
    const p = this.#policy
    return {
      ...p.regions(),
      windowMaximum: p.windowMaximum,
      protectedMaximum: p.protectedMaximum,
      scheduled: p.scheduled,
    }
  }

  openStore(options: OpenStoreOptions): BytesStore | LiveStore {
    if (this.#closed) throw new CacheClosedError('memory provider')
    let store = this.#stores.get(options.namespace)
    if (store === undefined) {
      const host = this.#makeHost?.(options.namespace) ?? this.#host
      store = new MemoryStore(options.namespace, host)
      this.#stores.set(options.namespace, store)
    }
    if (options.search !== undefined)
      store.indexWith(options.search.schema, options.search.indexName)
    return store as unknown as BytesStore | LiveStore
  }

  async health(): Promise<ProviderHealth> {
    if (this.#closed) return { healthy: false, details: 'closed' }
    const p = this.#policy
    const bound = this.#weighted ? `weight ${p.totalWeight}/${p.maximum}` : `${p.size}/${p.maximum}`
    return { healthy: true, latencyMs: 0, details: `${bound} entries` }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const store of this.#stores.values()) store.drop()
    this.#stores.clear()
    this.#policy.clear()
  }
}

/** Every option name, listed once (the compiler checks the list is complete). */
const OPTION_KEYS: { readonly [K in keyof Required<MemoryProviderOptions>]: true } = {
  maximumSize: true,
  maximumWeight: true,
  weigher: true,
  values: true,
  clock: true,
  onDeletion: true,
  tuning: true,
}
const OPTION_NAMES = Object.keys(OPTION_KEYS)
const TUNING_NAMES = ['initialWindow', 'adaptive', 'seed']

/**
 * Creates an in-process provider bounded by `maximumSize` entries (or `maximumWeight` with a
 * `weigher`), with per-entry TTL, tags, atomic compute, key iteration and a deletion listener.
 * Throws `CacheConfigError` on invalid options.
 */
export function memoryProvider(options?: MemoryProviderOptions): MemoryProvider {
  return new MemoryProvider(options)
}

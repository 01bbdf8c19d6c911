import {
  type BytesStore,
  CacheClosedError,
  CacheConfigError,
  type CacheProvider,
  CacheUnavailableError,
  type DistributedLock,
  type InvalidationBus,
  type LiveStore,
  type OpenStoreOptions,
  type ProviderCapabilities,
  type ProviderHealth,
} from '@cacheport/core'
import { PubSubBus } from './bus-pubsub.js'
import type { BusContext } from './bus-subscription.js'
import { TrackingBus } from './bus-tracking.js'
import type { RedisClientLike, RedisCommands } from './client.js'
import { Deadlines } from './deadlines.js'
import { KeyLayout } from './layout.js'
import type { NodeAddress, OpenLink } from './link.js'
import { RedisLock } from './lock.js'
import { DEFAULT_TIMEOUTS, RedisStore, type RedisTimeouts } from './redis-store.js'
import { retryOnTopologyChange } from './retry.js'
import { RedisSearchStore } from './search-store.js'

/** How a Redis-family provider is assembled from a client (what the thin packages pass in). */
export interface RedisFamilyProviderInit {
  /** Kind name for messages: `redis`, `valkey`, `redis-cluster`, ... */
  readonly kind: string
  readonly client: RedisClientLike
  /** True when the provider created the client and must close it. */
  readonly ownsClient: boolean
  /** Global prefix for every key (e.g. `shop:`). Default none. */
  readonly keyPrefix?: string
  /** Buckets per namespace (hash slots it spreads over). Default 1 (standalone). */
  readonly buckets?: number
  readonly timeouts?: Partial<RedisTimeouts>
  /** Let `clear()` run FLUSHDB (wiping every key of the database). Default false. */
  readonly allowUnsafeFlush?: boolean
  /** Nodes that hold data (cluster: every primary). Default: the client itself. */
  readonly dataNodes?: () => Promise<readonly RedisCommands[]>
  /** Send again commands a cluster refused unexecuted during a topology change. Default false. */
  readonly retryTopologyErrors?: boolean
  /** Reloads the client's slot map before such a retry (cluster clients). */
  readonly refreshTopology?: () => Promise<void>
  /** How long to wait for the first connection and PING, ms. Default 5,000. */
  readonly connectTimeoutMs?: number
  /** Where the client points, for error messages. */
  readonly target?: string
  /**
   * How other processes learn what changed (see `InvalidationMode`). Default `pubsub`.
   */
  readonly invalidation?: InvalidationMode
  /**
   * Opens a dedicated connection (bus subscriber or tracking control) to a node, like the
   * data client's. Without it the provider has no bus (`capabilities.bus` is false).
   */
  readonly openLink?: OpenLink
  /** The current primaries (clusters). Without it, links go to the one standalone server. */
  readonly primaries?: () => readonly NodeAddress[]
  /** Use sharded pub/sub (SPUBLISH/SSUBSCRIBE): clusters. Default false. */
  readonly shardedPubSub?: boolean
}

/**
 * How the bus carries invalidations between processes:
 *
 * - `pubsub` (default): the cache publishes what it changed on `<prefix>bus{<ns>}`
 *   (sharded pub/sub on clusters); other processes receive it.
 * - `tracking`: Redis CLIENT TRACKING (BCAST, on the namespaces' value-key prefixes) reports
 *   every change to a value key, by any client, including writes made outside cacheport,
 *   expiries, evictions and FLUSHALL.
 */
export type InvalidationMode = 'pubsub' | 'tracking'

/** Throws `CacheConfigError` unless `mode` is an `InvalidationMode` (or undefined). */
export function checkInvalidationMode(mode: unknown): void {
  if (mode !== undefined && mode !== 'pubsub' && mode !== 'tracking') {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `invalidation must be 'pubsub' or 'tracking', got ${JSON.stringify(mode)}`,
    )
  }
}

const CAPABILITIES: ProviderCapabilities = Object.freeze({
  values: 'bytes',
  nativeTtl: true,
  tags: true,
  compute: true,
  iterate: true,
  bus: true,
  lock: true,
  search: true,
})

const WITHOUT_BUS: ProviderCapabilities = Object.freeze({ ...CAPABILITIES, bus: false })

/** A cache provider over one Redis-protocol client (standalone or cluster). */
export class RedisFamilyProvider implements CacheProvider {
  readonly kind: string
  readonly capabilities: ProviderCapabilities
  readonly client: RedisClientLike
  /** Cross-process invalidation; absent when the client cannot open a second connection. */
  readonly bus: InvalidationBus | undefined
  /** One holder per (namespace, key) across processes. */
  readonly lock: DistributedLock
  readonly #init: RedisFamilyProviderInit
  readonly #deadlines = new Deadlines()
  readonly #stores = new Map<string, RedisStore>()
  readonly #layouts = new Map<string, KeyLayout>()
  readonly #bus: PubSubBus | TrackingBus | undefined
  readonly #timeouts: RedisTimeouts
  #closed = false
  #lastError: string | undefined

  /** Use `connectRedisFamilyProvider`, which also checks the server answers. */
  constructor(init: RedisFamilyProviderInit) {
    this.kind = init.kind
    this.client = init.client
    this.#init = init
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...init.timeouts }
    for (const [name, ms] of Object.entries(this.#timeouts)) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
        throw new CacheConfigError(
          'INVALID_OPTION',
          `timeouts.${name} must be a positive number of ms, got ${String(ms)}`,
        )
      }
    }
    if (init.ownsClient) {
      // Connection errors surface as rejected calls; keep the client from logging them.
      init.client.on('error', (error) => {
        this.#lastError = error instanceof Error ? error.message : String(error)
      })
    }
    if (init.keyPrefix !== undefined && /[{}]/.test(init.keyPrefix)) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `keyPrefix '${init.keyPrefix}' must not contain '{' or '}'`,
      )
    }
    checkInvalidationMode(init.invalidation)
    const checkOpen = () => this.#checkOpen()
    const refreshTopology = this.#init.refreshTopology
    const retry = init.retryTopologyErrors === true
    const send = <T>(start: () => Promise<T>) =>
      retry ? retryOnTopologyChange(start, refreshTopology) : start()
    this.lock = new RedisLock({
      client: init.client,
      deadlines: this.#deadlines,
      operationTimeoutMs: this.#timeouts.operation,
      atomicTimeoutMs: this.#timeouts.atomic,
      layoutOf: (namespace) => this.#layoutOf(namespace),
      retryTopology: retry,
      refreshTopology,
      checkOpen,
    })
    if (init.openLink !== undefined) {
      const context: BusContext = {
        openLink: init.openLink,
        primaries: init.primaries,
        refreshTopology,
        layoutOf: (namespace) => this.#layoutOf(namespace),
        keyPrefix: init.keyPrefix ?? '',
        connectTimeoutMs: init.connectTimeoutMs ?? 5_000,
        operationTimeoutMs: this.#timeouts.operation,
        checkOpen,
      }
      const sharded = init.shardedPubSub === true
      this.#bus =
        init.invalidation === 'tracking'
          ? new TrackingBus(context)
          : new PubSubBus({
              ...context,
              sharded,
              publish: (channel, payload) =>
                this.#deadlines.bound(
                  send(() =>
                    sharded
                      ? init.client.spublish(channel, payload)
                      : init.client.publish(channel, payload),
                  ),
                  this.#timeouts.operation,
                  'publish',
                  () => undefined,
                ),
            })
    }
    this.bus = this.#bus
    this.capabilities = this.bus === undefined ? WITHOUT_BUS : CAPABILITIES
  }

  /** The key layout of a namespace (cached). Throws `CacheConfigError` for a bad namespace. */
  #layoutOf(namespace: string): KeyLayout {
    let layout = this.#layouts.get(namespace)
    if (layout === undefined) {
      layout = new KeyLayout(this.#init.keyPrefix ?? '', namespace, this.#init.buckets ?? 1)
      this.#layouts.set(namespace, layout)
    }
    return layout
  }

  openStore(options: OpenStoreOptions): BytesStore | LiveStore {
    this.#checkOpen()
    let store = this.#stores.get(options.namespace)
    if (store !== undefined) {
      checkSameSearch(store, options, this.#init.keyPrefix ?? '')
    } else {
      const layout = this.#layoutOf(options.namespace)
      const context = {
        client: this.client,
        deadlines: this.#deadlines,
        timeouts: this.#timeouts,
        dataNodes: () => this.dataNodes(),
        allowUnsafeFlush: this.#init.allowUnsafeFlush === true,
        checkOpen: () => this.#checkOpen(),
        invalidateBatch: 500,
        scanCount: 1000,
        retryTopology: this.#init.retryTopologyErrors === true,
        refreshTopology: this.#init.refreshTopology,
      }
      const search = options.search
      store =
        search === undefined
          ? new RedisStore(layout, context)
          : new RedisSearchStore(layout, context, {
              schema: search.schema,
              indexName: (this.#init.keyPrefix ?? '') + search.indexName,
            })
      this.#stores.set(options.namespace, store)
    }
    return store
  }

  /** Buckets (hash slots) each namespace spreads over. */
  get buckets(): number {
    return this.#init.buckets ?? 1
  }

  /** The nodes that hold data: the client itself, or every primary of a cluster. */
  dataNodes(): Promise<readonly RedisCommands[]> {
    return this.#init.dataNodes?.() ?? Promise.resolve([this.client])
  }

  async health(): Promise<ProviderHealth> {
    if (this.#closed) return { healthy: false, details: 'closed' }
    const started = performance.now()
    try {
      await this.#deadlines.bound(this.client.ping(), this.#timeouts.operation, 'health')
      return { healthy: true, latencyMs: performance.now() - started, details: this.client.status }
    } catch (error) {
      const last =
        this.#lastError === undefined ? '' : ` (last connection error: ${this.#lastError})`
      return { healthy: false, details: `${(error as Error).message}${last}` }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#deadlines.rejectAll(new CacheClosedError(`${this.kind} provider`))
    this.#bus?.close()
    if (!this.#init.ownsClient) return
    try {
      await Promise.race([this.client.quit(), new Promise((r) => setTimeout(r, 1_000).unref())])
    } catch {
      // The server may already be gone; disconnect below either way.
    }
    this.client.disconnect()
  }

  #checkOpen(): void {
    if (this.#closed) throw new CacheClosedError(`${this.kind} provider`)
  }
}

/**
 * Refuses to open a namespace again with another search setting than its open store's (a
 * plain namespace keeps strings, a searchable one hashes: they cannot share keys; one store
 * has one index and schema). Opening without a search option returns the open store as it is
 * (raw access to a searchable namespace, as tools and the conformance kit do). Throws
 * `CacheConfigError` (`NAMESPACE_CONFLICT`).
 */
function checkSameSearch(store: RedisStore, options: OpenStoreOptions, keyPrefix: string): void {
  const searchable = store instanceof RedisSearchStore
  const search = options.search
  const same =
    search === undefined
      ? true
      : searchable &&
        store.index.name === keyPrefix + search.indexName &&
        JSON.stringify(store.schema) === JSON.stringify(search.schema)
  if (same) return
  throw new CacheConfigError(
    'NAMESPACE_CONFLICT',
    `namespace '${options.namespace}' is already open ${searchable ? `with search index '${(store as RedisSearchStore).index.name}'` : 'without search'}: open it with the same search option`,
  )
}

/**
 * Builds a provider and makes sure the server answers: connects the client if it is not
 * connected yet and sends a PING. Rejects with `CacheUnavailableError` within
 * `connectTimeoutMs` when the server cannot be reached (closing a client it owns).
 */
export async function connectRedisFamilyProvider(
  init: RedisFamilyProviderInit,
): Promise<RedisFamilyProvider> {
  const provider = new RedisFamilyProvider(init)
  const timeoutMs = init.connectTimeoutMs ?? 5_000
  const client = init.client
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      (async () => {
        if (client.status === 'wait') await client.connect()
        await client.ping()
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
  } catch (error) {
    if (init.ownsClient) client.disconnect()
    throw new CacheUnavailableError(
      `cannot reach ${init.kind}${init.target ? ` at ${init.target}` : ''}: ${(error as Error).message}`,
      { cause: error },
    )
  } finally {
    clearTimeout(timer)
  }
  return provider
}

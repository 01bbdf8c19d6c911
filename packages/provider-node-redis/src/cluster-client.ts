import { CacheUnavailableError } from '@cacheport/core'
import type {
  DuplicableClient,
  LinkOptions,
  RedisClusterLike,
  RedisCommands,
  RedisLinkLike,
} from '@cacheport/redis-kit'
import { NodeRedisCommands } from './commands.js'
import { linkClient, NodeRedisLink, statusOf } from './link.js'
import type {
  CommandArgs,
  CommandOptions,
  NodeRedisClient,
  NodeRedisCluster,
  NodeRedisClusterNode,
} from './node-redis.js'

/** After a node error, the slot map is reloaded at most this often. */
const REFRESH_AFTER_ERROR_MS = 500

/**
 * A node-redis cluster as redis-kit's `RedisClusterLike`. Commands are routed by their first
 * key (`cluster.sendCommand`), which is where redis-kit's slot grouping puts every key of a
 * multi-key command. `nodes()` wraps the primaries of the slot map; `refreshSlotsCache` asks
 * node-redis to reload it.
 *
 * node-redis reloads its slot map only when a reply says MOVED. When a primary dies, commands
 * for its slots fail (fast: the offline queue is off) until something reloads the map, so
 * this adapter reloads it after node errors, at most every 500 ms: once a replica has been
 * promoted, traffic goes there.
 */
export class NodeRedisClusterAdapter extends NodeRedisCommands implements RedisClusterLike {
  /** The node-redis cluster underneath. */
  readonly nodeRedis: NodeRedisCluster
  readonly #readsFromReplicas: boolean
  readonly #nodes = new WeakMap<NodeRedisClusterNode, NodeRedisNode>()
  #opened: boolean
  #refreshing: Promise<void> | undefined
  #lastRefresh = 0

  constructor(cluster: NodeRedisCluster, readsFromReplicas: boolean) {
    super()
    this.nodeRedis = cluster
    this.#readsFromReplicas = readsFromReplicas
    this.#opened = cluster.isOpen
    cluster.on('node-error', () => {
      if (Date.now() - this.#lastRefresh >= REFRESH_AFTER_ERROR_MS) {
        this.#refresh().catch(() => undefined)
      }
    })
  }

  protected send(
    firstKey: string | undefined,
    args: CommandArgs,
    options: CommandOptions,
    read: boolean,
  ): Promise<unknown> {
    return this.nodeRedis.sendCommand(firstKey, read && this.#readsFromReplicas, args, options)
  }

  /** ioredis-style: `wait` before `connect()`, `ready` while open, then `end`. */
  get status(): string {
    if (this.nodeRedis.isOpen) this.#opened = true
    return statusOf({ isOpen: this.nodeRedis.isOpen }, this.#opened)
  }

  connect(): Promise<unknown> {
    this.#opened = true
    return this.nodeRedis.connect()
  }

  async quit(): Promise<unknown> {
    if (this.nodeRedis.isOpen) await this.nodeRedis.close()
    return 'OK'
  }

  disconnect(): void {
    if (!this.nodeRedis.isOpen && this.nodeRedis.masters.length === 0) return
    try {
      this.nodeRedis.destroy()
    } catch {
      // A node client was closed already.
    }
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    this.nodeRedis.on(event, listener)
    return this
  }

  /** The primaries (`master`) or every node (`all`) of the current slot map. */
  nodes(role: 'master' | 'all'): RedisCommands[] {
    const list =
      role === 'master'
        ? this.nodeRedis.masters
        : [...this.nodeRedis.masters, ...this.nodeRedis.replicas]
    return list.map((node) => {
      let adapter = this.#nodes.get(node)
      if (adapter === undefined) {
        adapter = new NodeRedisNode(this.nodeRedis, node, () => this.#anyNodeClient())
        this.#nodes.set(node, adapter)
      }
      return adapter
    })
  }

  refreshSlotsCache(callback?: (error?: Error | null) => void): void {
    this.#refresh().then(
      () => callback?.(),
      (error: unknown) => callback?.(error as Error),
    )
  }

  /** One reload of the slot map at a time, starting from a connected primary. */
  #refresh(): Promise<void> {
    if (this.#refreshing !== undefined) return this.#refreshing
    const start =
      this.nodeRedis.masters.find((node) => node.client?.isReady === true)?.client ??
      this.#anyNodeClient()
    if (start === undefined || !this.nodeRedis.isOpen) return Promise.resolve()
    this.#lastRefresh = Date.now()
    this.#refreshing = this.nodeRedis._slots.rediscover(start).finally(() => {
      this.#refreshing = undefined
      this.#lastRefresh = Date.now()
    })
    return this.#refreshing
  }

  #anyNodeClient(): NodeRedisClient | undefined {
    for (const node of [...this.nodeRedis.masters, ...this.nodeRedis.replicas]) {
      if (node.client !== undefined) return node.client
    }
    return undefined
  }
}

/**
 * One node of the cluster, for the commands redis-kit sends to every primary (SCAN, UNLINK,
 * FLUSHDB, PING) and for the bus's dedicated connections (`duplicate`).
 */
class NodeRedisNode extends NodeRedisCommands implements DuplicableClient {
  readonly options: { readonly host: string; readonly port: number }
  readonly #cluster: NodeRedisCluster
  readonly #node: NodeRedisClusterNode
  readonly #anyClient: () => NodeRedisClient | undefined

  constructor(
    cluster: NodeRedisCluster,
    node: NodeRedisClusterNode,
    anyClient: () => NodeRedisClient | undefined,
  ) {
    super()
    this.#cluster = cluster
    this.#node = node
    this.#anyClient = anyClient
    this.options = { host: node.host, port: node.port }
  }

  protected async send(
    _firstKey: string | undefined,
    args: CommandArgs,
    options: CommandOptions,
  ): Promise<unknown> {
    const client = await this.#cluster.nodeClient(this.#node)
    return client.sendCommand(args, options)
  }

  /** A dedicated connection (to `override`'s address) with the cluster's credentials and TLS. */
  duplicate(override: LinkOptions): RedisLinkLike {
    const base = this.#node.client ?? this.#anyClient()
    if (base === undefined) {
      throw new CacheUnavailableError('the node-redis cluster has no node client to copy')
    }
    return new NodeRedisLink(linkClient(base, override))
  }
}

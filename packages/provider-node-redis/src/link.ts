import { EventEmitter } from 'node:events'
import type { LinkOptions, RedisLinkLike } from '@cacheport/redis-kit'
import type { NodeRedisClient } from './node-redis.js'

/** Events redis-kit's `Link` listens to that this adapter raises itself. */
const OWN_EVENTS = new Set(['messageBuffer', 'smessageBuffer', 'moved'])

/**
 * A node-redis client as redis-kit's `RedisLinkLike`: the dedicated subscriber or tracking
 * control connection of the bus.
 *
 * - Messages arrive through node-redis's buffer-mode listeners and are re-emitted as
 *   `messageBuffer` / `smessageBuffer` `(channel, payload)`. On `__redis__:invalidate` the
 *   payload is the array of key names (or `null` for a flush), as redis-kit expects.
 * - node-redis's `sharded-channel-moved` (the server dropped our shard channels after a slot
 *   moved) is raised as `moved`.
 * - `error` and `end` are node-redis's own events; a link made by `linkClient` never
 *   reconnects, so the first `error` means it is gone.
 */
export class NodeRedisLink implements RedisLinkLike {
  readonly nodeRedis: NodeRedisClient
  readonly #events = new EventEmitter()
  #opened: boolean
  readonly #onMessage = (message: Buffer, channel: Buffer) =>
    this.#events.emit('messageBuffer', channel, message)
  readonly #onShardMessage = (message: Buffer, channel: Buffer) =>
    this.#events.emit('smessageBuffer', channel, message)

  constructor(client: NodeRedisClient) {
    this.nodeRedis = client
    this.#opened = client.isOpen
    client.on('sharded-channel-moved', () => this.#events.emit('moved'))
  }

  /** ioredis-style status: `wait` before `connect()`, `ready`, `connecting`, then `end`. */
  get status(): string {
    return statusOf(this.nodeRedis, this.#opened)
  }

  connect(): Promise<unknown> {
    this.#opened = true
    return this.nodeRedis.connect()
  }

  disconnect(): void {
    destroyQuietly(this.nodeRedis)
  }

  on(event: string, listener: (...args: never[]) => void): this {
    if (OWN_EVENTS.has(event)) this.#events.on(event, listener as (...args: unknown[]) => void)
    else this.nodeRedis.on(event, listener as (...args: unknown[]) => void)
    return this
  }

  async subscribe(...channels: string[]): Promise<unknown> {
    for (const channel of channels) await this.nodeRedis.subscribe(channel, this.#onMessage, true)
    return channels.length
  }

  async unsubscribe(...channels: string[]): Promise<unknown> {
    for (const channel of channels) await this.nodeRedis.unsubscribe(channel)
    return channels.length
  }

  async ssubscribe(...channels: string[]): Promise<unknown> {
    for (const channel of channels) {
      await this.nodeRedis.sSubscribe(channel, this.#onShardMessage, true)
    }
    return channels.length
  }

  async sunsubscribe(...channels: string[]): Promise<unknown> {
    for (const channel of channels) await this.nodeRedis.sUnsubscribe(channel)
    return channels.length
  }

  call(command: string, ...args: (string | number)[]): Promise<unknown> {
    return this.nodeRedis.sendCommand([command, ...args.map(String)])
  }
}

/**
 * A new node-redis client like `base` (same credentials, TLS, database) for a dedicated
 * connection, shaped by redis-kit's `LinkOptions`: to `host:port` when given, RESP2, never
 * reconnecting (the bus opens a new link instead), with no client-side cache or maintenance
 * push handling copied from `base`. Does not connect; throws only what node-redis's client
 * constructor throws for contradictory options (none that this function sets).
 */
export function linkClient(base: NodeRedisClient, options: LinkOptions): NodeRedisClient {
  const socket = base.options?.socket ?? {}
  return base.duplicate({
    // The URL was parsed into the options already; left in, it would override `socket`.
    url: undefined,
    socket: {
      ...socket,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      connectTimeout: options.connectTimeout,
      reconnectStrategy: false,
    },
    RESP: options.protocol,
    disableOfflineQueue: !options.enableOfflineQueue,
    readonly: options.readOnly,
    commandOptions: undefined,
    clientSideCache: undefined,
    emitInvalidate: undefined,
    maintNotifications: 'disabled',
    pingInterval: undefined,
  })
}

/** ioredis-style status of a node-redis client (`opened`: `connect()` was called). Never throws. */
export function statusOf(client: { isOpen: boolean; isReady?: boolean }, opened: boolean): string {
  if (client.isReady ?? client.isOpen) return 'ready'
  if (client.isOpen) return 'connecting'
  return opened ? 'end' : 'wait'
}

/** Closes a node-redis client now; a client already closed is left alone. Never throws. */
export function destroyQuietly(client: { isOpen: boolean; destroy(): void }): void {
  if (!client.isOpen) return
  try {
    client.destroy()
  } catch {
    // Closed meanwhile.
  }
}

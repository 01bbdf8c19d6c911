import type {
  DuplicableClient,
  LinkOptions,
  RedisClientLike,
  RedisLinkLike,
} from '@cacheport/redis-kit'
import { NodeRedisCommands } from './commands.js'
import { destroyQuietly, linkClient, NodeRedisLink, statusOf } from './link.js'
import type {
  CommandArgs,
  CommandOptions,
  NodeRedisClient,
  NodeRedisSocketAddress,
} from './node-redis.js'

/**
 * A node-redis standalone client as redis-kit's `RedisClientLike`: commands through
 * `sendCommand` (GET and MGET with Buffer replies), ioredis-style `status`, `quit()` as
 * node-redis `close()`, `disconnect()` as `destroy()`, and `duplicate()` opening the bus's
 * dedicated connections.
 */
export class NodeRedisClientAdapter
  extends NodeRedisCommands
  implements RedisClientLike, DuplicableClient
{
  /** The node-redis client underneath. */
  readonly nodeRedis: NodeRedisClient
  #opened: boolean

  constructor(client: NodeRedisClient) {
    super()
    this.nodeRedis = client
    this.#opened = client.isOpen
  }

  protected send(
    _firstKey: string | undefined,
    args: CommandArgs,
    options: CommandOptions,
  ): Promise<unknown> {
    return this.nodeRedis.sendCommand(args, options)
  }

  /** Where the client connects (read by redis-kit for messages). */
  get options(): { host?: string; port?: number } {
    const socket = this.nodeRedis.options?.socket as NodeRedisSocketAddress | undefined
    return {
      ...(socket?.host !== undefined ? { host: socket.host } : {}),
      ...(socket?.port !== undefined ? { port: socket.port } : {}),
    }
  }

  /** ioredis-style: `wait` before `connect()`, `ready`, `connecting` while down, then `end`. */
  get status(): string {
    if (this.nodeRedis.isOpen) this.#opened = true
    return statusOf(this.nodeRedis, this.#opened)
  }

  connect(): Promise<unknown> {
    this.#opened = true
    return this.nodeRedis.connect()
  }

  /** Closes once pending replies arrived. */
  async quit(): Promise<unknown> {
    if (this.nodeRedis.isOpen) await this.nodeRedis.close()
    return 'OK'
  }

  disconnect(): void {
    destroyQuietly(this.nodeRedis)
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    this.nodeRedis.on(event, listener)
    return this
  }

  /** A dedicated connection like this client's (see `linkClient`). */
  duplicate(override: LinkOptions): RedisLinkLike {
    return new NodeRedisLink(linkClient(this.nodeRedis, override))
  }
}

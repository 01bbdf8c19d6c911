import { redisProvider } from '@cacheport/provider-redis'
import {
  type ShardedProvider,
  type ShardedProviderOptions,
  shardedProvider,
} from '@cacheport/provider-sharded'
import { type ServerHandle, startServer } from '@cacheport/test-harness'

/** Three standalone Redis servers started by the harness, and sharded providers over them. */
export interface RedisNodes {
  readonly servers: readonly ServerHandle[]
  /** A sharded provider over fresh Redis providers, one per server (weights 100/200/300). */
  provider(options?: {
    readonly keyPrefix?: string
    readonly operationTimeoutMs?: number
    readonly nodeBreaker?: ShardedProviderOptions['nodeBreaker']
  }): Promise<ShardedProvider>
  stop(): Promise<void>
}

export const WEIGHTS = [100, 200, 300] as const

/** Starts three Redis servers. */
export async function startRedisNodes(): Promise<RedisNodes> {
  const servers = await Promise.all(WEIGHTS.map(() => startServer({ kind: 'redis' })))
  return {
    servers,
    async provider(options = {}) {
      const nodes = await Promise.all(
        servers.map(async (server, i) => ({
          name: `redis-${i + 1}`,
          weight: WEIGHTS[i] as number,
          provider: await redisProvider({
            url: server.url,
            keyPrefix: options.keyPrefix ?? 'shard:',
            ...(options.operationTimeoutMs !== undefined
              ? { timeouts: { operation: options.operationTimeoutMs } }
              : {}),
          }),
        })),
      )
      return shardedProvider({
        nodes,
        ...(options.nodeBreaker !== undefined ? { nodeBreaker: options.nodeBreaker } : {}),
      })
    },
    async stop() {
      await Promise.all(servers.map((server) => server.stop()))
    },
  }
}

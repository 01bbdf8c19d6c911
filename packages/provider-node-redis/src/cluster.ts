import {
  type ClusterClientOptions,
  defineClusterProvider,
  type RedisFamilyProvider,
  reconnectDelay,
} from '@cacheport/redis-kit'
import { createCluster, type RedisClientOptions } from '@redis/client'
import { NodeRedisClusterAdapter } from './cluster-client.js'
import type { NodeRedisCluster } from './node-redis.js'
import { checkClusterOptions, type NodeRedisClusterProviderOptions } from './options.js'

/**
 * The node-redis client options every node connection of the cluster gets: RESP2, no offline
 * queue (a command for a node that is down fails at once instead of waiting), reconnecting by
 * itself with redis-kit's backoff (50 ms doubling up to 1 s). Never throws.
 */
export function clusterNodeOptions(options: ClusterClientOptions): RedisClientOptions {
  const { tls, username, password, connectionName, connectTimeout } = options.redisOptions
  return {
    socket: {
      ...(tls !== undefined ? { ...tls, tls: true as const } : {}),
      connectTimeout,
      reconnectStrategy: (retries) => reconnectDelay(retries + 1),
    },
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(connectionName !== undefined ? { name: connectionName } : {}),
    RESP: 2,
    disableOfflineQueue: true,
  }
}

const define = defineClusterProvider('node-redis-cluster', (seeds, options) => {
  const cluster = createCluster({
    rootNodes: seeds.map(({ host, port }) => ({ socket: { host, port } })),
    defaults: clusterNodeOptions(options),
    useReplicas: options.scaleReads !== 'master',
    maxCommandRedirections: options.maxRedirections,
  }) as unknown as NodeRedisCluster
  return new NodeRedisClusterAdapter(cluster, options.scaleReads !== 'master')
})

/**
 * Connects to a Redis or Valkey cluster through node-redis and PINGs every primary. Rejects
 * with `CacheConfigError` for invalid or unknown options (naming the closest known key), and
 * with `CacheUnavailableError` when no primary answers within `connectTimeoutMs`. Multi-key
 * work is grouped by hash slot; `clear()` scans every primary. `close()` closes the cluster
 * client only if the provider created it.
 */
export function nodeRedisClusterProvider(
  options: NodeRedisClusterProviderOptions,
): Promise<RedisFamilyProvider> {
  try {
    checkClusterOptions(options)
  } catch (error) {
    return Promise.reject(error)
  }
  const { client, ...rest } = options
  return define(
    client === undefined
      ? rest
      : { ...rest, client: new NodeRedisClusterAdapter(client, options.scaleReads === 'all') },
  )
}

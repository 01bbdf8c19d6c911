import {
  type NodeRedisClient,
  type NodeRedisCluster,
  nodeRedisClientOf,
  nodeRedisClusterProvider,
  nodeRedisProvider,
} from '@cacheport/provider-node-redis'
import type { RedisClientLike, RedisFamilyProvider } from '@cacheport/redis-kit'
import {
  type Backend,
  type ConnectExtras,
  clusterOptions,
  standaloneOptions,
} from '@cacheport/redis-suite'

/** The suite lends a provider's client (`provider.client`); the node-redis client is inside. */
const lent = (client: RedisClientLike) => nodeRedisClientOf({ client })

/** The suite's `connect` for a standalone backend. */
export function connectStandalone(
  backend: Backend,
  extras: ConnectExtras = {},
): Promise<RedisFamilyProvider> {
  const { client, ...options } = standaloneOptions(backend, extras)
  return nodeRedisProvider(
    client === undefined ? options : { ...options, client: lent(client) as NodeRedisClient },
  )
}

/** The suite's `connect` for a cluster backend. */
export function connectCluster(
  backend: Backend,
  extras: ConnectExtras = {},
): Promise<RedisFamilyProvider> {
  const { client, scaleReads, ...options } = clusterOptions(backend, extras)
  if (scaleReads === 'slave') throw new Error('node-redis cannot read from replicas only')
  return nodeRedisClusterProvider({
    ...options,
    ...(scaleReads !== undefined ? { scaleReads } : {}),
    ...(client !== undefined ? { client: lent(client) as NodeRedisCluster } : {}),
  })
}

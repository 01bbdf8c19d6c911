/**
 * @cacheport/provider-node-redis: cacheport on Redis or Valkey, standalone or cluster, through
 * node-redis (`@redis/client` 5). All the cache logic lives in @cacheport/redis-kit; this
 * package adapts node-redis to redis-kit's structural client types.
 */
/// <reference types="node" preserve="true" />
// Node's types are part of this package's public types (Buffer replies and arguments), so
// the declarations reference them and package.json depends on @types/node.
import type { RedisClientLike, RedisFamilyProvider } from '@cacheport/redis-kit'
import { NodeRedisClientAdapter } from './client.js'
import { NodeRedisClusterAdapter } from './cluster-client.js'
import type { NodeRedisClient, NodeRedisCluster } from './node-redis.js'

export type { RedisFamilyProvider } from '@cacheport/redis-kit'
export { nodeRedisClusterProvider } from './cluster.js'
export type { NodeRedisClient, NodeRedisCluster, NodeRedisClusterNode } from './node-redis.js'
export type { NodeRedisClusterProviderOptions, NodeRedisProviderOptions } from './options.js'
export { nodeRedisProvider } from './standalone.js'

/**
 * The node-redis client (or cluster) behind a provider made by this package, e.g. to send
 * commands cacheport does not. Throws `TypeError` for a provider on another client library.
 */
export function nodeRedisClientOf(
  provider: RedisFamilyProvider | { readonly client: RedisClientLike },
): NodeRedisClient | NodeRedisCluster {
  const client = provider.client
  if (client instanceof NodeRedisClientAdapter || client instanceof NodeRedisClusterAdapter) {
    return client.nodeRedis
  }
  throw new TypeError('this provider does not run on node-redis')
}

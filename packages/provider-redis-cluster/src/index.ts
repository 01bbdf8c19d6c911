/**
 * @cacheport/provider-redis-cluster: cacheport on Redis Cluster, through ioredis. All the logic lives in
 * @cacheport/redis-kit; this package only supplies the client.
 */
import {
  defineClusterProvider,
  type RedisClusterOptions,
  type RedisFamilyProvider,
} from '@cacheport/redis-kit'
import { Cluster } from 'ioredis'

/** Options of `redisClusterProvider`: seed nodes, credentials, TLS, replica reads, or your own Cluster client. */
export type RedisClusterProviderOptions = RedisClusterOptions

/**
 * Connects to the cluster and PINGs every primary. Rejects with `CacheUnavailableError` when no
 * primary answers within `connectTimeoutMs`, and with `CacheConfigError` for invalid options.
 * Multi-key work is grouped by hash slot; `clear()` scans every primary.
 */
export const redisClusterProvider: (options: RedisClusterOptions) => Promise<RedisFamilyProvider> =
  defineClusterProvider('redis-cluster', (seeds, options) => new Cluster(seeds, options))

export type { RedisFamilyProvider } from '@cacheport/redis-kit'

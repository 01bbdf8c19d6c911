/**
 * @cacheport/provider-valkey-cluster: cacheport on Valkey Cluster, through iovalkey. All the logic lives in
 * @cacheport/redis-kit; this package only supplies the client.
 */
import {
  defineClusterProvider,
  type RedisClusterOptions,
  type RedisFamilyProvider,
} from '@cacheport/redis-kit'
import { Cluster } from 'iovalkey'

/** Options of `valkeyClusterProvider`: seed nodes, credentials, TLS, replica reads, or your own Cluster client. */
export type ValkeyClusterProviderOptions = RedisClusterOptions

/**
 * Connects to the cluster and PINGs every primary. Rejects with `CacheUnavailableError` when no
 * primary answers within `connectTimeoutMs`, and with `CacheConfigError` for invalid options.
 * Multi-key work is grouped by hash slot; `clear()` scans every primary.
 */
export const valkeyClusterProvider: (options: RedisClusterOptions) => Promise<RedisFamilyProvider> =
  defineClusterProvider('valkey-cluster', (seeds, options) => new Cluster(seeds, options))

export type { RedisFamilyProvider } from '@cacheport/redis-kit'

import { CacheConfigError } from '@cacheport/core'
import {
  CLUSTER_OPTION_NAMES,
  checkProviderOptionNames,
  type RedisClusterOptions,
  type RedisStandaloneOptions,
  STANDALONE_OPTION_NAMES,
} from '@cacheport/redis-kit'
import {
  isNodeRedisClient,
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisCluster,
} from './node-redis.js'

/**
 * Options of `nodeRedisProvider`: those of the ioredis and iovalkey standalone providers, with
 * `client` a node-redis client (`createClient()` from `redis` or `@redis/client`).
 */
export interface NodeRedisProviderOptions extends Omit<RedisStandaloneOptions, 'client'> {
  /**
   * Bring your own node-redis client instead of a URL or host. The provider connects it if it
   * is not open yet, and never closes it; its options (offline queue, reconnects) stay yours.
   */
  readonly client?: NodeRedisClient
}

/**
 * Options of `nodeRedisClusterProvider`: those of the ioredis and iovalkey Cluster providers,
 * with `client` a node-redis cluster (`createCluster()`). `scaleReads` is `master` (default)
 * or `all` (node-redis spreads reads over a slot's primary and replicas; it cannot send them
 * to replicas only).
 */
export interface NodeRedisClusterProviderOptions
  extends Omit<RedisClusterOptions, 'client' | 'scaleReads'> {
  readonly scaleReads?: 'master' | 'all'
  /** Bring your own node-redis cluster instead of `nodes`; the provider never closes it. */
  readonly client?: NodeRedisCluster
}

/**
 * Throws `CacheConfigError` (`INVALID_OPTION`) for options that are not an object, for a key
 * the standalone provider does not know (naming the closest known key), for unknown
 * `timeouts` keys, and for a `client` that is not a node-redis client.
 */
export function checkStandaloneOptions(options: unknown): void {
  checkProviderOptionNames(options, STANDALONE_OPTION_NAMES, 'nodeRedisProvider options')
  const client = (options as { client?: unknown }).client
  if (client !== undefined && !isNodeRedisClient(client)) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      'client must be a node-redis client (createClient() of redis or @redis/client)',
    )
  }
}

/**
 * Like `checkStandaloneOptions`, for the cluster provider; also checks `scaleReads`. Throws
 * `CacheConfigError` (`INVALID_OPTION`).
 */
export function checkClusterOptions(options: unknown): void {
  checkProviderOptionNames(options, CLUSTER_OPTION_NAMES, 'nodeRedisClusterProvider options')
  const client = (options as { client?: unknown }).client
  if (client !== undefined && !isNodeRedisCluster(client)) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      'client must be a node-redis cluster (createCluster() of redis or @redis/client)',
    )
  }
  const scaleReads = (options as { scaleReads?: unknown }).scaleReads
  if (scaleReads !== undefined && scaleReads !== 'master' && scaleReads !== 'all') {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `scaleReads must be 'master' or 'all' with node-redis, got ${JSON.stringify(scaleReads)}` +
        (scaleReads === 'slave' ? ' (node-redis cannot send reads to replicas only)' : ''),
    )
  }
}

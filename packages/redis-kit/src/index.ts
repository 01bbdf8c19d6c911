/**
 * @cacheport/redis-kit: everything the Redis and Valkey providers share, written against a
 * structural client type that ioredis and iovalkey (standalone and Cluster) satisfy.
 */
export type { RedisArg, RedisClientLike, RedisClusterLike, RedisCommands } from './client.js'
export {
  type ClusterClientOptions,
  type ClusterSeed,
  clusterClientOptions,
  defineClusterProvider,
  parseSeeds,
  type RedisClusterOptions,
} from './cluster.js'
export {
  defineStandaloneProvider,
  type RedisStandaloneOptions,
  type StandaloneClientOptions,
  standaloneClientOptions,
} from './connection.js'
export { Deadlines } from './deadlines.js'
export { toCacheError } from './errors.js'
export { escapeGlob, hashTagOf, KeyLayout } from './layout.js'
export { DELETE_SCRIPT, INVALIDATE_SCRIPT, WRITE_SCRIPT } from './lua.js'
export {
  connectRedisFamilyProvider,
  RedisFamilyProvider,
  type RedisFamilyProviderInit,
} from './provider.js'
export {
  DEFAULT_TIMEOUTS,
  RedisStore,
  type RedisStoreContext,
  type RedisTimeouts,
} from './redis-store.js'
export { isTopologyError, retryOnTopologyChange } from './retry.js'
export { LuaScript } from './scripts.js'
export { stripTagHeader, TAG_HEADER_MARK, withTagHeader } from './tag-header.js'

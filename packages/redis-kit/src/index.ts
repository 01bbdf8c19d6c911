/**
 * @cacheport/redis-kit: everything the Redis and Valkey providers share, written against a
 * structural client type that ioredis and iovalkey (standalone and Cluster) satisfy.
 */
/// <reference types="node" preserve="true" />
// Node's types are part of this package's public types (node:tls options, Buffer replies), so
// the declarations reference them and package.json depends on @types/node.
export { type LeastPrivilegeAclOptions, leastPrivilegeAclRule } from './acl.js'
export { BucketGrouper, type BucketGroups } from './bucket-groups.js'
export { decodeMessage, encodeMessage, OwnMessagePrefix } from './bus-message.js'
export { PublishBatches } from './bus-publish-batch.js'
export { PubSubBus, type PubSubBusContext } from './bus-pubsub.js'
export { type BusContext, Subscription } from './bus-subscription.js'
export { TRACKING_ORIGIN, TrackingBus } from './bus-tracking.js'
export {
  type DuplicableClient,
  duplicableOf,
  type LinkOptions,
  linkOptions,
  type RedisArg,
  type RedisClientLike,
  type RedisClusterLike,
  type RedisCommands,
  type RedisLinkLike,
} from './client.js'
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
export { connectFailureCause, namingConnectFailure, probeTls, toCacheError } from './errors.js'
export { RedisFence } from './fence.js'
export { escapeGlob, hashTagOf, KeyLayout, parseValueKey } from './layout.js'
export {
  Link,
  type LinkEvents,
  movedTarget,
  type NodeAddress,
  type OpenLink,
  reconnectDelay,
} from './link.js'
export { RedisLock, type RedisLockContext } from './lock.js'
export {
  DELETE_SCRIPT,
  FENCE_IDLE_MS,
  FENCE_SCRIPT,
  FENCED_WRITE_SCRIPT,
  INVALIDATE_SCRIPT,
  RELEASE_SCRIPT,
  WRITE_SCRIPT,
} from './lua.js'
export { HASH_DELETE_SCRIPT, HASH_INVALIDATE_SCRIPT, HASH_WRITE_SCRIPT } from './lua-hash.js'
export {
  CLUSTER_OPTION_NAMES,
  checkProviderOptionNames,
  STANDALONE_OPTION_NAMES,
} from './option-names.js'
export {
  checkInvalidationMode,
  connectRedisFamilyProvider,
  type InvalidationMode,
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
export {
  foldTag,
  hashFieldsOf,
  TAG_SEPARATOR,
  VALUE_FIELD,
  vectorBytes,
} from './search-fields.js'
export { RedisSearchIndex, type RedisSearchIndexContext } from './search-index.js'
export {
  isTestedRediSearch,
  type LoadedModule,
  parseModuleList,
  requireRediSearch,
  sendModuleCommand,
} from './search-module.js'
export { compileQuery, escapeQueryText, searchArgs } from './search-query.js'
export { similarity } from './search-reply.js'
export { createArgs, fingerprintOf, type SearchIndexDefinition } from './search-schema.js'
export { RedisSearchStore, type RedisSearchStoreOptions } from './search-store.js'
export { stripTagHeader, TAG_HEADER_MARK, withTagHeader } from './tag-header.js'

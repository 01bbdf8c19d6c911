/**
 * @cacheport/redis-kit: everything the Redis and Valkey providers share, written against a
 * structural client type that ioredis and iovalkey (standalone and Cluster) satisfy.
 */
/// <reference types="node" preserve="true" />
// Node's types are part of this package's public types (node:tls options, Buffer replies), so
// the declarations reference them and package.json depends on @types/node.
// The supported API is for provider authors: defineStandaloneProvider, defineClusterProvider,
// the structural client types and the provider class. The exports tagged @internal are shared
// by cacheport's own packages and tests and may change in any release.
export { type LeastPrivilegeAclOptions, leastPrivilegeAclRule } from './acl.js'
export { BucketGrouper } from './bucket-groups.js'
export { decodeMessage, encodeMessage, OwnMessagePrefix } from './bus-message.js'
export { PublishBatches } from './bus-publish-batch.js'
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
  defineClusterProvider,
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
export { escapeGlob, hashTagOf, KeyLayout, parseValueKey } from './layout.js'
export { Link, movedTarget, reconnectDelay } from './link.js'
export { FENCE_IDLE_MS } from './lua.js'
export {
  CLUSTER_OPTION_NAMES,
  checkProviderOptionNames,
  STANDALONE_OPTION_NAMES,
} from './option-names.js'
export {
  type InvalidationMode,
  RedisFamilyProvider,
  type RedisFamilyProviderInit,
} from './provider.js'
export { DEFAULT_TIMEOUTS, type RedisTimeouts } from './redis-store.js'
export { hashFieldsOf } from './search-fields.js'
export { parseModuleList, requireRediSearch } from './search-module.js'
export { compileQuery, escapeQueryText } from './search-query.js'
export { similarity } from './search-reply.js'
export { createArgs, fingerprintOf } from './search-schema.js'
export { stripTagHeader, withTagHeader } from './tag-header.js'

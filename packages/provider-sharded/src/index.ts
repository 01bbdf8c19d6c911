/**
 * @cacheport/provider-sharded: one cacheport provider over several independent providers,
 * keys spread by a weighted consistent hash with virtual nodes (go-zero's `CacheConf` with
 * weights), so a fleet can grow past one Redis without a cluster.
 */
export {
  HashRing,
  type HashRingOptions,
  type RingMember,
  ringInput,
  ringPosition,
} from './hash-ring.js'
export {
  MAX_NODES,
  MAX_RING_POINTS,
  type ShardedProviderOptions,
  type ShardNode,
} from './sharded-options.js'
export { ShardedBus, ShardedLock } from './sharded-ports.js'
export { type ShardedProvider, shardedProvider } from './sharded-provider.js'
export { ShardedStore } from './sharded-store.js'

/**
 * @cacheport/keyv-store: a Keyv storage adapter backed by a cacheport namespace, so Keyv,
 * cache-manager and NestJS's CacheModule run on cacheport's multilevel caches, cluster-correct
 * batches, compression and encryption.
 */
/// <reference types="node" preserve="true" />
// Node's types are part of this package's public types (EventEmitter), so
// the declarations reference them and package.json depends on @types/node.
export {
  CacheportKeyvStore,
  type CacheportKeyvStoreOptions,
  cacheportKeyvStore,
} from './keyv-store.js'

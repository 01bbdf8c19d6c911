/**
 * @cacheport/keyv-store: a Keyv storage adapter backed by a cacheport namespace, so Keyv,
 * cache-manager and NestJS's CacheModule run on cacheport's multilevel caches, cluster-correct
 * batches, compression and encryption.
 */
export {
  CacheportKeyvStore,
  type CacheportKeyvStoreOptions,
  cacheportKeyvStore,
} from './keyv-store.js'

/**
 * @cacheport/core: the ports (providers, stores, encoders, transformers, key codecs), the typed
 * `Cache` facade, the value pipeline and envelope format, and the cache service that composes
 * them. No runtime dependencies.
 */
/// <reference types="node" preserve="true" />
// Node's types are part of this package's public types (AbortSignal, node:diagnostics_channel), so
// the declarations reference them and package.json depends on @types/node.
export {
  type BreakerSettings,
  type BreakerState,
  CircuitBreaker,
  isBackendFailure,
} from './breaker.js'
export { Cache } from './cache.js'
export {
  type BulkLoader,
  type BulkLoaderContext,
  type ComputeOptions,
  type ComputeResult,
  type GetOrSetOptions,
  type GetOrSetResult,
  type Loader,
  type LoaderContext,
  NOT_FOUND,
  type NotFound,
  type SetManyEntry,
  type SetOptions,
} from './cache-types.js'
export { providerPort, requireCapability } from './capabilities.js'
export {
  type BreakerMessage,
  type BusMessage,
  CACHE_OPERATIONS,
  type CacheLoadMessage,
  type CacheOperation,
  type CacheOperationMessage,
  CHANNEL_NAMES,
  type ErrorMessage,
  type LockMessage,
} from './diagnostics.js'
export {
  type Duration,
  type DurationString,
  type DurationUnit,
  MAX_DURATION_MS,
  parseDuration,
} from './duration.js'
export {
  createEncodingRegistry,
  type EncoderRule,
  type EncodingRegistry,
  type EncodingRegistryOptions,
} from './encoding-registry.js'
export { type Clock, MAX_TAG_BYTES } from './entry-policy.js'
export {
  type AppliedTransformer,
  ENVELOPE_MAGIC,
  ENVELOPE_VERSION,
  type EntryMeta,
  type Envelope,
  MAX_ENTRY_BYTES,
  MAX_TRANSFORMER_PARAM_BYTES,
  readEnvelope,
  writeEnvelope,
} from './envelope.js'
export * from './errors.js'
export type { CacheEventListener, CacheEventMap, CacheEventName } from './events.js'
export { bytesKeys, DEFAULT_MAX_KEY_BYTES, stringKeys, validateKey } from './keys.js'
export {
  type CacheLogger,
  DEFAULT_LOG_RATE_LIMIT,
  type LogFields,
  type LogMethod,
  type LogRateLimit,
} from './logger.js'
export { isPromise } from './maybe-promise.js'
export { NO_TTL_WARNING_CODE } from './no-ttl-warning.js'
export {
  checkKnownKeys,
  checkOptionsObject,
  describeOption,
  integerOption,
  invalidOption,
  isRecord,
} from './options.js'
export { ValuePipeline } from './pipeline.js'
export * from './ports.js'
export { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from './search/query.js'
export { MAX_VECTOR_DIMENSIONS } from './search/schema.js'
export type { SimilarLoader, SimilarOptions } from './search/similar.js'
export {
  EARTH_RADIUS_M,
  geoDistance,
  MAX_GEO_LATITUDE,
  searchTerms,
  vectorScore,
} from './search/terms.js'
export type * from './search-types.js'
export {
  type BreakerOptions,
  type CacheService,
  type CacheServiceOptions,
  createCacheService,
  type L1Options,
  type LockOptions,
  type NamespaceDefaults,
  type NamespaceOptions,
} from './service.js'
export {
  type BreakerStats,
  type BusStats,
  type CacheStats,
  type DurationHistogram,
  LOAD_DURATION_BUCKETS_MS,
  type LockStats,
  type TierName,
  type TierStats,
} from './stats.js'
export {
  type ContainerPath,
  describeCycle,
  describePath,
  describeUnencodable,
  enterContainer,
  leaveContainer,
  objectPrototypeIsPolluted,
} from './value-describe.js'

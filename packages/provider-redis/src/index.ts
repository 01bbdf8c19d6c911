/**
 * @cacheport/provider-redis: cacheport on a standalone Redis server, through ioredis. All the
 * logic lives in @cacheport/redis-kit; this package only supplies the client.
 */
import {
  defineStandaloneProvider,
  type RedisFamilyProvider,
  type RedisStandaloneOptions,
} from '@cacheport/redis-kit'
import { Redis } from 'ioredis'

/** Options of `redisProvider`: a URL or host/port, credentials, db, TLS, or your own ioredis client. */
export type RedisProviderOptions = RedisStandaloneOptions

/**
 * Connects to Redis and returns the provider. Rejects with `CacheUnavailableError` when the
 * server does not answer a PING within `connectTimeoutMs`, and with `CacheConfigError` for
 * invalid options. `close()` closes the client only if the provider created it.
 */
export const redisProvider: (options?: RedisProviderOptions) => Promise<RedisFamilyProvider> =
  defineStandaloneProvider('redis', (options) => new Redis(options))

export type { RedisFamilyProvider } from '@cacheport/redis-kit'

/**
 * @cacheport/provider-valkey: cacheport on a standalone Valkey server, through iovalkey. All the
 * logic lives in @cacheport/redis-kit; this package only supplies the client.
 */
import {
  defineStandaloneProvider,
  type RedisFamilyProvider,
  type RedisStandaloneOptions,
} from '@cacheport/redis-kit'
import { Valkey } from 'iovalkey'

/** Options of `valkeyProvider`: a URL or host/port, credentials, db, TLS, or your own iovalkey client. */
export type ValkeyProviderOptions = RedisStandaloneOptions

/**
 * Connects to Valkey and returns the provider. Rejects with `CacheUnavailableError` when the
 * server does not answer a PING within `connectTimeoutMs`, and with `CacheConfigError` for
 * invalid options. `close()` closes the client only if the provider created it.
 */
export const valkeyProvider: (options?: ValkeyProviderOptions) => Promise<RedisFamilyProvider> =
  defineStandaloneProvider('valkey', (options) => new Valkey(options))

export type { RedisFamilyProvider } from '@cacheport/redis-kit'

import {
  defineStandaloneProvider,
  type RedisFamilyProvider,
  type StandaloneClientOptions,
} from '@cacheport/redis-kit'
import { createClient, type RedisClientOptions } from '@redis/client'
import { NodeRedisClientAdapter } from './client.js'
import type { NodeRedisClient } from './node-redis.js'
import { checkStandaloneOptions, type NodeRedisProviderOptions } from './options.js'

/**
 * node-redis client options from the shared standalone options (already validated by
 * redis-kit): RESP2, no offline queue (a command sent while the connection is down fails at
 * once), reconnecting by itself with redis-kit's backoff (50 ms doubling up to 1 s). Never
 * throws.
 */
export function standaloneNodeRedisOptions(options: StandaloneClientOptions): RedisClientOptions {
  const { tls } = options
  return {
    socket: {
      host: options.host,
      port: options.port,
      ...(tls !== undefined ? { ...tls, tls: true as const } : {}),
      connectTimeout: options.connectTimeout,
      reconnectStrategy: (retries) => options.retryStrategy(retries + 1),
    },
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.db !== 0 ? { database: options.db } : {}),
    ...(options.connectionName !== undefined ? { name: options.connectionName } : {}),
    RESP: 2,
    disableOfflineQueue: true,
  }
}

const define = defineStandaloneProvider(
  'node-redis',
  (options) =>
    new NodeRedisClientAdapter(
      createClient(standaloneNodeRedisOptions(options)) as unknown as NodeRedisClient,
    ),
)

/**
 * Connects to a standalone Redis or Valkey server through node-redis and returns the provider.
 * Rejects with `CacheConfigError` for invalid or unknown options (naming the closest known
 * key), and with `CacheUnavailableError` when the server does not answer a PING within
 * `connectTimeoutMs`. `close()` closes the client only if the provider created it.
 */
export function nodeRedisProvider(
  options: NodeRedisProviderOptions = {},
): Promise<RedisFamilyProvider> {
  try {
    checkStandaloneOptions(options)
  } catch (error) {
    return Promise.reject(error)
  }
  const { client, ...rest } = options
  return define(
    client === undefined ? rest : { ...rest, client: new NodeRedisClientAdapter(client) },
  )
}

import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { CacheConfigError } from '@cacheport/core'
import { duplicableOf, linkOptions, type RedisClientLike } from './client.js'
import { namingConnectFailure } from './errors.js'
import { checkProviderOptionNames, STANDALONE_OPTION_NAMES } from './option-names.js'
import {
  checkInvalidationMode,
  connectRedisFamilyProvider,
  type InvalidationMode,
  type RedisFamilyProvider,
} from './provider.js'
import type { RedisTimeouts } from './redis-store.js'

/** Options every standalone Redis-family provider accepts (provider-redis, provider-valkey). */
export interface RedisStandaloneOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  readonly url?: string
  readonly host?: string
  readonly port?: number
  /** ACL user name. */
  readonly username?: string
  readonly password?: string
  /** Database number. Default 0. */
  readonly db?: number
  /** `true` for TLS with default options, or Node TLS options. */
  readonly tls?: boolean | TlsOptions
  /** CLIENT SETNAME value, shown by CLIENT LIST. */
  readonly clientName?: string
  /**
   * Bring your own connected client instead of a URL or host. The provider never closes it;
   * its options (auto-pipelining, offline queue, retries) stay yours.
   */
  readonly client?: RedisClientLike
  /** Global prefix for every key, e.g. `shop:`. */
  readonly keyPrefix?: string
  /** Per-operation timeouts in ms (operation 2 s, atomic 5 s, bulk 10 s, clear 30 s). */
  readonly timeouts?: Partial<RedisTimeouts>
  /** Let `clear()` run FLUSHDB, wiping every key of the database. Default false. */
  readonly allowUnsafeFlush?: boolean
  /** How long construction waits for the first connection and PING. Default 5,000 ms. */
  readonly connectTimeoutMs?: number
  /**
   * How the bus (`provider.bus`) carries invalidations between processes: `pubsub` (default)
   * publishes what this cache changed; `tracking` has the server report every change to a
   * value key by any client (CLIENT TRACKING). Either way the bus opens its own connections
   * (`duplicate()` of the client, so same credentials and TLS).
   */
  readonly invalidation?: InvalidationMode
}

/** Client options shared by ioredis and iovalkey, derived from `RedisStandaloneOptions`. */
export interface StandaloneClientOptions {
  host: string
  port: number
  username?: string
  password?: string
  db: number
  tls?: TlsOptions
  connectionName?: string
  lazyConnect: true
  enableAutoPipelining: true
  enableOfflineQueue: false
  maxRetriesPerRequest: 1
  connectTimeout: number
  retryStrategy: (times: number) => number
}

/**
 * Turns provider options into client options. Commands fail fast while the connection is
 * down (no offline queue) and the client reconnects by itself, backing off up to 1 s.
 * Throws `CacheConfigError` (`INVALID_OPTION`) for a malformed URL, a URL combined with
 * host/port, or out-of-range values.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function standaloneClientOptions(options: RedisStandaloneOptions): StandaloneClientOptions {
  let host = options.host ?? '127.0.0.1'
  let port = options.port ?? 6379
  let username = options.username
  let password = options.password
  let db = options.db ?? 0
  let tls: TlsOptions | undefined =
    options.tls === true ? {} : options.tls === false ? undefined : options.tls
  if (options.url !== undefined) {
    if (options.host !== undefined || options.port !== undefined) {
      throw new CacheConfigError('INVALID_OPTION', 'give either url or host/port, not both')
    }
    let url: URL
    try {
      url = new URL(options.url)
    } catch {
      throw new CacheConfigError('INVALID_OPTION', `url '${options.url}' is not a valid URL`)
    }
    if (
      url.protocol !== 'redis:' &&
      url.protocol !== 'rediss:' &&
      url.protocol !== 'valkey:' &&
      url.protocol !== 'valkeys:'
    ) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `url must start with redis:// or rediss://, got '${url.protocol}'`,
      )
    }
    host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1'
    port = url.port === '' ? 6379 : Number(url.port)
    if (url.username !== '') username ??= decodeURIComponent(url.username)
    if (url.password !== '') password ??= decodeURIComponent(url.password)
    const path = url.pathname.replace(/^\//, '')
    if (path !== '' && options.db === undefined) db = Number(path)
    if (url.protocol === 'rediss:' || url.protocol === 'valkeys:') tls ??= {}
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `port must be an integer in [1, 65535], got ${String(port)}`,
    )
  }
  if (!Number.isInteger(db) || db < 0) {
    throw new CacheConfigError('INVALID_OPTION', `db must be an integer >= 0, got ${String(db)}`)
  }
  const connectTimeout = options.connectTimeoutMs ?? 5_000
  return {
    host,
    port,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    db,
    ...(tls !== undefined ? { tls } : {}),
    ...(options.clientName !== undefined ? { connectionName: options.clientName } : {}),
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1_000),
  }
}

/**
 * Defines the factory of a standalone Redis-family provider from a client constructor: the
 * whole of provider-redis and provider-valkey. The factory validates the options, creates
 * (or adopts) the client, connects and PINGs, and rejects with `CacheUnavailableError` when
 * the server cannot be reached (naming the cause when it is a refused password, an ACL denial
 * or an untrusted TLS certificate).
 */
export function defineStandaloneProvider(
  kind: string,
  createClient: (options: StandaloneClientOptions) => RedisClientLike,
): (options?: RedisStandaloneOptions) => Promise<RedisFamilyProvider> {
  return async (options = {}) => {
    checkProviderOptionNames(options, STANDALONE_OPTION_NAMES, `${kind} provider options`)
    const own = options.client === undefined
    if (!own && (options.url !== undefined || options.host !== undefined)) {
      throw new CacheConfigError('INVALID_OPTION', 'give either client or url/host, not both')
    }
    checkInvalidationMode(options.invalidation)
    const clientOptions = own ? standaloneClientOptions(options) : undefined
    const client = options.client ?? createClient(clientOptions as StandaloneClientOptions)
    const duplicable = duplicableOf(client)
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000
    return namingConnectFailure(client, () =>
      connectRedisFamilyProvider({
        kind,
        client,
        ownsClient: own,
        ...(options.keyPrefix !== undefined ? { keyPrefix: options.keyPrefix } : {}),
        ...(options.timeouts !== undefined ? { timeouts: options.timeouts } : {}),
        allowUnsafeFlush: options.allowUnsafeFlush === true,
        connectTimeoutMs,
        target: clientOptions ? `${clientOptions.host}:${clientOptions.port}` : 'the given client',
        ...(options.invalidation !== undefined ? { invalidation: options.invalidation } : {}),
        ...(duplicable !== undefined
          ? { openLink: () => duplicable.duplicate(linkOptions(undefined, connectTimeoutMs)) }
          : {}),
      }),
    )
  }
}

import { CacheConfigError } from '@cacheport/core'
import type { RedisClusterOptions, RedisStandaloneOptions } from '@cacheport/redis-kit'
import { DEFAULT_TIMEOUTS } from '@cacheport/redis-kit'
import {
  isNodeRedisClient,
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisCluster,
} from './node-redis.js'

/**
 * Options of `nodeRedisProvider`: those of the ioredis and iovalkey standalone providers, with
 * `client` a node-redis client (`createClient()` from `redis` or `@redis/client`).
 */
export interface NodeRedisProviderOptions extends Omit<RedisStandaloneOptions, 'client'> {
  /**
   * Bring your own node-redis client instead of a URL or host. The provider connects it if it
   * is not open yet, and never closes it; its options (offline queue, reconnects) stay yours.
   */
  readonly client?: NodeRedisClient
}

/**
 * Options of `nodeRedisClusterProvider`: those of the ioredis and iovalkey Cluster providers,
 * with `client` a node-redis cluster (`createCluster()`). `scaleReads` is `master` (default)
 * or `all` (node-redis spreads reads over a slot's primary and replicas; it cannot send them
 * to replicas only).
 */
export interface NodeRedisClusterProviderOptions
  extends Omit<RedisClusterOptions, 'client' | 'scaleReads'> {
  readonly scaleReads?: 'master' | 'all'
  /** Bring your own node-redis cluster instead of `nodes`; the provider never closes it. */
  readonly client?: NodeRedisCluster
}

/** Every key of an options type, listed once (the compiler checks the list is complete). */
type KeyList<T> = { readonly [K in keyof Required<T>]: true }

const STANDALONE_KEYS: KeyList<NodeRedisProviderOptions> = {
  url: true,
  host: true,
  port: true,
  username: true,
  password: true,
  db: true,
  tls: true,
  clientName: true,
  client: true,
  keyPrefix: true,
  timeouts: true,
  allowUnsafeFlush: true,
  connectTimeoutMs: true,
  invalidation: true,
}

const CLUSTER_KEYS: KeyList<NodeRedisClusterProviderOptions> = {
  nodes: true,
  username: true,
  password: true,
  tls: true,
  clientName: true,
  client: true,
  keyPrefix: true,
  timeouts: true,
  allowUnsafeFlush: true,
  connectTimeoutMs: true,
  invalidation: true,
  scaleReads: true,
  buckets: true,
}

/**
 * Throws `CacheConfigError` (`INVALID_OPTION`) for options that are not an object, for a key
 * the standalone provider does not know (naming the closest known key), for unknown
 * `timeouts` keys, and for a `client` that is not a node-redis client.
 */
export function checkStandaloneOptions(options: unknown): void {
  checkKeys(options, Object.keys(STANDALONE_KEYS), '')
  const client = (options as { client?: unknown }).client
  if (client !== undefined && !isNodeRedisClient(client)) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      'client must be a node-redis client (createClient() of redis or @redis/client)',
    )
  }
}

/**
 * Like `checkStandaloneOptions`, for the cluster provider; also checks `scaleReads`. Throws
 * `CacheConfigError` (`INVALID_OPTION`).
 */
export function checkClusterOptions(options: unknown): void {
  checkKeys(options, Object.keys(CLUSTER_KEYS), '')
  const client = (options as { client?: unknown }).client
  if (client !== undefined && !isNodeRedisCluster(client)) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      'client must be a node-redis cluster (createCluster() of redis or @redis/client)',
    )
  }
  const scaleReads = (options as { scaleReads?: unknown }).scaleReads
  if (scaleReads !== undefined && scaleReads !== 'master' && scaleReads !== 'all') {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `scaleReads must be 'master' or 'all' with node-redis, got ${JSON.stringify(scaleReads)}` +
        (scaleReads === 'slave' ? ' (node-redis cannot send reads to replicas only)' : ''),
    )
  }
}

function checkKeys(options: unknown, known: readonly string[], path: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CacheConfigError('INVALID_OPTION', `${path || 'options'} must be an object`)
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const near = closest(key, known)
    throw new CacheConfigError(
      'INVALID_OPTION',
      `unknown option '${path}${key}'${near === undefined ? '' : ` (did you mean '${path}${near}'?)`}`,
    )
  }
  const timeouts = (options as { timeouts?: unknown }).timeouts
  if (path === '' && timeouts !== undefined) {
    checkKeys(timeouts, Object.keys(DEFAULT_TIMEOUTS), 'timeouts.')
  }
}

/**
 * The known name nearest to `key` (case-insensitive edit distance at most 3, and at most half
 * the key's length), if any. Never throws.
 */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.min(3, Math.max(1, Math.floor(key.length / 2)))
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase())
    if (distance <= bestDistance) {
      best = name
      bestDistance = distance - 1
    }
  }
  return best
}

/** Levenshtein distance, with one row of memory. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost)
      diagonal = above
    }
  }
  return row[b.length] as number
}

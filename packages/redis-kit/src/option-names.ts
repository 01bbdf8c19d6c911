import { checkOptionsObject } from '@cacheport/core'
import type { RedisClusterOptions } from './cluster.js'
import type { RedisStandaloneOptions } from './connection.js'
import { DEFAULT_TIMEOUTS } from './redis-store.js'

/** Every key of an options type, listed once (the compiler checks the list is complete). */
type KeyList<T> = { readonly [K in keyof Required<T>]: true }

/** Options both kinds of provider take. */
const SHARED = {
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
} as const

const STANDALONE: KeyList<RedisStandaloneOptions> = {
  ...SHARED,
  url: true,
  host: true,
  port: true,
  db: true,
}

const CLUSTER: KeyList<RedisClusterOptions> = {
  ...SHARED,
  nodes: true,
  scaleReads: true,
  buckets: true,
}

/**
 * The option names of the standalone Redis-family providers.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export const STANDALONE_OPTION_NAMES: readonly string[] = Object.keys(STANDALONE)
/**
 * The option names of the cluster Redis-family providers.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export const CLUSTER_OPTION_NAMES: readonly string[] = Object.keys(CLUSTER)

/**
 * Refuses options that are not an object, and keys outside `known` or outside the timeout
 * names, with `CacheConfigError` (`INVALID_OPTION`) naming the key and the closest known name.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function checkProviderOptionNames(
  options: unknown,
  known: readonly string[],
  where: string,
): void {
  if (options === undefined) return
  checkOptionsObject(options, known, where)
  const timeouts = (options as { timeouts?: unknown }).timeouts
  if (timeouts !== undefined) {
    checkOptionsObject(timeouts, Object.keys(DEFAULT_TIMEOUTS), where, 'timeouts.')
  }
}

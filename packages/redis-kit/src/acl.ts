import { CacheConfigError } from '@cacheport/core'
import { escapeGlob } from './layout.js'

/** Options of {@link leastPrivilegeAclRule}. */
export interface LeastPrivilegeAclOptions {
  /**
   * The provider's `keyPrefix` (default `''`, which grants every key), or the prefixes of
   * several providers that share the user.
   */
  readonly keyPrefix?: string | readonly string[]
  /**
   * A cluster client: adds the slot-map and routing commands (CLUSTER SLOTS / SHARDS / NODES /
   * INFO, READONLY / READWRITE for `scaleReads`) and the sharded pub/sub commands.
   */
  readonly cluster?: boolean
  /**
   * `invalidation: 'tracking'`: adds CLIENT ID / CLIENT TRACKING and the
   * `__redis__:invalidate` channel.
   */
  readonly tracking?: boolean
  /**
   * Searchable namespaces (`search` on a namespace): adds the hash commands their entries and
   * scripts use (HGET, HSET, PEXPIRE), MODULE LIST (the RediSearch check) and FT.CREATE,
   * FT.INFO, FT.SEARCH. RediSearch treats an index name as a key: the provider names its
   * indexes `<keyPrefix><indexName>`, inside the user's key pattern.
   */
  readonly search?: boolean
}

/**
 * Every connection: PING, INFO (the ready check ioredis and iovalkey run on connect) and
 * CLIENT SETNAME (`clientName`, and the names ioredis Cluster gives its slot-refresh
 * connections).
 */
const CONNECTION = ['+ping', '+info', '+client|setname']
/** Reads, writes, batches and `clear()` (SCAN + UNLINK), and the Lua scripts. */
const DATA = ['+get', '+mget', '+set', '+unlink', '+scan', '+evalsha', '+eval', '+exists', '+type']
/** The commands the Lua scripts call (ACL checks them inside scripts too). */
const SCRIPTS = [
  '+time',
  '+getrange',
  '+del',
  '+persist',
  '+pexpireat',
  '+zadd',
  '+zcard',
  '+zrange',
  '+zrem',
  '+zremrangebyscore',
  // The write-back fence hashes (fence.ts).
  '+hincrby',
  '+hsetnx',
  '+hmget',
  '+pexpire',
]
/** Searchable namespaces: hash entries, the module check and the RediSearch commands. */
const SEARCH = [
  '+hget',
  '+hset',
  '+pexpire',
  '+module|list',
  '+ft.create',
  '+ft.info',
  '+ft.search',
]
/** The invalidation bus in pub/sub mode on one server. */
const BUS = ['+publish', '+subscribe', '+unsubscribe']
/** Cluster routing and the sharded bus. */
const CLUSTER = [
  '+cluster|slots',
  '+cluster|shards',
  '+cluster|nodes',
  '+cluster|info',
  '+readonly',
  '+readwrite',
  '+spublish',
  '+ssubscribe',
  '+sunsubscribe',
]
/** The tracking bus: a control connection turns tracking on, redirected to a subscriber. */
const TRACKING = ['+client|id', '+client|tracking']
/** The channel CLIENT TRACKING redirects invalidations to (RESP2). */
const TRACKING_CHANNEL = '&__redis__:invalidate'

/**
 * The least-privilege ACL rule for a cacheport user: the keys under `keyPrefix` (value keys
 * `<prefix>v{ns:b}key`, tag indexes `<prefix>t{ns:b}tag`, locks `<prefix>l{ns:b}key`), the bus
 * channels `<prefix>bus{ns}`, and only the commands redis-kit and the node-redis adapter send.
 * It starts with `resetkeys resetchannels -@all`, so it can be applied to an existing user:
 * `ACL SETUSER cacheport on >secret <rule>` (or a `user cacheport on >secret <rule>` line in an
 * ACL file). `allowUnsafeFlush` needs `+flushdb` on top. Throws `CacheConfigError`
 * (`INVALID_OPTION`) for a prefix with whitespace (an ACL rule cannot express it).
 */
export function leastPrivilegeAclRule(options: LeastPrivilegeAclOptions = {}): string {
  const prefixes =
    typeof options.keyPrefix === 'string' ? [options.keyPrefix] : (options.keyPrefix ?? [''])
  for (const prefix of prefixes) {
    if (typeof prefix !== 'string' || /\s/.test(prefix)) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `keyPrefix ${JSON.stringify(prefix)} must be a string without whitespace (an ACL rule cannot express it)`,
      )
    }
  }
  const globs = prefixes.map(escapeGlob)
  return [
    'resetkeys',
    ...globs.map((glob) => `~${glob}*`),
    'resetchannels',
    ...globs.map((glob) => `&${glob}bus{*`),
    ...(options.tracking ? [TRACKING_CHANNEL] : []),
    '-@all',
    ...CONNECTION,
    ...DATA,
    ...SCRIPTS,
    ...BUS,
    ...(options.cluster ? CLUSTER : []),
    ...(options.tracking ? TRACKING : []),
    ...(options.search ? SEARCH : []),
  ].join(' ')
}

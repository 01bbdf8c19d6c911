/**
 * The structural client type redis-kit is written against. ioredis and iovalkey clients
 * (standalone and Cluster) satisfy it. Only named commands are used: ioredis 6 drops the
 * command name of `callBuffer` when auto-pipelining is on, so generic `call*` is avoided.
 */
export type RedisArg = string | Buffer | number

/** The commands redis-kit sends. Replies of `*Buffer` methods are Buffers. */
export interface RedisCommands {
  getBuffer(key: string): Promise<Buffer | null>
  mgetBuffer(...keys: string[]): Promise<(Buffer | null)[]>
  set(key: string, value: Buffer): Promise<unknown>
  set(key: string, value: Buffer, px: 'PX', milliseconds: number): Promise<unknown>
  /** `SET key value PX ms NX`: `'OK'` when set, `null` when the key exists. */
  set(
    key: string,
    value: string,
    px: 'PX',
    milliseconds: number,
    nx: 'NX',
  ): Promise<'OK' | null | unknown>
  publish(channel: string, message: string): Promise<unknown>
  /** Sharded publish (Redis 7+): routed by the channel's hash slot on a cluster. */
  spublish(channel: string, message: string): Promise<unknown>
  evalsha(sha: string, numKeys: number, ...args: RedisArg[]): Promise<unknown>
  eval(script: string, numKeys: number, ...args: RedisArg[]): Promise<unknown>
  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    n: number,
  ): Promise<[string, string[]]>
  unlink(...keys: string[]): Promise<number>
  /** How many of `keys` exist (one slot on a cluster). */
  exists(...keys: string[]): Promise<number>
  /** The Redis type of `key` (`string`, `list`, `hash`, ..., `none`). */
  type(key: string): Promise<string>
  /** `HMGET key field...`: each field's value, `null` where absent. */
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>
  flushdb(): Promise<unknown>
  ping(): Promise<unknown>
}

/** A standalone or Cluster client. */
export interface RedisClientLike extends RedisCommands {
  /** `ready` once connected (ioredis/iovalkey status strings). */
  readonly status: string
  connect(): Promise<unknown>
  quit(): Promise<unknown>
  disconnect(): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
}

/** A Cluster client: also lists its nodes, so SCAN and FLUSHDB can reach every primary. */
export interface RedisClusterLike extends RedisClientLike {
  nodes(role: 'master' | 'all'): RedisCommands[]
  /** Reloads the slot map (concurrent calls share one reload). */
  refreshSlotsCache(callback?: (error?: Error | null) => void): void
}

/**
 * A dedicated connection the bus opens next to the data client: a subscriber, or the small
 * control connection that turns on CLIENT TRACKING. ioredis and iovalkey `Redis` clients
 * satisfy it; redis-kit makes them with `duplicate()`, so they carry the data client's
 * credentials and TLS options.
 */
export interface RedisLinkLike {
  readonly status: string
  connect(): Promise<unknown>
  disconnect(): void
  on(event: string, listener: (...args: never[]) => void): unknown
  subscribe(...channels: string[]): Promise<unknown>
  unsubscribe(...channels: string[]): Promise<unknown>
  ssubscribe(...channels: string[]): Promise<unknown>
  sunsubscribe(...channels: string[]): Promise<unknown>
  /** Any command, by name (only CLIENT ID and CLIENT TRACKING are sent this way). */
  call(command: string, ...args: (string | number)[]): Promise<unknown>
}

/** Options redis-kit passes to `duplicate()` for a dedicated connection. */
export interface LinkOptions {
  host?: string
  port?: number
  lazyConnect: true
  enableAutoPipelining: false
  enableOfflineQueue: true
  autoResubscribe: false
  readOnly: false
  /** RESP2: ioredis 6 drops CLIENT TRACKING's `invalidate` push frames under RESP3. */
  protocol: 2
  /** The bus reconnects by itself (possibly to another node): the client must not. */
  retryStrategy: () => null
  maxRetriesPerRequest: 0
  connectTimeout: number
}

/** A standalone client (or a cluster node) that can open another connection like itself. */
export interface DuplicableClient {
  duplicate(override: LinkOptions): RedisLinkLike
  readonly options?: { readonly host?: string; readonly port?: number }
}

/**
 * The `duplicate` of a client, when it has one (ioredis and iovalkey `Redis` do).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function duplicableOf(client: unknown): DuplicableClient | undefined {
  const candidate = client as Partial<DuplicableClient> | null | undefined
  return typeof candidate?.duplicate === 'function' ? (candidate as DuplicableClient) : undefined
}

/**
 * The `duplicate()` overrides of a dedicated connection to `address` (or the same server).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function linkOptions(
  address: { host: string; port: number } | undefined,
  connectTimeoutMs: number,
): LinkOptions {
  return {
    ...(address !== undefined ? { host: address.host, port: address.port } : {}),
    lazyConnect: true,
    enableAutoPipelining: false,
    enableOfflineQueue: true,
    autoResubscribe: false,
    readOnly: false,
    protocol: 2,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: connectTimeoutMs,
  }
}

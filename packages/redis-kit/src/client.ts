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
  nodes(role: 'master'): RedisCommands[]
  /** Reloads the slot map (concurrent calls share one reload). */
  refreshSlotsCache(callback?: (error?: Error | null) => void): void
}

import type { RedisArg, RedisCommands } from '@cacheport/redis-kit'
import { RESP_TYPES } from '@redis/client'
import type { CommandArgs, CommandOptions } from './node-redis.js'

/**
 * Replies as Buffers: GET and MGET values reach redis-kit as the Buffers the decoder made,
 * with no string round trip or copy. Every other command keeps node-redis's default mapping
 * (bulk strings as strings), which is what redis-kit expects of SCAN, EVALSHA and the rest.
 */
export const BUFFERS: CommandOptions = Object.freeze({
  typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer },
})
/** node-redis's default mapping, stated so that a client's own `commandOptions` do not leak in. */
export const STRINGS: CommandOptions = Object.freeze({ typeMapping: {} })

/** node-redis sends strings and Buffers only: numbers become decimal strings. */
function arg(value: RedisArg): string | Buffer {
  return typeof value === 'number' ? String(value) : value
}

/**
 * redis-kit's command set (ioredis-shaped: `getBuffer`, `evalsha(sha, numKeys, ...)`) in
 * terms of node-redis's `sendCommand`. Subclasses say where a command goes: the one server, a
 * cluster routed by the first key, or one cluster node.
 */
export abstract class NodeRedisCommands implements RedisCommands {
  /**
   * Sends `args`; `firstKey` routes it on a cluster (`undefined`: any node), `read` marks
   * commands that may go to a replica.
   */
  protected abstract send(
    firstKey: string | undefined,
    args: CommandArgs,
    options: CommandOptions,
    read: boolean,
  ): Promise<unknown>

  getBuffer(key: string): Promise<Buffer | null> {
    return this.send(key, ['GET', key], BUFFERS, true) as Promise<Buffer | null>
  }

  mgetBuffer(...keys: string[]): Promise<(Buffer | null)[]> {
    return this.send(keys[0], ['MGET', ...keys], BUFFERS, true) as Promise<(Buffer | null)[]>
  }

  set(
    key: string,
    value: Buffer | string,
    px?: 'PX',
    milliseconds?: number,
    nx?: 'NX',
  ): Promise<unknown> {
    const args =
      px === undefined
        ? ['SET', key, value]
        : nx === undefined
          ? ['SET', key, value, 'PX', String(milliseconds)]
          : ['SET', key, value, 'PX', String(milliseconds), 'NX']
    return this.send(key, args, STRINGS, false)
  }

  publish(channel: string, message: string): Promise<unknown> {
    return this.send(undefined, ['PUBLISH', channel, message], STRINGS, false)
  }

  spublish(channel: string, message: string): Promise<unknown> {
    return this.send(channel, ['SPUBLISH', channel, message], STRINGS, false)
  }

  evalsha(sha: string, numKeys: number, ...args: RedisArg[]): Promise<unknown> {
    return this.#script('EVALSHA', sha, numKeys, args)
  }

  eval(script: string, numKeys: number, ...args: RedisArg[]): Promise<unknown> {
    return this.#script('EVAL', script, numKeys, args)
  }

  /** `EVALSHA|EVAL <script> <numKeys> keys... args...`, routed by the first key. */
  #script(
    command: 'EVAL' | 'EVALSHA',
    script: string,
    numKeys: number,
    args: RedisArg[],
  ): Promise<unknown> {
    const wire: (string | Buffer)[] = [command, script, String(numKeys)]
    for (const value of args) wire.push(arg(value))
    const firstKey = numKeys > 0 ? String(args[0]) : undefined
    return this.send(firstKey, wire, STRINGS, false)
  }

  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    n: number,
  ): Promise<[string, string[]]> {
    const args = ['SCAN', cursor, match, pattern, count, String(n)]
    return this.send(undefined, args, STRINGS, false) as Promise<[string, string[]]>
  }

  unlink(...keys: string[]): Promise<number> {
    return this.send(keys[0], ['UNLINK', ...keys], STRINGS, false) as Promise<number>
  }

  exists(...keys: string[]): Promise<number> {
    return this.send(keys[0], ['EXISTS', ...keys], STRINGS, true) as Promise<number>
  }

  type(key: string): Promise<string> {
    return this.send(key, ['TYPE', key], STRINGS, true) as Promise<string>
  }

  /** `HMGET key field...` with string replies (the write-back fence's generations). */
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]> {
    return this.send(key, ['HMGET', key, ...fields], STRINGS, true) as Promise<(string | null)[]>
  }

  /** `HGET key field` with a Buffer reply (searchable namespaces keep entries in hashes). */
  hgetBuffer(key: string, field: string): Promise<Buffer | null> {
    return this.send(key, ['HGET', key, field], BUFFERS, true) as Promise<Buffer | null>
  }

  /**
   * Any command by name, bulk replies as Buffers: the RediSearch commands (FT.*, MODULE LIST),
   * which redis-kit sends to one node at a time (routed by no key).
   */
  callBuffer(command: string, ...args: RedisArg[]): Promise<unknown> {
    return this.send(undefined, [command, ...args.map(arg)], BUFFERS, false)
  }

  flushdb(): Promise<unknown> {
    return this.send(undefined, ['FLUSHDB'], STRINGS, false)
  }

  ping(): Promise<unknown> {
    return this.send(undefined, ['PING'], STRINGS, false)
  }
}

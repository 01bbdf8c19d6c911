import { CacheUnsupportedError } from '@cacheport/core'
import type { RedisArg, RedisCommands } from './client.js'

/**
 * Talking to the RediSearch module: sending its commands through a client that only has to
 * satisfy the structural `RedisCommands`, and checking that the module is there.
 */

/** What a client needs beyond `RedisCommands` to send module commands (ioredis/iovalkey have it). */
interface ModuleCapableClient {
  callBuffer?(command: string, ...args: RedisArg[]): Promise<unknown>
  pipeline?(): {
    callBuffer(command: string, ...args: RedisArg[]): unknown
    exec(): Promise<[Error | null, unknown][] | null>
  }
  readonly options?: {
    readonly enableAutoPipelining?: boolean
    readonly autoPipeliningIgnoredCommands?: readonly string[]
    readonly host?: string
    readonly port?: number
  }
}

/** True when `node` can send module commands (`callBuffer`). */
export function canSendModuleCommands(node: RedisCommands): boolean {
  return typeof (node as ModuleCapableClient).callBuffer === 'function'
}

/**
 * Sends one command by name, replies as Buffers (bulk strings) and numbers. ioredis 6 drops
 * the command name of an auto-pipelined `callBuffer`, so on a client with auto-pipelining the
 * command goes through an explicit one-command pipeline instead. Rejects with the server's
 * error; throws `CacheUnsupportedError` when the client cannot send commands by name.
 */
export async function sendModuleCommand(
  node: RedisCommands,
  command: string,
  args: readonly RedisArg[],
): Promise<unknown> {
  const client = node as ModuleCapableClient
  if (typeof client.callBuffer !== 'function') {
    throw new CacheUnsupportedError(
      'search',
      `the client cannot send ${command} (it has no callBuffer): search needs an ioredis, iovalkey or node-redis client`,
    )
  }
  const options = client.options
  const autoPipelined =
    options?.enableAutoPipelining === true &&
    !(options.autoPipeliningIgnoredCommands ?? []).includes(command)
  if (autoPipelined && typeof client.pipeline === 'function') {
    const pipeline = client.pipeline()
    pipeline.callBuffer(command, ...args)
    const [result] = (await pipeline.exec()) ?? []
    if (result === undefined) throw new Error(`${command}: the pipeline returned no reply`)
    if (result[0] !== null) throw result[0]
    return result[1]
  }
  return client.callBuffer(command, ...args)
}

/** A reply element as text (Buffers and numbers included). */
export function text(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8')
  return String(value)
}

/** `host:port` of a node, for messages (ioredis, iovalkey and the node-redis adapter keep `options`). */
export function nodeAddress(node: RedisCommands): string {
  const options = (node as ModuleCapableClient).options
  return options?.host !== undefined && options.port !== undefined
    ? `${options.host}:${options.port}`
    : 'the server'
}

/** A loaded module as MODULE LIST reports it. */
export interface LoadedModule {
  readonly name: string
  readonly version: number
}

/**
 * Reads a MODULE LIST reply (RESP2 flat pairs, or RESP3 maps).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function parseModuleList(reply: unknown): LoadedModule[] {
  if (!Array.isArray(reply)) return []
  return reply.flatMap((entry: unknown) => {
    const fields = new Map<string, unknown>()
    if (Array.isArray(entry)) {
      for (let i = 0; i + 1 < entry.length; i += 2) fields.set(text(entry[i]), entry[i + 1])
    } else if (entry instanceof Map) {
      for (const [k, v] of entry) fields.set(text(k), v)
    } else if (entry !== null && typeof entry === 'object') {
      for (const [k, v] of Object.entries(entry)) fields.set(k, v)
    } else return []
    const name = fields.get('name')
    return name === undefined
      ? []
      : [{ name: text(name), version: Number(text(fields.get('ver'))) }]
  })
}

/** RediSearch versions this package was tested with: 2.4.x (`ver 204xx`). */
export function isTestedRediSearch(module: LoadedModule): boolean {
  return module.name === 'search' && module.version >= 20400 && module.version < 20500
}

function describeVersion(version: number): string {
  if (!Number.isFinite(version)) return 'unknown version'
  return `${Math.floor(version / 10000)}.${Math.floor(version / 100) % 100}.${version % 100}`
}

/**
 * Checks that RediSearch 2.4 is loaded on `node`. Rejects with `CacheUnsupportedError` naming
 * the node and what was found instead: no search module, another RediSearch version, or
 * another search module (Valkey's own, whose query language differs).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export async function requireRediSearch(node: RedisCommands): Promise<void> {
  const modules = parseModuleList(await sendModuleCommand(node, 'MODULE', ['LIST']))
  if (modules.some(isTestedRediSearch)) return
  const where = nodeAddress(node)
  const searchLike = modules.filter((m) => /search|^ft$/i.test(m.name))
  const found =
    searchLike.length > 0
      ? `found ${searchLike.map((m) => `'${m.name}' ${describeVersion(m.version)}`).join(', ')}, which is not RediSearch 2.4`
      : modules.length > 0
        ? `modules loaded: ${modules.map((m) => `'${m.name}'`).join(', ')}`
        : 'no module is loaded'
  throw new CacheUnsupportedError(
    'search',
    `RediSearch 2.4 ('search' module) is not loaded on ${where} (${found}); load it with --loadmodule <path>/redisearch.so`,
  )
}

/**
 * The part of node-redis (`@redis/client` 5) this package uses, as structural types: what a
 * `createClient()` client and a `createCluster()` cluster offer. Written structurally so a
 * client made by the `redis` package (with modules) or by `@redis/client` both fit.
 */
import type { TypeMapping } from '@redis/client'

/** What node-redis sends on the wire: every argument a string or a Buffer. */
export type CommandArgs = ReadonlyArray<string | Buffer>

/** Per-command options (only the type mapping is used). */
export interface CommandOptions {
  readonly typeMapping?: TypeMapping
}

/** `(message, channel)`, both Buffers in buffer mode (a tracking payload is an array or null). */
export type BufferListener = (message: Buffer, channel: Buffer) => void

/** The address part of a node-redis client's socket options (TCP or TLS; IPC has none). */
export interface NodeRedisSocketAddress {
  readonly host?: string
  readonly port?: number
}

/** A node-redis standalone client (`createClient()`), or a cluster's node client. */
export interface NodeRedisClient {
  readonly isOpen: boolean
  readonly isReady: boolean
  /** `socket` is a `NodeRedisSocketAddress` unless the client uses a Unix socket. */
  readonly options?: { readonly socket?: object } | undefined
  connect(): Promise<unknown>
  /** Closes after pending replies arrived. */
  close(): Promise<void>
  /** Closes now, rejecting pending commands. Throws when already closed. */
  destroy(): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
  sendCommand(args: CommandArgs, options?: CommandOptions): Promise<unknown>
  duplicate(overrides?: Record<string, unknown>): NodeRedisClient
  subscribe(channels: string, listener: BufferListener, bufferMode: true): Promise<void>
  unsubscribe(channels: string): Promise<void>
  sSubscribe(channels: string, listener: BufferListener, bufferMode: true): Promise<void>
  sUnsubscribe(channels: string): Promise<void>
}

/** One node of a node-redis cluster's slot map (`cluster.masters[i]`). */
export interface NodeRedisClusterNode {
  readonly host: string
  readonly port: number
  readonly address: string
  readonly client?: NodeRedisClient | undefined
}

/**
 * A node-redis cluster (`createCluster()`). `_slots.rediscover` is the one internal member
 * used: node-redis reloads its slot map only after a MOVED reply, and there is no public call
 * to ask for a reload (after a primary died, say).
 */
export interface NodeRedisCluster {
  readonly isOpen: boolean
  readonly masters: readonly NodeRedisClusterNode[]
  readonly replicas: readonly NodeRedisClusterNode[]
  readonly _slots: { rediscover(startWith: NodeRedisClient): Promise<void> }
  connect(): Promise<unknown>
  close(): Promise<void>
  destroy(): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: CommandArgs,
    options?: CommandOptions,
  ): Promise<unknown>
  nodeClient(node: NodeRedisClusterNode): Promise<NodeRedisClient> | NodeRedisClient
}

/** True when `value` looks like a node-redis standalone client. Never throws. */
export function isNodeRedisClient(value: unknown): value is NodeRedisClient {
  const candidate = value as Partial<NodeRedisClient> | null | undefined
  return (
    typeof candidate?.sendCommand === 'function' &&
    typeof candidate.duplicate === 'function' &&
    typeof candidate.sSubscribe === 'function' &&
    typeof candidate.isOpen === 'boolean'
  )
}

/** True when `value` looks like a node-redis cluster. Never throws. */
export function isNodeRedisCluster(value: unknown): value is NodeRedisCluster {
  const candidate = value as Partial<NodeRedisCluster> | null | undefined
  return (
    typeof candidate?.sendCommand === 'function' &&
    typeof candidate.nodeClient === 'function' &&
    Array.isArray(candidate.masters)
  )
}

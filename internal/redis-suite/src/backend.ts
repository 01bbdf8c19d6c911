import type { ConnectionOptions as TlsOptions } from 'node:tls'
import {
  type InvalidationMode,
  leastPrivilegeAclRule,
  type RedisClientLike,
  type RedisClusterLike,
  type RedisClusterOptions,
  type RedisFamilyProvider,
  type RedisStandaloneOptions,
  type RedisTimeouts,
} from '@cacheport/redis-kit'
import {
  type ClusterHandle,
  RespError,
  type ServerHandle,
  type ServerKind,
  startCluster,
  startServer,
} from '@cacheport/test-harness'

/** How providers under test authenticate to a backend (the harness itself stays `default`). */
export interface BackendAccess {
  readonly username?: string
  readonly password?: string
  readonly tls?: TlsOptions
}

/**
 * What a suite runs against: one server, or a 3+3 cluster, started by the harness. `access`
 * is what {@link standaloneOptions} / {@link clusterOptions} give the provider unless the test
 * overrides it.
 */
export type Backend =
  | {
      readonly topology: 'standalone'
      readonly server: ServerHandle
      readonly access?: BackendAccess
    }
  | {
      readonly topology: 'cluster'
      readonly cluster: ClusterHandle
      readonly access?: BackendAccess
    }

export type Topology = Backend['topology']

/** Provider options the suite varies; the provider's test maps them onto its own options. */
export interface ConnectExtras {
  readonly keyPrefix?: string
  readonly timeouts?: Partial<RedisTimeouts>
  readonly connectTimeoutMs?: number
  /** Bring-your-own client: the suite passes a client another provider created. */
  readonly client?: RedisClientLike
  /** Bus mode (`pubsub` by default). */
  readonly invalidation?: InvalidationMode
  /** ACL user (default: the backend's `access`). */
  readonly username?: string
  /** Password of the user (or `requirepass`). */
  readonly password?: string
  /** Node TLS options, e.g. `{ ca }`. */
  readonly tls?: TlsOptions
}

/** Builds the provider under test for a backend. */
export type Connect = (backend: Backend, extras?: ConnectExtras) => Promise<RedisFamilyProvider>

/** Every key prefix the suite's tests use on the shared backend. */
export const SUITE_PREFIXES: readonly string[] = [
  'conf:',
  'shared:',
  'other:',
  'bad:',
  'hyg:',
  'lock:',
  'bus:',
  'srch:',
]

/** The least-privilege user the providers under test connect as on the shared backend. */
export const SUITE_USER = { username: 'cacheport', password: 'suite-secret' } as const

/** The ACL rule of {@link SUITE_USER}: redis-kit's documented rule, for the suite's prefixes. */
export function suiteAclRule(topology: Topology): string {
  return leastPrivilegeAclRule({
    keyPrefix: SUITE_PREFIXES,
    cluster: topology === 'cluster',
    tracking: true,
    search: true,
  })
}

/**
 * Starts the suite's backend: a server or a 3+3 cluster with RediSearch 2.4 loaded and
 * {@link SUITE_USER} (ACL rule {@link suiteAclRule}), which the providers under test connect as
 * (`access`).
 */
export async function startBackend(kind: ServerKind, topology: Topology): Promise<Backend> {
  const { username, password } = SUITE_USER
  const users = [`${username} on >${password} ${suiteAclRule(topology)}`]
  const access = { username, password }
  // RediSearch is loaded so that the conformance kit's search tests run on every provider.
  return topology === 'standalone'
    ? { topology, server: await startServer({ kind, users, search: true }), access }
    : { topology, cluster: await startCluster({ kind, users, search: true }), access }
}

export async function stopBackend(backend: Backend | undefined): Promise<void> {
  if (backend === undefined) return
  if (backend.topology === 'standalone') await backend.server.stop()
  else await backend.cluster.stop()
}

/** Nodes holding data: the server, or the current primaries. */
export async function dataServers(backend: Backend): Promise<ServerHandle[]> {
  return backend.topology === 'standalone' ? [backend.server] : backend.cluster.primaries()
}

/**
 * Sends a raw command over RESP (no client library): to the server, or on a cluster to the
 * primary that owns the key (following MOVED).
 */
export async function rawCommand(backend: Backend, ...args: string[]): Promise<unknown> {
  if (backend.topology === 'standalone') return backend.server.command(...args)
  let last: unknown
  for (const node of await backend.cluster.primaries()) {
    try {
      return await node.command(...args)
    } catch (error) {
      if (error instanceof RespError && /^(MOVED|ASK)/.test(error.message)) {
        last = error
        continue
      }
      throw error
    }
  }
  throw last
}

/** Every key matching `pattern` on one server. */
async function scanNode(node: ServerHandle, pattern: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, found] = (await node.command(
      'SCAN',
      cursor,
      'MATCH',
      pattern,
      'COUNT',
      '1000',
    )) as [string, string[]]
    cursor = next
    keys.push(...found)
  } while (cursor !== '0')
  return keys
}

/** Every key matching `pattern` on every data node. */
export async function scanAll(backend: Backend, pattern: string): Promise<string[]> {
  const keys: string[] = []
  for (const node of await dataServers(backend)) keys.push(...(await scanNode(node, pattern)))
  return keys
}

/** Keys matching `pattern` per data node (port -> count). */
export async function countPerNode(
  backend: Backend,
  pattern: string,
): Promise<Map<number, number>> {
  const counts = new Map<number, number>()
  for (const node of await dataServers(backend))
    counts.set(node.port, (await scanNode(node, pattern)).length)
  return counts
}

/** Standalone provider options for a backend (url, or the borrowed client). */
export function standaloneOptions(
  backend: Backend,
  extras: ConnectExtras = {},
): RedisStandaloneOptions {
  if (backend.topology !== 'standalone')
    throw new Error('standaloneOptions needs a standalone backend')
  const { client, ...rest } = extras
  return client !== undefined
    ? { ...rest, client }
    : { ...backend.access, ...rest, url: backend.server.url }
}

/** Cluster provider options for a backend (seed nodes, or the borrowed client). */
export function clusterOptions(backend: Backend, extras: ConnectExtras = {}): RedisClusterOptions {
  if (backend.topology !== 'cluster') throw new Error('clusterOptions needs a cluster backend')
  const { client, ...rest } = extras
  return client !== undefined
    ? { ...rest, client: client as RedisClusterLike }
    : {
        ...backend.access,
        ...rest,
        nodes: backend.cluster.seeds.map((s) => ({ host: s.host, port: s.port })),
      }
}

/**
 * Moves one hash slot, with its keys, from one primary to another (the SETSLOT IMPORTING /
 * MIGRATING / MIGRATE / SETSLOT NODE sequence). Resolves to the number of keys moved.
 */
export async function migrateSlot(
  cluster: ClusterHandle,
  slot: number,
  from: ServerHandle,
  to: ServerHandle,
): Promise<number> {
  const fromId = String(await from.command('CLUSTER', 'MYID'))
  const toId = String(await to.command('CLUSTER', 'MYID'))
  await to.command('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId)
  await from.command('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId)
  let moved = 0
  for (;;) {
    const keys = (await from.command('CLUSTER', 'GETKEYSINSLOT', String(slot), '50')) as string[]
    if (keys.length === 0) break
    await from.command(
      'MIGRATE',
      '127.0.0.1',
      String(to.port),
      '',
      '0',
      '5000',
      'REPLACE',
      'KEYS',
      ...keys,
    )
    moved += keys.length
  }
  for (const node of await cluster.primaries()) {
    await node.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', toId)
  }
  return moved
}

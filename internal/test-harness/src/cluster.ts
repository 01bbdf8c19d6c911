import { HOST } from './ports.js'
import { sendCommand } from './resp.js'
import { type ServerHandle, type ServerKind, type ServerTlsOptions, startServer } from './server.js'

/** Options for {@link startCluster}. */
export interface StartClusterOptions {
  kind: ServerKind
  /** Number of primaries (at least 3, the minimum `--cluster create` accepts). Default 3. */
  primaries?: number
  /** Replicas per primary. Default 1 (so 6 nodes by default). */
  replicasPerPrimary?: number
  /** Modules to load on every node. */
  modules?: readonly string[]
  /** Load RediSearch 2.4.16 from `../shared/modules/` on every node (see `StartServerOptions.search`). */
  search?: boolean
  /** Extra server arguments for every node (appended after the cluster flags). */
  args?: readonly string[]
  /** How long to wait for the cluster to become healthy. Default 30 000 ms. */
  readyTimeoutMs?: number
  /** See {@link StartServerOptions.serverBin}. */
  serverBin?: string
  /** See {@link StartServerOptions.cliBin}. */
  cliBin?: string
  /** `requirepass` (and `masterauth`) on every node; see {@link StartServerOptions.password}. */
  password?: string
  /** ACL users on every node; see {@link StartServerOptions.users}. */
  users?: readonly string[]
  /** TLS only, also on the cluster bus and for replication (`tls-cluster`, `tls-replication`). */
  tls?: ServerTlsOptions
}

/** A running Redis/Valkey cluster made of harness-owned servers. */
export interface ClusterHandle {
  readonly kind: ServerKind
  /** All nodes, in creation order (the first `primaries` were created as primaries). */
  readonly nodes: readonly ServerHandle[]
  /** Seed addresses for a cluster client. */
  readonly seeds: readonly { host: string; port: number }[]
  /**
   * Nodes that currently are primaries, asking every live node for its own role (roles change
   * on failover). Nodes that are down or do not answer within 2 s are omitted.
   */
  primaries(): Promise<ServerHandle[]>
  /** Nodes that currently are replicas (same rules as {@link ClusterHandle.primaries}). */
  replicas(): Promise<ServerHandle[]>
  /**
   * Waits until every node reports `cluster_state:ok`, knows all nodes with no
   * `fail`/`fail?`/`handshake`/`noaddr` flag, and every replica has `master_link_status:up`.
   * Useful after restarting a killed node. Default timeout 30 000 ms.
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>
  /** Stops every node and removes their temp dirs. */
  stop(): Promise<void>
}

const BAD_FLAGS = new Set(['fail', 'fail?', 'handshake', 'noaddr'])

/** The `myself` flags of a node, e.g. `['myself', 'master']`; undefined if it does not answer. */
async function ownFlags(node: ServerHandle, timeoutMs: number): Promise<string[] | undefined> {
  if (!node.running) return undefined
  try {
    const nodes = await sendCommand(node.port, ['CLUSTER', 'NODES'], { timeoutMs, ...node.admin })
    if (typeof nodes !== 'string') return undefined
    for (const line of nodes.split('\n')) {
      const flags = (line.split(' ')[2] ?? '').split(',')
      if (flags.includes('myself')) return flags
    }
  } catch {
    // down, sleeping, or not a cluster node
  }
  return undefined
}

const isPrimaryFlag = (f: string): boolean => f === 'master' || f === 'primary'
const isReplicaFlag = (f: string): boolean => f === 'slave' || f === 'replica'

/** Why a node is not healthy yet, or undefined if it is. */
async function nodeProblem(node: ServerHandle, total: number): Promise<string | undefined> {
  const where = `${HOST}:${node.port}`
  try {
    if (!node.running) return `${where}: process is not running`
    const opts = { timeoutMs: 2000, ...node.admin }
    const info = String(await sendCommand(node.port, ['CLUSTER', 'INFO'], opts))
    if (!/^cluster_state:ok\r?$/m.test(info)) return `${where}: cluster_state is not ok`
    const lines = String(await sendCommand(node.port, ['CLUSTER', 'NODES'], opts))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    if (lines.length !== total) return `${where}: knows ${lines.length}/${total} nodes`
    for (const line of lines) {
      const fields = line.split(' ')
      const bad = (fields[2] ?? '').split(',').filter((f) => BAD_FLAGS.has(f))
      if (bad.length > 0) return `${where}: sees ${fields[1]} as ${bad.join(',')}`
      if (fields[7] !== 'connected') return `${where}: link to ${fields[1]} is ${fields[7]}`
    }
    const replication = String(await sendCommand(node.port, ['INFO', 'replication'], opts))
    if (/^role:slave\r?$/m.test(replication) && !/^master_link_status:up\r?$/m.test(replication)) {
      return `${where}: replica link is not up`
    }
    return undefined
  } catch (err) {
    return `${where}: ${err instanceof Error ? err.message : String(err)}`
  }
}

async function waitUntilHealthy(
  nodes: readonly ServerHandle[],
  expectedPrimaries: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let problems: string[] = []
  for (;;) {
    problems = (await Promise.all(nodes.map((n) => nodeProblem(n, nodes.length)))).filter(
      (p): p is string => p !== undefined,
    )
    if (problems.length === 0) {
      const flags = await Promise.all(nodes.map((n) => ownFlags(n, 2000)))
      const primaries = flags.filter((f) => f?.some(isPrimaryFlag)).length
      if (primaries === expectedPrimaries) return
      problems = [`${primaries} primaries, expected ${expectedPrimaries}`]
    }
    if (Date.now() > deadline) {
      throw new Error(
        `cluster not healthy after ${timeoutMs} ms:\n  ${problems.slice(0, 10).join('\n  ')}`,
      )
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Starts `primaries * (1 + replicasPerPrimary)` cluster-enabled servers (6 by default) on
 * random ports (`--cluster-node-timeout 1000 --repl-diskless-sync-delay 0`, no persistence),
 * joins them with `redis-cli --cluster create ... --cluster-replicas N --cluster-yes`
 * (`valkey-cli` for valkey) and waits until the cluster is healthy (see
 * {@link ClusterHandle.waitUntilHealthy}). On failure every node is stopped.
 */
export async function startCluster(options: StartClusterOptions): Promise<ClusterHandle> {
  const { kind, primaries = 3, replicasPerPrimary = 1, readyTimeoutMs = 30_000 } = options
  if (!Number.isInteger(primaries) || primaries < 3) {
    throw new Error(`a cluster needs at least 3 primaries (got ${primaries})`)
  }
  if (!Number.isInteger(replicasPerPrimary) || replicasPerPrimary < 0) {
    throw new Error(`replicasPerPrimary must be a non-negative integer (got ${replicasPerPrimary})`)
  }
  const total = primaries * (1 + replicasPerPrimary)
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    '1000',
    '--repl-diskless-sync-delay',
    '0',
    ...(options.args ?? []),
  ]
  const started = await Promise.allSettled(
    Array.from({ length: total }, () =>
      startServer({
        kind,
        args,
        ...(options.modules ? { modules: options.modules } : {}),
        ...(options.search ? { search: true } : {}),
        ...(options.serverBin ? { serverBin: options.serverBin } : {}),
        ...(options.cliBin ? { cliBin: options.cliBin } : {}),
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(options.users ? { users: options.users } : {}),
        ...(options.tls ? { tls: options.tls } : {}),
      }),
    ),
  )
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()))
  }
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) {
    await stopAll()
    throw failed.reason
  }

  try {
    await nodes[0]!.cli(
      '--cluster',
      'create',
      ...nodes.map((n) => `${HOST}:${n.port}`),
      '--cluster-replicas',
      String(replicasPerPrimary),
      '--cluster-yes',
    )
    await waitUntilHealthy(nodes, primaries, readyTimeoutMs)
  } catch (err) {
    await stopAll()
    throw err
  }

  const byRole = async (isRole: (flag: string) => boolean): Promise<ServerHandle[]> => {
    const flags = await Promise.all(nodes.map((n) => ownFlags(n, 2000)))
    return nodes.filter((_, i) => flags[i]?.some(isRole))
  }
  return {
    kind,
    nodes,
    seeds: nodes.map((n) => ({ host: n.host, port: n.port })),
    primaries: () => byRole(isPrimaryFlag),
    replicas: () => byRole(isReplicaFlag),
    waitUntilHealthy: (timeoutMs = 30_000) => waitUntilHealthy(nodes, primaries, timeoutMs),
    stop: stopAll,
  }
}

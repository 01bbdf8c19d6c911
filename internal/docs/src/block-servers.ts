import {
  type ClusterHandle,
  getFreePort,
  HOST,
  type MemcachedHandle,
  type ServerHandle,
  startCluster,
  startMemcached,
  startServer,
} from '@cacheport/test-harness'

/**
 * The environment variables a block may read to find a server, and what the check starts for
 * each. A block declares what it needs just by reading the variable (with a default for
 * readers who run it by hand), e.g. `process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'`.
 */
export const SERVER_VARIABLES = {
  /** `redis://127.0.0.1:PORT` of a redis-server. */
  REDIS_URL: 'redis',
  /** The port of that redis-server (host 127.0.0.1). */
  REDIS_PORT: 'redis',
  /** Three URLs of that redis-server, databases 0, 1 and 2, comma-separated: three "servers". */
  REDIS_URLS: 'redis',
  /** `redis://127.0.0.1:PORT` of a valkey-server. */
  VALKEY_URL: 'valkey',
  /** The port of that valkey-server. */
  VALKEY_PORT: 'valkey',
  /** Three URLs of that valkey-server (databases 0, 1 and 2). */
  VALKEY_URLS: 'valkey',
  /** `127.0.0.1:P1,127.0.0.1:P2,...`: the primaries of a Redis cluster (3, no replicas). */
  REDIS_CLUSTER_NODES: 'redis-cluster',
  /** The same for a Valkey cluster. */
  VALKEY_CLUSTER_NODES: 'valkey-cluster',
  /** `127.0.0.1:PORT` of a memcached. */
  MEMCACHED_ADDRESS: 'memcached',
  /** A free port on 127.0.0.1 for a block that listens (a new one for each block). */
  PORT: 'port',
} as const

export type ServerVariable = keyof typeof SERVER_VARIABLES
type ServerKind = (typeof SERVER_VARIABLES)[ServerVariable]

/** The {@link SERVER_VARIABLES} a block's code reads (`process.env.NAME` or `['NAME']`). */
export function serverVariables(code: string): ServerVariable[] {
  const names = new Set<ServerVariable>()
  for (const m of code.matchAll(
    /process\.env(?:\.([A-Za-z_]\w*)|\[\s*['"]([A-Za-z_]\w*)['"]\s*\])/g,
  )) {
    const name = m[1] ?? m[2] ?? ''
    if (Object.hasOwn(SERVER_VARIABLES, name)) names.add(name as ServerVariable)
  }
  return [...names].sort()
}

/**
 * Servers shared by every block of a run, started on first need (a block that needs none costs
 * nothing) and emptied before each block that uses them. {@link BlockServers.stop} stops them.
 */
export class BlockServers {
  readonly #standalone = new Map<'redis' | 'valkey', Promise<ServerHandle>>()
  readonly #clusters = new Map<'redis' | 'valkey', Promise<ClusterHandle>>()
  #memcached: Promise<MemcachedHandle> | undefined

  /** Starts (or reuses) what `variables` need, empties them, and returns the env to set. */
  async environment(variables: readonly ServerVariable[]): Promise<Record<string, string>> {
    const env: Record<string, string> = {}
    for (const variable of variables) {
      const kind: ServerKind = SERVER_VARIABLES[variable]
      if (kind === 'redis' || kind === 'valkey') {
        const server = await this.#server(kind)
        await server.command('FLUSHALL')
        env[variable] = variable.endsWith('_URLS')
          ? [server.url, `${server.url}/1`, `${server.url}/2`].join(',')
          : variable.endsWith('_URL')
            ? server.url
            : String(server.port)
      } else if (kind === 'redis-cluster' || kind === 'valkey-cluster') {
        const cluster = await this.#cluster(kind === 'redis-cluster' ? 'redis' : 'valkey')
        for (const node of cluster.nodes) await node.command('FLUSHALL')
        env[variable] = cluster.seeds.map((s) => `${s.host}:${s.port}`).join(',')
      } else if (kind === 'memcached') {
        this.#memcached ??= startMemcached()
        env[variable] = `${HOST}:${(await this.#memcached).port}`
      } else {
        env[variable] = String(await getFreePort())
      }
    }
    return env
  }

  #server(kind: 'redis' | 'valkey'): Promise<ServerHandle> {
    let server = this.#standalone.get(kind)
    if (server === undefined) {
      server = startServer({ kind })
      this.#standalone.set(kind, server)
    }
    return server
  }

  #cluster(kind: 'redis' | 'valkey'): Promise<ClusterHandle> {
    let cluster = this.#clusters.get(kind)
    if (cluster === undefined) {
      cluster = startCluster({ kind, primaries: 3, replicasPerPrimary: 0 })
      this.#clusters.set(kind, cluster)
    }
    return cluster
  }

  /** Stops every server this instance started. */
  async stop(): Promise<void> {
    const stops: Promise<void>[] = []
    for (const s of this.#standalone.values()) stops.push(s.then((h) => h.stop()))
    for (const c of this.#clusters.values()) stops.push(c.then((h) => h.stop()))
    if (this.#memcached !== undefined) stops.push(this.#memcached.then((h) => h.stop()))
    await Promise.allSettled(stops)
  }
}

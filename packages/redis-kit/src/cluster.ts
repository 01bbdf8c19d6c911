import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { CacheConfigError, CacheUnavailableError } from '@cacheport/core'
import { duplicableOf, linkOptions, type RedisClusterLike } from './client.js'
import type { RedisStandaloneOptions } from './connection.js'
import { namingConnectFailure, probeTls } from './errors.js'
import type { NodeAddress } from './link.js'
import { CLUSTER_OPTION_NAMES, checkProviderOptionNames } from './option-names.js'
import {
  checkInvalidationMode,
  connectRedisFamilyProvider,
  type RedisFamilyProvider,
} from './provider.js'

/** A seed node: `'host:port'` or `{ host, port }`. */
export type ClusterSeed = string | { readonly host: string; readonly port: number }

/** Options every Redis-family Cluster provider accepts (provider-redis-cluster, provider-valkey-cluster). */
export interface RedisClusterOptions
  extends Pick<
    RedisStandaloneOptions,
    | 'username'
    | 'password'
    | 'tls'
    | 'clientName'
    | 'keyPrefix'
    | 'timeouts'
    | 'allowUnsafeFlush'
    | 'connectTimeoutMs'
    | 'invalidation'
  > {
  /** Seed nodes; the client discovers the rest. */
  readonly nodes?: readonly ClusterSeed[]
  /** Where reads go: `master` (default), `slave` (replicas) or `all`. */
  readonly scaleReads?: 'master' | 'slave' | 'all'
  /**
   * Hash slots one namespace spreads over (the `{ns:bucket}` hash tags). More buckets spread
   * a namespace's keys over more nodes; each tag invalidation runs one script per bucket.
   * Default 64.
   */
  readonly buckets?: number
  /** Bring your own connected Cluster client instead of `nodes`; the provider never closes it. */
  readonly client?: RedisClusterLike
}

/** Client options shared by ioredis and iovalkey `Cluster`, derived from `RedisClusterOptions`. */
export interface ClusterClientOptions {
  scaleReads: 'master' | 'slave' | 'all'
  lazyConnect: true
  enableAutoPipelining: true
  /**
   * Scripts bypass auto-pipelining on clusters: iovalkey 0.4 groups an auto-pipelined EVALSHA
   * by its first argument (the SHA) instead of its first key, which mixes slots in one
   * pipeline. Sent on their own, scripts are routed by their keys.
   */
  autoPipeliningIgnoredCommands: string[]
  /** Off: while no node is reachable, calls fail at once instead of waiting out their timeout. */
  enableOfflineQueue: false
  maxRedirections: number
  retryDelayOnFailover: number
  retryDelayOnClusterDown: number
  retryDelayOnTryAgain: number
  retryDelayOnMoved: number
  slotsRefreshTimeout: number
  clusterRetryStrategy: (times: number) => number
  redisOptions: {
    username?: string
    password?: string
    tls?: TlsOptions
    connectionName?: string
    connectTimeout: number
    maxRetriesPerRequest: number
    enableOfflineQueue: false
  }
}

/** Normalises seeds to `{ host, port }`. Throws `CacheConfigError` for a malformed seed. */
export function parseSeeds(seeds: readonly ClusterSeed[]): { host: string; port: number }[] {
  if (seeds.length === 0)
    throw new CacheConfigError('INVALID_OPTION', 'a cluster needs at least one seed node')
  return seeds.map((seed) => {
    const { host, port } =
      typeof seed === 'string'
        ? (() => {
            const i = seed.lastIndexOf(':')
            return {
              host: seed.slice(0, i).replace(/^\[|\]$/g, ''),
              port: Number(seed.slice(i + 1)),
            }
          })()
        : seed
    if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `seed node '${JSON.stringify(seed)}' is not host:port`,
      )
    }
    return { host, port }
  })
}

/** Client options for a Cluster client. */
export function clusterClientOptions(options: RedisClusterOptions): ClusterClientOptions {
  const tls = options.tls === true ? {} : options.tls === false ? undefined : options.tls
  return {
    scaleReads: options.scaleReads ?? 'master',
    lazyConnect: true,
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: ['evalsha', 'eval'],
    // Like standalone: while no node is reachable, calls fail at once (CacheUnavailableError)
    // instead of queueing until their timeout. Slot moves and failovers are retried by the
    // client (MOVED, TRYAGAIN, CLUSTERDOWN delays) while the cluster is up.
    enableOfflineQueue: false,
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    retryDelayOnMoved: 0,
    slotsRefreshTimeout: 2_000,
    clusterRetryStrategy: (times) => Math.min(100 * times, 1_000),
    redisOptions: {
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(tls !== undefined ? { tls } : {}),
      ...(options.clientName !== undefined ? { connectionName: options.clientName } : {}),
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      maxRetriesPerRequest: 3,
      // A node that is down fails its commands at once; the cluster client then retries
      // them elsewhere after a failover, or fails the call.
      enableOfflineQueue: false,
    },
  }
}

/**
 * Defines the factory of a Cluster provider from a Cluster client constructor: the whole of
 * provider-redis-cluster and provider-valkey-cluster. The factory connects, PINGs every
 * primary, and rejects with `CacheUnavailableError` when no primary answers (naming the cause
 * when it is a refused password, an ACL denial or an untrusted TLS certificate).
 */
export function defineClusterProvider(
  kind: string,
  createClient: (
    seeds: { host: string; port: number }[],
    options: ClusterClientOptions,
  ) => RedisClusterLike,
): (options: RedisClusterOptions) => Promise<RedisFamilyProvider> {
  return async (options) => {
    if (options === undefined) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `${kind} provider needs options: { nodes } or { client }`,
      )
    }
    checkProviderOptionNames(options, CLUSTER_OPTION_NAMES, `${kind} provider options`)
    const own = options.client === undefined
    if (own === (options.nodes === undefined)) {
      throw new CacheConfigError('INVALID_OPTION', 'give exactly one of nodes or client')
    }
    checkInvalidationMode(options.invalidation)
    const seeds = own ? parseSeeds(options.nodes ?? []) : []
    const client = options.client ?? createClient(seeds, clusterClientOptions(options))
    const primaries = async () => client.nodes('master')
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000
    // ioredis Cluster swallows its nodes' TLS errors: ask the first seed why, on failure.
    const clientTls = own ? clusterClientOptions(options).redisOptions.tls : undefined
    const seed = seeds[0]
    const tlsProbe =
      clientTls !== undefined && seed !== undefined
        ? () => probeTls(seed.host, seed.port, clientTls, Math.min(connectTimeoutMs, 1_000))
        : undefined
    return namingConnectFailure(
      client,
      async () => {
        const provider = await connectRedisFamilyProvider({
          kind,
          client,
          ownsClient: own,
          buckets: options.buckets ?? 64,
          dataNodes: primaries,
          retryTopologyErrors: true,
          // Rejects when no node can be reached (the client lost every connection, or no
          // node answered the reload), so callers fail at once instead of retrying.
          refreshTopology: () =>
            client.status === 'reconnecting' || client.status === 'end'
              ? Promise.reject(new CacheUnavailableError('no node of the cluster is reachable'))
              : new Promise<void>((resolve, reject) => {
                  const timer = setTimeout(resolve, 1_000)
                  client.refreshSlotsCache((error) => {
                    clearTimeout(timer)
                    if (error) reject(error)
                    else resolve()
                  })
                }),
          ...(options.keyPrefix !== undefined ? { keyPrefix: options.keyPrefix } : {}),
          ...(options.timeouts !== undefined ? { timeouts: options.timeouts } : {}),
          allowUnsafeFlush: options.allowUnsafeFlush === true,
          connectTimeoutMs,
          ...(options.invalidation !== undefined ? { invalidation: options.invalidation } : {}),
          shardedPubSub: true,
          primaries: () => client.nodes('master').flatMap((node) => addressOf(node) ?? []),
          // A node's connection, duplicated, opens a connection to any other node with the same
          // credentials and TLS options.
          openLink: (address) => {
            const base = client
              .nodes('all')
              .map(duplicableOf)
              .find((node) => node !== undefined)
            if (base === undefined) {
              throw new CacheUnavailableError(`the ${kind} client knows no node to connect to`)
            }
            return base.duplicate(linkOptions(address, connectTimeoutMs))
          },
          target: own
            ? seeds.map((s) => `${s.host}:${s.port}`).join(',')
            : 'the given cluster client',
        })
        try {
          const nodes = await primaries()
          if (nodes.length === 0) throw new Error('the cluster reports no primary')
          await Promise.all(nodes.map((node) => node.ping()))
        } catch (error) {
          await provider.close()
          throw new CacheUnavailableError(
            `cannot reach every primary of the ${kind}: ${(error as Error).message}`,
            {
              cause: error,
            },
          )
        }
        return provider
      },
      tlsProbe,
    )
  }
}

/** The address of a cluster client's node connection (ioredis and iovalkey keep `options`). */
function addressOf(node: unknown): NodeAddress | undefined {
  const options = (node as { options?: { host?: unknown; port?: unknown } }).options
  if (typeof options?.host !== 'string' || typeof options.port !== 'number') return undefined
  return { host: options.host, port: options.port }
}

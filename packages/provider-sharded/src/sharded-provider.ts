import {
  type BytesStore,
  CacheClosedError,
  type CacheProvider,
  CacheUnsupportedError,
  type DistributedLock,
  type LiveStore,
  type OpenStoreOptions,
  type ProviderHealth,
  type ProviderUsage,
  type Store,
} from '@cacheport/core'
import { HashRing } from './hash-ring.js'
import { GuardedStore, NodeGuard } from './node-guard.js'
import { resolveShardedOptions, type ShardedProviderOptions } from './sharded-options.js'
import { ShardedBus, ShardedLock } from './sharded-ports.js'
import { ShardedStore } from './sharded-store.js'

/** A provider over several nodes; `nodeOf` tells where a key lives. */
export interface ShardedProvider extends CacheProvider {
  /** The node names, in the order of the options. */
  readonly nodeNames: readonly string[]
  /** The name of the node that holds `key` of `namespace` (its value and its lock). */
  nodeOf(namespace: string, key: string): string
}

/**
 * A provider that spreads keys over several independent providers (three standalone Redis
 * servers, say) by a weighted consistent hash with virtual nodes, as go-zero's cache does.
 * Each key of each namespace belongs to one node, which holds its value and its lock; calls on
 * many keys are split per node; tags, `clear` and `keys` reach every node; invalidations go
 * over the bus of one node (`busNode`). Capabilities are what every node declares (`search`
 * is never declared). `close()` closes the node providers unless `closeNodes: false`.
 * Throws `CacheConfigError` (`INVALID_OPTION`) for bad options (see `ShardedProviderOptions`)
 * and `CacheTtlError` for a bad `nodeBreaker.cooldown`. Its `openStore` throws
 * `CacheClosedError` once closed and `CacheUnsupportedError` for a search schema.
 */
export function shardedProvider(options: ShardedProviderOptions): ShardedProvider {
  const resolved = resolveShardedOptions(options)
  const { nodes, capabilities, name } = resolved
  const ring = new HashRing(nodes, { virtualNodesPer100: resolved.virtualNodes })
  const providers = nodes.map((node) => node.provider)
  const stores = new Map<string, ShardedStore<unknown>>()
  let closing: Promise<void> | undefined
  const busProvider = (nodes[resolved.busNode] as (typeof nodes)[number]).provider
  const bus =
    capabilities.bus && busProvider.bus !== undefined
      ? new ShardedBus(busProvider.bus, nodes.length)
      : undefined
  const breaker = resolved.nodeBreaker
  const guards = nodes.map((node) =>
    breaker === undefined ? undefined : new NodeGuard(node.name, breaker),
  )
  const lock = capabilities.lock
    ? new ShardedLock(
        ring,
        providers.map((p) => p.lock as DistributedLock),
        guards,
      )
    : undefined
  const usage = providers.every((p) => typeof p.usage === 'function')
    ? () => sumUsage(providers)
    : undefined

  const provider: ShardedProvider = {
    kind: name,
    capabilities,
    nodeNames: nodes.map((node) => node.name),
    nodeOf(namespace: string, key: string): string {
      return (nodes[ring.memberOf(namespace, key)] as (typeof nodes)[number]).name
    },
    openStore(open: OpenStoreOptions): BytesStore | LiveStore {
      if (closing !== undefined) throw new CacheClosedError(`provider '${name}'`)
      if (open.search !== undefined) {
        throw new CacheUnsupportedError(
          'search',
          `provider '${name}' does not declare the 'search' capability`,
        )
      }
      const { namespace } = open
      let store = stores.get(namespace)
      if (store === undefined) {
        store = new ShardedStore<unknown>({
          namespace,
          kind: capabilities.values,
          ring,
          stores: providers.map((p, i) => {
            const store = p.openStore({ namespace }) as Store<unknown>
            const guard = guards[i]
            return guard === undefined ? store : new GuardedStore(store, guard)
          }),
          capabilities,
        })
        stores.set(namespace, store)
      }
      return store as BytesStore | LiveStore
    },
    health: () => aggregateHealth(nodes),
    close(): Promise<void> {
      closing ??= resolved.closeNodes ? closeAll(providers) : Promise.resolve()
      return closing
    },
    ...(bus !== undefined ? { bus } : {}),
    ...(lock !== undefined ? { lock } : {}),
    ...(usage !== undefined ? { usage } : {}),
  }
  return provider
}

/**
 * Healthy when every node is; the latency is the slowest node's, and the details name every
 * unhealthy node with its own details.
 */
async function aggregateHealth(
  nodes: readonly { readonly name: string; readonly provider: CacheProvider }[],
): Promise<ProviderHealth> {
  const healths = await Promise.all(
    nodes.map((node) =>
      node.provider.health().catch(
        (error: unknown): ProviderHealth => ({
          healthy: false,
          details: error instanceof Error ? error.message : String(error),
        }),
      ),
    ),
  )
  const sick = healths.flatMap((health, i) =>
    health.healthy
      ? []
      : [`node '${(nodes[i] as (typeof nodes)[number]).name}': ${health.details ?? 'unhealthy'}`],
  )
  const latencies = healths.flatMap((health) =>
    health.latencyMs === undefined ? [] : [health.latencyMs],
  )
  return {
    healthy: sick.length === 0,
    ...(latencies.length > 0 ? { latencyMs: Math.max(...latencies) } : {}),
    details:
      sick.length === 0
        ? `${nodes.length} nodes healthy`
        : `${sick.length} of ${nodes.length} nodes unhealthy: ${sick.join('; ')}`,
  }
}

/** Closes every node provider, all of them even when one fails; rejects with the first failure. */
async function closeAll(providers: readonly CacheProvider[]): Promise<void> {
  const results = await Promise.allSettled(providers.map((p) => p.close()))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}

function sumUsage(providers: readonly CacheProvider[]): ProviderUsage {
  let size = 0
  let weight = 0
  let maximum = 0
  const removals = { explicit: 0, replaced: 0, expired: 0, evicted: 0 }
  for (const p of providers) {
    const u = (p.usage as () => ProviderUsage)()
    size += u.size
    weight += u.weight
    maximum += u.maximum
    removals.explicit += u.removals.explicit
    removals.replaced += u.removals.replaced
    removals.expired += u.removals.expired
    removals.evicted += u.removals.evicted
  }
  return { size, weight, maximum, removals }
}

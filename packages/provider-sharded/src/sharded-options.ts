import {
  type BreakerSettings,
  CacheConfigError,
  type CacheProvider,
  checkOptionsObject,
  type Duration,
  describeOption,
  integerOption,
  invalidOption,
  isRecord,
  type ProviderCapabilities,
  parseDuration,
} from '@cacheport/core'

/** One node of a sharded provider. */
export interface ShardNode {
  /**
   * Stable name, 1-100 characters, unique in `nodes`. It is hashed into the node's ring
   * points: keep it when the node's address changes, or its keys move.
   */
  readonly name: string
  /** The node's provider (a standalone Redis provider, a memory provider, ...). */
  readonly provider: CacheProvider
  /** Share of the keys relative to the other nodes, an integer from 1 to 1,000. Default 100. */
  readonly weight?: number
}

/** Options of `shardedProvider`. */
export interface ShardedProviderOptions {
  /** The nodes, at least one. Every process must list the same names and weights. */
  readonly nodes: readonly ShardNode[]
  /**
   * Ring points (virtual nodes) of a node of weight 100; a node gets `weight / 100` of it.
   * An integer from 1 to 10,000. Default 1,000 (go-zero uses 100: with 100, a third of
   * three-node rings miss a node's weighted share by more than 10%; see the README).
   */
  readonly virtualNodes?: number
  /**
   * Name of the node whose bus carries every invalidation of this provider (all processes
   * must agree). Default: the first node. See the README for why one node and not all.
   */
  readonly busNode?: string
  /**
   * A circuit breaker per node: after `failures` consecutive backend failures of one node
   * (default 5), that node's reads are misses and its writes are refused with
   * `CacheUnavailableError` for `cooldown` (default 10 s), then one call probes it; the other
   * nodes are untouched. Default off: a call on a node that is down fails with the node's error.
   * Turn it on with a namespace `breaker`, so one node down does not open the namespace's
   * breaker for every key (see the README).
   */
  readonly nodeBreaker?: boolean | { readonly failures?: number; readonly cooldown?: Duration }
  /** `close()` closes every node's provider. Default `true`. */
  readonly closeNodes?: boolean
  /** The provider's `kind`, in messages. Default `sharded`. */
  readonly name?: string
}

/** Options after validation. */
export interface ResolvedShardedOptions {
  readonly nodes: readonly Required<ShardNode>[]
  readonly virtualNodes: number
  /** Index of the bus node in `nodes`. */
  readonly busNode: number
  readonly closeNodes: boolean
  readonly name: string
  /** The settings of each node's breaker; `undefined` for none. */
  readonly nodeBreaker: BreakerSettings | undefined
  readonly capabilities: ProviderCapabilities
}

const KNOWN = ['nodes', 'virtualNodes', 'busNode', 'nodeBreaker', 'closeNodes', 'name'] as const
const BREAKER_KNOWN = ['failures', 'cooldown'] as const
const NODE_KNOWN = ['name', 'provider', 'weight'] as const
const WHERE = 'shardedProvider'
/** The most nodes a ring may have. */
export const MAX_NODES = 1000
/** The most points a ring may hold (about 1 s to build and 12 MB): weights × `virtualNodes` / 100, summed. */
export const MAX_RING_POINTS = 1_000_000

/**
 * Validates `shardedProvider`'s options and works out the capabilities. Throws
 * `CacheConfigError` (`INVALID_OPTION`) for a missing or unknown option, a node that is not
 * `{ name, provider, weight? }`, a duplicate name, a weight or `virtualNodes` out of range, a
 * ring over `MAX_RING_POINTS`, an unknown `busNode`, or nodes whose providers hold different
 * value kinds; `CacheTtlError` for a bad `nodeBreaker.cooldown`.
 */
export function resolveShardedOptions(options: unknown): ResolvedShardedOptions {
  checkOptionsObject(options, KNOWN, WHERE)
  if (options === undefined) invalidOption(`${WHERE}: options with \`nodes\` are required`)
  const list = options.nodes
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_NODES) {
    invalidOption(
      `${WHERE}: \`nodes\` must be an array of 1 to ${MAX_NODES} nodes, got ${describeOption(list)}`,
    )
  }
  const names = new Set<string>()
  const nodes = list.map((node: unknown, i: number): Required<ShardNode> => {
    const where = `${WHERE}: nodes[${i}]`
    if (!isRecord(node))
      invalidOption(`${where} must be { name, provider, weight? }, got ${describeOption(node)}`)
    checkOptionsObject(node, NODE_KNOWN, WHERE, `nodes[${i}].`)
    const { name, provider } = node
    if (typeof name !== 'string' || name.length === 0 || name.length > 100) {
      invalidOption(
        `${where}.name must be a string of 1 to 100 characters, got ${describeOption(name)}`,
      )
    }
    if (names.has(name)) invalidOption(`${where}.name '${name}' is used by another node`)
    names.add(name)
    if (!isProvider(provider)) invalidOption(`${where}.provider must be a CacheProvider`)
    const weight = integerOption(node.weight, 100, 1, 1000, `${where}.weight`)
    return { name, provider, weight }
  })
  const virtualNodes = integerOption(
    options.virtualNodes,
    1000,
    1,
    10_000,
    `${WHERE}: \`virtualNodes\``,
  )
  let points = 0
  for (const node of nodes) {
    const count = Math.round((node.weight * virtualNodes) / 100)
    if (count < 1) {
      invalidOption(
        `${WHERE}: node '${node.name}' (weight ${node.weight}) gets no virtual node with virtualNodes ${virtualNodes}; raise either`,
      )
    }
    points += count
  }
  if (points > MAX_RING_POINTS) {
    invalidOption(
      `${WHERE}: the ring would hold ${points} points (more than ${MAX_RING_POINTS}); lower \`virtualNodes\` or the weights`,
    )
  }
  let busNode = 0
  if (options.busNode !== undefined) {
    busNode = nodes.findIndex((node) => node.name === options.busNode)
    if (busNode < 0)
      invalidOption(`${WHERE}: \`busNode\` ${describeOption(options.busNode)} names no node`)
  }
  if (options.closeNodes !== undefined && typeof options.closeNodes !== 'boolean') {
    invalidOption(`${WHERE}: \`closeNodes\` must be a boolean`)
  }
  const name = options.name ?? 'sharded'
  if (typeof name !== 'string' || name.length === 0 || name.length > 100) {
    invalidOption(`${WHERE}: \`name\` must be a string of 1 to 100 characters`)
  }
  return {
    nodes,
    virtualNodes,
    busNode,
    closeNodes: options.closeNodes ?? true,
    name,
    nodeBreaker: resolveNodeBreaker(options.nodeBreaker),
    capabilities: combinedCapabilities(nodes, busNode),
  }
}

function resolveNodeBreaker(option: unknown): BreakerSettings | undefined {
  if (option === undefined || option === false) return undefined
  if (option === true) return { failures: 5, cooldownMs: 10_000 }
  if (!isRecord(option)) {
    invalidOption(`${WHERE}: \`nodeBreaker\` must be a boolean or { failures?, cooldown? }`)
  }
  checkOptionsObject(option, BREAKER_KNOWN, WHERE, 'nodeBreaker.')
  const failures = integerOption(
    option.failures,
    5,
    1,
    1_000_000,
    `${WHERE}: \`nodeBreaker.failures\``,
  )
  const cooldown = option.cooldown ?? 10_000
  if (typeof cooldown !== 'number' && typeof cooldown !== 'string') {
    invalidOption(
      `${WHERE}: \`nodeBreaker.cooldown\` must be a duration (ms or a string such as '10s')`,
    )
  }
  return { failures, cooldownMs: parseDuration(cooldown, 'nodeBreaker.cooldown') }
}

/**
 * What the sharded provider can do: what every node declares (`values` must agree), the bus
 * of the bus node when it is a pub/sub bus, and never `search` (a query would have to be
 * scattered to every node and its pages merged; not done).
 */
function combinedCapabilities(
  nodes: readonly Required<ShardNode>[],
  busNode: number,
): ProviderCapabilities {
  const first = nodes[0] as Required<ShardNode>
  const values = first.provider.capabilities.values
  for (const node of nodes) {
    if (node.provider.capabilities.values !== values) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `${WHERE}: node '${node.name}' holds '${node.provider.capabilities.values}' values and node '${first.name}' '${values}': every node must hold the same kind`,
      )
    }
  }
  const every = (capability: 'nativeTtl' | 'tags' | 'compute' | 'iterate' | 'lock') =>
    nodes.every(
      (node) =>
        node.provider.capabilities[capability] === true &&
        (capability !== 'lock' || node.provider.lock !== undefined),
    )
  const bus = (nodes[busNode] as Required<ShardNode>).provider
  return {
    values,
    nativeTtl: every('nativeTtl'),
    tags: every('tags'),
    compute: every('compute'),
    iterate: every('iterate'),
    bus: bus.capabilities.bus === true && bus.bus !== undefined && bus.bus.mode === 'pubsub',
    lock: every('lock'),
    search: false,
  }
}

function isProvider(value: unknown): value is CacheProvider {
  return (
    isRecord(value) &&
    typeof value.openStore === 'function' &&
    typeof value.health === 'function' &&
    typeof value.close === 'function' &&
    isRecord(value.capabilities)
  )
}

/**
 * @cacheport/prometheus: a prom-client collector that reads every namespace's `stats()` and
 * every in-process provider's `usage()` when Prometheus scrapes. Nothing is counted twice and
 * the cache's hot path pays nothing: the numbers are core's own counters.
 */
import type { CacheService, CacheStats } from '@cacheport/core'
import { register as defaultRegistry, type Registry } from 'prom-client'

/** Options of `cacheportCollector`. */
export interface PrometheusCollectorOptions {
  /** The service whose namespaces and providers are exposed. */
  readonly service: CacheService
  /** Where to register. Default: prom-client's global registry. */
  readonly registry?: Registry
  /** Prefix of every metric name. Default `cacheport_`. */
  readonly prefix?: string
}

/** What `cacheportCollector` returns. */
export interface PrometheusCollector {
  /** The names of the registered metrics. */
  readonly metricNames: readonly string[]
  /** Removes the metrics from the registry. Idempotent. */
  close(): void
}

type Labels = Record<string, string | number>
interface Value {
  readonly value: number
  readonly labels: Labels
  readonly metricName?: string
}
interface Definition {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  /** The values of this metric, computed from the current stats. */
  values(read: Snapshot): Value[]
}
interface Snapshot {
  readonly namespaces: readonly { readonly name: string; readonly stats: CacheStats }[]
  readonly providers: readonly {
    readonly name: string
    readonly usage: NonNullable<
      ReturnType<NonNullable<ReturnType<CacheService['provider']>['usage']>>
    >
  }[]
}

const BREAKER_STATE = { closed: 0, 'half-open': 1, open: 2 } as const

/** One value per namespace and label set. */
function perNamespace(fn: (s: CacheStats) => readonly [Labels, number][]) {
  return (read: Snapshot): Value[] =>
    read.namespaces.flatMap(({ name, stats }) =>
      fn(stats).map(([labels, value]) => ({ value, labels: { namespace: name, ...labels } })),
    )
}

/** The metrics, with their names after the prefix. */
function definitions(prefix: string): Definition[] {
  const counter = (
    name: string,
    help: string,
    values: (read: Snapshot) => Value[],
  ): Definition => ({ name: `${prefix}${name}`, help, type: 'counter', values })
  return [
    counter(
      'cache_lookups_total',
      'Cache reads by result: hit (fresh), stale (served within grace), joined (joined a read or load in flight), miss.',
      perNamespace((s) => [
        [{ result: 'hit' }, s.hits - s.joinedHits - s.staleHits],
        [{ result: 'stale' }, s.staleHits],
        [{ result: 'joined' }, s.joinedHits],
        [{ result: 'miss' }, s.misses],
      ]),
    ),
    counter(
      'cache_tier_requests_total',
      'Reads that reached a tier (l1: in-process, l2: the provider), by result.',
      perNamespace((s) =>
        (['l1', 'l2'] as const).flatMap((tier): [Labels, number][] => [
          [{ tier, result: 'hit' }, s.tiers[tier].hits],
          [{ tier, result: 'miss' }, s.tiers[tier].requests - s.tiers[tier].hits],
        ]),
      ),
    ),
    counter(
      'cache_loads_total',
      'Loader calls by result (ok, error).',
      perNamespace((s) => [
        [{ result: 'ok' }, s.loads - s.loadErrors],
        [{ result: 'error' }, s.loadErrors],
      ]),
    ),
    {
      name: `${prefix}cache_load_duration_seconds`,
      help: 'Duration of loader calls.',
      type: 'histogram',
      values: (read) =>
        read.namespaces.flatMap(({ name, stats }) => {
          const h = stats.loadDuration
          const out: Value[] = []
          let cumulative = 0
          h.bucketsMs.forEach((ms, i) => {
            cumulative += h.counts[i] ?? 0
            out.push({
              metricName: `${prefix}cache_load_duration_seconds_bucket`,
              value: cumulative,
              labels: { namespace: name, le: ms / 1000 },
            })
          })
          out.push(
            {
              metricName: `${prefix}cache_load_duration_seconds_bucket`,
              value: h.count,
              labels: { namespace: name, le: '+Inf' },
            },
            {
              metricName: `${prefix}cache_load_duration_seconds_sum`,
              value: h.sumMs / 1000,
              labels: { namespace: name },
            },
            {
              metricName: `${prefix}cache_load_duration_seconds_count`,
              value: h.count,
              labels: { namespace: name },
            },
          )
          return out
        }),
    },
    counter(
      'cache_refreshes_total',
      'Background refreshes started, by kind (ahead: refresh-ahead, stale: within grace).',
      perNamespace((s) => [
        [{ kind: 'ahead' }, s.refreshes.ahead],
        [{ kind: 'stale' }, s.refreshes.stale],
      ]),
    ),
    counter(
      'cache_writes_total',
      'Entries written.',
      perNamespace((s) => [[{}, s.writes]]),
    ),
    counter(
      'cache_deletes_total',
      'Entries deleted on request.',
      perNamespace((s) => [[{}, s.deletes]]),
    ),
    counter(
      'cache_invalidations_total',
      'Invalidations by reason (tags, clear, remote: received on the bus).',
      perNamespace((s) => Object.entries(s.invalidations).map(([reason, n]) => [{ reason }, n])),
    ),
    counter(
      'cache_errors_total',
      'Failures that did not fail the call (error events), by code.',
      perNamespace((s) => Object.entries(s.errors).map(([code, n]) => [{ code }, n])),
    ),
    {
      name: `${prefix}breaker_state`,
      help: 'L2 circuit breaker state: 0 closed, 1 half-open, 2 open (namespaces with a breaker).',
      type: 'gauge',
      values: perNamespace((s) =>
        s.breaker.state === 'none' ? [] : [[{}, BREAKER_STATE[s.breaker.state]]],
      ),
    },
    counter(
      'breaker_transitions_total',
      'L2 circuit breaker transitions, by the state entered.',
      perNamespace((s) =>
        s.breaker.state === 'none'
          ? []
          : [
              [{ state: 'open' }, s.breaker.opened],
              [{ state: 'half-open' }, s.breaker.halfOpened],
              [{ state: 'closed' }, s.breaker.closed],
            ],
      ),
    ),
    counter(
      'bus_messages_total',
      'Invalidation bus events: published, publish_failed, publish_retry, publish_given_up, received, interrupted, resumed.',
      perNamespace((s) => [
        [{ event: 'published' }, s.bus.published],
        [{ event: 'publish_failed' }, s.bus.publishFailures],
        [{ event: 'publish_retry' }, s.bus.publishRetries],
        [{ event: 'publish_given_up' }, s.bus.publishGiveUps],
        [{ event: 'received' }, s.bus.received],
        [{ event: 'interrupted' }, s.bus.interruptions],
        [{ event: 'resumed' }, s.bus.resumptions],
      ]),
    ),
    counter(
      'lock_events_total',
      'Distributed lock events: acquired, wait, timeout, failure.',
      perNamespace((s) => [
        [{ event: 'acquired' }, s.lock.acquired],
        [{ event: 'wait' }, s.lock.waits],
        [{ event: 'timeout' }, s.lock.timeouts],
        [{ event: 'failure' }, s.lock.failures],
      ]),
    ),
    {
      name: `${prefix}memory_entries`,
      help: 'Entries held by an in-process provider.',
      type: 'gauge',
      values: (read) =>
        read.providers.map((p) => ({ value: p.usage.size, labels: { provider: p.name } })),
    },
    {
      name: `${prefix}memory_weight`,
      help: 'Weight held by an in-process provider (the entry count without a weigher).',
      type: 'gauge',
      values: (read) =>
        read.providers.map((p) => ({ value: p.usage.weight, labels: { provider: p.name } })),
    },
    counter(
      'memory_removals_total',
      'Entries removed from an in-process provider, by cause (explicit, replaced, expired, evicted).',
      (read) =>
        read.providers.flatMap((p) =>
          Object.entries(p.usage.removals).map(([cause, value]) => ({
            value,
            labels: { provider: p.name, cause },
          })),
        ),
    ),
  ]
}

/**
 * Registers cacheport's metrics on a prom-client registry; they are computed from the
 * service's stats on every scrape. Throws `TypeError` for a missing service or a prefix that
 * is not a valid metric name start, and prom-client's `Error` when a name is already registered.
 */
export function cacheportCollector(options: PrometheusCollectorOptions): PrometheusCollector {
  const { service } = options
  if (service === undefined || typeof service.namespaces !== 'function') {
    throw new TypeError('cacheportCollector: option service must be a CacheService')
  }
  const prefix = options.prefix ?? 'cacheport_'
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw new TypeError(`cacheportCollector: prefix '${prefix}' is not a valid metric name start`)
  }
  const registry = options.registry ?? defaultRegistry
  // One snapshot per scrape, shared by every metric of that scrape.
  let cached: { at: number; snapshot: Snapshot } | undefined
  const read = (): Snapshot => {
    const now = performance.now()
    if (cached !== undefined && now - cached.at < 50) return cached.snapshot
    const snapshot: Snapshot = {
      namespaces: service.namespaces().map((c) => ({ name: c.namespace, stats: c.stats() })),
      providers: service.providerNames.flatMap((name) => {
        const usage = service.provider(name).usage?.()
        return usage === undefined ? [] : [{ name, usage }]
      }),
    }
    cached = { at: now, snapshot }
    return snapshot
  }
  const metrics = definitions(prefix).map((d) => ({
    name: d.name,
    help: d.help,
    type: d.type,
    aggregator: 'sum' as const,
    get: async () => ({
      name: d.name,
      help: d.help,
      type: d.type,
      aggregator: 'sum' as const,
      values: d.values(read()),
    }),
    reset() {},
  }))
  for (const m of metrics) registry.registerMetric(m as never)
  let closed = false
  return {
    metricNames: metrics.map((m) => m.name),
    close() {
      if (closed) return
      closed = true
      for (const m of metrics) registry.removeSingleMetric(m.name)
    },
  }
}

import { tracingChannel } from 'node:diagnostics_channel'
import {
  CACHE_OPERATIONS,
  type CacheLoadMessage,
  type CacheOperationMessage,
  type CacheService,
  type CacheStats,
  CHANNEL_NAMES,
} from '@cacheport/core'
import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api'
import type { AttributeNames } from './attributes.js'

/** Histogram buckets for durations, seconds (cacheport's load buckets, in seconds). */
const DURATION_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]

const BREAKER_STATE = { closed: 0, 'half-open': 1, open: 2 } as const

/**
 * Registers cacheport's metrics on `meter`. Counters and gauges are observable: they read
 * every namespace's `stats()` (and every provider's `usage()`) when the SDK collects, so the
 * cache's hot path pays nothing for them. Load durations come from the `cacheport:cache.load`
 * channel; operation durations, when `operationDuration` is on, from every operation channel.
 * Returns a function that unregisters them.
 */
export function registerMetrics(options: {
  readonly meter: Meter
  readonly service: CacheService
  readonly names: AttributeNames
  readonly operationDuration: boolean
}): () => void {
  const { meter, service, names } = options
  const ns = (s: string): Attributes => ({ [names.namespace]: s })
  const each = (fn: (name: string, stats: CacheStats) => void) => {
    for (const cache of service.namespaces()) fn(cache.namespace, cache.stats())
  }

  const lookups = meter.createObservableCounter('cacheport.cache.lookups', {
    description:
      'Cache reads by outcome: hit (fresh), stale (served within grace), joined (joined a read or load in flight), miss',
    unit: '{lookup}',
  })
  const tierRequests = meter.createObservableCounter('cacheport.cache.tier.requests', {
    description: 'Reads that reached a tier (l1: in-process, l2: the provider), by result',
    unit: '{request}',
  })
  const loads = meter.createObservableCounter('cacheport.cache.loads', {
    description: 'Loader calls, by result (ok, error)',
    unit: '{load}',
  })
  const refreshes = meter.createObservableCounter('cacheport.cache.refreshes', {
    description: 'Background refreshes started, by kind (ahead, stale)',
    unit: '{refresh}',
  })
  const writes = meter.createObservableCounter('cacheport.cache.writes', {
    description: 'Entries written',
    unit: '{entry}',
  })
  const deletes = meter.createObservableCounter('cacheport.cache.deletes', {
    description: 'Entries deleted on request',
    unit: '{entry}',
  })
  const invalidations = meter.createObservableCounter('cacheport.cache.invalidations', {
    description: 'Invalidations, by reason (tags, clear, remote)',
    unit: '{invalidation}',
  })
  const errors = meter.createObservableCounter('cacheport.cache.errors', {
    description: 'Failures that did not fail the call (error events), by code',
    unit: '{error}',
  })
  const breakerState = meter.createObservableGauge('cacheport.breaker.state', {
    description: 'L2 circuit breaker state: 0 closed, 1 half-open, 2 open',
    unit: '1',
  })
  const breakerTransitions = meter.createObservableCounter('cacheport.breaker.transitions', {
    description: 'L2 circuit breaker transitions, by the state entered',
    unit: '{transition}',
  })
  const bus = meter.createObservableCounter('cacheport.bus.messages', {
    description:
      'Invalidation bus events: published, publish_failed, publish_retry, publish_given_up, received, interrupted, resumed',
    unit: '{message}',
  })
  const lock = meter.createObservableCounter('cacheport.lock.events', {
    description: 'Distributed lock events: acquired, wait, timeout, failure',
    unit: '{event}',
  })
  const memorySize = meter.createObservableGauge('cacheport.memory.size', {
    description: 'Entries held by an in-process provider',
    unit: '{entry}',
  })
  const memoryWeight = meter.createObservableGauge('cacheport.memory.weight', {
    description: 'Weight held by an in-process provider (the entry count without a weigher)',
    unit: '1',
  })
  const memoryRemovals = meter.createObservableCounter('cacheport.memory.removals', {
    description:
      'Entries removed from an in-process provider, by cause (explicit, replaced, expired, evicted)',
    unit: '{entry}',
  })
  const r = names.result
  const observed = [
    lookups,
    tierRequests,
    loads,
    refreshes,
    writes,
    deletes,
    invalidations,
    errors,
    breakerState,
    breakerTransitions,
    bus,
    lock,
    memorySize,
    memoryWeight,
    memoryRemovals,
  ]
  const observe = (result: { observe(o: typeof lookups, v: number, a: Attributes): void }) => {
    each((name, s) => {
      const a = ns(name)
      const plain = s.hits - s.joinedHits - s.staleHits
      result.observe(lookups, plain, { ...a, [r]: 'hit' })
      result.observe(lookups, s.staleHits, { ...a, [r]: 'stale' })
      result.observe(lookups, s.joinedHits, { ...a, [r]: 'joined' })
      result.observe(lookups, s.misses, { ...a, [r]: 'miss' })
      for (const tier of ['l1', 'l2'] as const) {
        const t = s.tiers[tier]
        result.observe(tierRequests, t.hits, { ...a, [names.tier]: tier, [r]: 'hit' })
        result.observe(tierRequests, t.requests - t.hits, { ...a, [names.tier]: tier, [r]: 'miss' })
      }
      result.observe(loads, s.loads - s.loadErrors, { ...a, [r]: 'ok' })
      result.observe(loads, s.loadErrors, { ...a, [r]: 'error' })
      result.observe(refreshes, s.refreshes.ahead, { ...a, kind: 'ahead' })
      result.observe(refreshes, s.refreshes.stale, { ...a, kind: 'stale' })
      result.observe(writes, s.writes, a)
      result.observe(deletes, s.deletes, a)
      for (const [reason, n] of Object.entries(s.invalidations)) {
        result.observe(invalidations, n, { ...a, reason })
      }
      for (const [code, n] of Object.entries(s.errors)) {
        result.observe(errors, n, { ...a, [names.errorType]: code })
      }
      if (s.breaker.state !== 'none') {
        result.observe(breakerState, BREAKER_STATE[s.breaker.state], a)
        result.observe(breakerTransitions, s.breaker.opened, { ...a, state: 'open' })
        result.observe(breakerTransitions, s.breaker.halfOpened, { ...a, state: 'half-open' })
        result.observe(breakerTransitions, s.breaker.closed, { ...a, state: 'closed' })
      }
      const b = s.bus
      const busEvents: Record<string, number> = {
        published: b.published,
        publish_failed: b.publishFailures,
        publish_retry: b.publishRetries,
        publish_given_up: b.publishGiveUps,
        received: b.received,
        interrupted: b.interruptions,
        resumed: b.resumptions,
      }
      for (const [event, n] of Object.entries(busEvents)) result.observe(bus, n, { ...a, event })
      const l = s.lock
      const lockEvents = {
        acquired: l.acquired,
        wait: l.waits,
        timeout: l.timeouts,
        failure: l.failures,
      }
      for (const [event, n] of Object.entries(lockEvents)) result.observe(lock, n, { ...a, event })
    })
    for (const provider of service.providerNames) {
      const usage = service.provider(provider).usage?.()
      if (usage === undefined) continue
      const a = { provider }
      result.observe(memorySize, usage.size, a)
      result.observe(memoryWeight, usage.weight, a)
      for (const [cause, n] of Object.entries(usage.removals)) {
        result.observe(memoryRemovals, n, { ...a, cause })
      }
    }
  }
  const batch = (result: ObservableResult | { observe: unknown }) => observe(result as never)
  meter.addBatchObservableCallback(batch, observed)

  const loadDuration = meter.createHistogram('cacheport.cache.load.duration', {
    description: 'Duration of loader calls',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
  })
  const opDuration = meter.createHistogram('cacheport.cache.operation.duration', {
    description: 'Duration of cache operations, provider round trips included',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
  })
  const started = new WeakMap<object, number>()
  const unsubscribes: (() => void)[] = []
  const time = (
    name: string,
    record: (m: CacheOperationMessage | CacheLoadMessage, s: number) => void,
  ) => {
    const ch = tracingChannel<unknown, CacheOperationMessage | CacheLoadMessage>(name)
    const handlers = {
      start: (m: object) => {
        started.set(m, performance.now())
      },
      end() {},
      asyncStart() {},
      asyncEnd: (m: CacheOperationMessage | CacheLoadMessage) => {
        const t = started.get(m)
        if (t === undefined) return
        started.delete(m)
        record(m, (performance.now() - t) / 1000)
      },
      error() {},
    }
    ch.subscribe(handlers)
    unsubscribes.push(() => ch.unsubscribe(handlers))
  }
  const outcome = (m: { error?: unknown }): Attributes =>
    m.error === undefined
      ? {}
      : { [names.errorType]: String((m.error as { code?: unknown }).code ?? 'Error') }
  time(CHANNEL_NAMES.load, (m, s) => loadDuration.record(s, { ...ns(m.namespace), ...outcome(m) }))
  if (options.operationDuration) {
    for (const op of CACHE_OPERATIONS) {
      time(CHANNEL_NAMES.operation(op), (m, s) =>
        opDuration.record(s, { ...ns(m.namespace), [names.operation]: op, ...outcome(m) }),
      )
    }
  }
  return () => {
    meter.removeBatchObservableCallback(batch, observed)
    for (const u of unsubscribes) u()
  }
}

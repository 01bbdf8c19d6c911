import { createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { instrumentCacheport } from '@cacheport/opentelemetry'
import { memoryProvider } from '@cacheport/provider-memory'
import { redisProvider } from '@cacheport/provider-redis'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

let server: ServerHandle
const contextManager = new AsyncLocalStorageContextManager()

beforeAll(async () => {
  server = await startServer({ kind: 'redis' })
  context.setGlobalContextManager(contextManager.enable())
})
afterAll(async () => {
  context.disable()
  await server?.stop()
})

function otel() {
  const spans = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  })
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  return { spans, tracerProvider, exporter, reader, meterProvider }
}

async function multilevel(prefix: string) {
  const service = createCacheService({
    providers: {
      redis: await redisProvider({ url: server.url, keyPrefix: `${prefix}:` }),
      local: memoryProvider({ maximumSize: 1_000, values: 'live' }),
    },
    defaultProvider: 'redis',
    encoder: jsonEncoder(),
  })
  const cache = service.namespace<{ id: number }>('products', {
    ttl: '1m',
    l1: { provider: 'local', admit: 'always' },
  })
  await cache.ready()
  return { service, cache }
}

/** Every data point of a metric, as { attributes, value }. */
async function points(o: ReturnType<typeof otel>, name: string) {
  await o.reader.forceFlush()
  const last = o.exporter.getMetrics().at(-1)
  const metric = last?.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === name)
  return { descriptor: metric?.descriptor, points: metric?.dataPoints ?? [] }
}

describe('@cacheport/opentelemetry', () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('traces a multilevel getOrSet miss (cache.get → cache.load → the loader work) then a hit from L1', async () => {
    const o = otel()
    const { service, cache } = await multilevel('otel-trace')
    const instrumentation = instrumentCacheport({
      service,
      tracerProvider: o.tracerProvider,
      meterProvider: o.meterProvider,
    })
    cleanups.push(
      () => service.close(),
      () => instrumentation.close(),
      () => o.meterProvider.shutdown(),
    )
    const tracer = o.tracerProvider.getTracer('app')
    const loader = () =>
      tracer.startActiveSpan('db.query', async (span) => {
        await new Promise((r) => setTimeout(r, 5))
        span.end()
        return { id: 1 }
      })
    expect(await cache.getOrSet('p:1', loader)).toEqual({ id: 1 })
    expect(await cache.getOrSet('p:1', loader)).toEqual({ id: 1 })
    const finished = o.spans.getFinishedSpans()
    const byName = (n: string) => finished.filter((s) => s.name === n)
    const [miss, hit] = byName('cache.get')
    const load = byName('cache.load')[0]
    const db = byName('db.query')[0]
    expect(miss?.attributes).toMatchObject({
      'cache.namespace': 'products',
      'cache.operation': 'getOrSet',
      'cache.hit': false,
    })
    expect(miss?.attributes['cache.key']).toBeUndefined()
    expect(hit?.attributes).toMatchObject({ 'cache.hit': true, 'cache.tier': 'l1' })
    expect(load?.parentSpanContext?.spanId).toBe(miss?.spanContext().spanId)
    expect(db?.parentSpanContext?.spanId).toBe(load?.spanContext().spanId)
    expect(load?.spanContext().traceId).toBe(miss?.spanContext().traceId)
    expect(byName('cache.load')).toHaveLength(1)
    // Writes and the L2 round trip show as their own spans.
    await cache.set('p:2', { id: 2 })
    expect(o.spans.getFinishedSpans().at(-1)?.name).toBe('cache.put')
  })

  it('records keys only when asked, under the configured attribute names', async () => {
    const o = otel()
    const { service, cache } = await multilevel('otel-keys')
    const instrumentation = instrumentCacheport({
      tracerProvider: o.tracerProvider,
      recordKeys: true,
      attributeNames: { key: 'cache.entry.key', hit: 'cache.lookup.hit' },
    })
    cleanups.push(
      () => service.close(),
      () => instrumentation.close(),
    )
    await cache.get('p:9')
    expect(o.spans.getFinishedSpans()[0]?.attributes).toMatchObject({
      'cache.entry.key': 'p:9',
      'cache.lookup.hit': false,
    })
    expect(() => instrumentCacheport({ metrics: true })).toThrow(TypeError)
  })

  it('emits metric points for the miss then hit: lookups, tier requests, loads and load duration', async () => {
    const o = otel()
    const { service, cache } = await multilevel('otel-metrics')
    const instrumentation = instrumentCacheport({
      service,
      traces: false,
      operationDuration: true,
      meterProvider: o.meterProvider,
    })
    cleanups.push(
      () => service.close(),
      () => instrumentation.close(),
      () => o.meterProvider.shutdown(),
    )
    await cache.getOrSet('p:1', async () => ({ id: 1 }))
    await cache.getOrSet('p:1', async () => ({ id: 1 }))
    const value = (pts: { attributes: object; value: unknown }[], attrs: object) =>
      pts.find((p) => Object.entries(attrs).every(([k, v]) => (p.attributes as never)[k] === v))
        ?.value
    const lookups = await points(o, 'cacheport.cache.lookups')
    expect(lookups.descriptor?.unit).toBe('{lookup}')
    expect(value(lookups.points, { 'cache.namespace': 'products', 'cache.result': 'hit' })).toBe(1)
    expect(value(lookups.points, { 'cache.namespace': 'products', 'cache.result': 'miss' })).toBe(1)
    const tiers = await points(o, 'cacheport.cache.tier.requests')
    expect(value(tiers.points, { 'cache.tier': 'l1', 'cache.result': 'hit' })).toBe(1)
    expect(value(tiers.points, { 'cache.tier': 'l1', 'cache.result': 'miss' })).toBe(1)
    expect(value(tiers.points, { 'cache.tier': 'l2', 'cache.result': 'miss' })).toBe(1)
    expect(value(tiers.points, { 'cache.tier': 'l2', 'cache.result': 'hit' })).toBe(0)
    const loadDuration = await points(o, 'cacheport.cache.load.duration')
    expect(loadDuration.descriptor?.unit).toBe('s')
    expect((loadDuration.points[0]?.value as { count: number } | undefined)?.count).toBe(1)
    const opDuration = await points(o, 'cacheport.cache.operation.duration')
    const getOrSet = opDuration.points.find((p) => p.attributes['cache.operation'] === 'getOrSet')
    expect((getOrSet?.value as { count: number } | undefined)?.count).toBe(2)
    const memory = await points(o, 'cacheport.memory.size')
    expect(value(memory.points, { provider: 'local' })).toBe(1)
    const writes = await points(o, 'cacheport.cache.writes')
    expect(value(writes.points, { 'cache.namespace': 'products' })).toBe(1)
    const bus = await points(o, 'cacheport.bus.messages')
    expect(value(bus.points, { event: 'published' })).toBe(1)
  })
})

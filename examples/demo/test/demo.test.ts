import { memoryProvider } from '@cacheport/provider-memory'
import { startServer } from '@cacheport/test-harness'
import { describe, expect, it } from 'vitest'
import { chooseProvider } from '../src/provider.js'
import { mulberry32, zipfSampler } from '../src/random.js'
import {
  DEFAULT_WORKLOAD,
  requestSequence,
  runDemo,
  runWithCache,
  type WorkloadOptions,
} from '../src/workload.js'

const small: WorkloadOptions = { ...DEFAULT_WORKLOAD, requests: 300, delayMs: 1 }

describe('demo workload', () => {
  it('calls the data source once per miss with a cache, once per request without', async () => {
    const [baseline, cached] = await runDemo(small, memoryProvider(), 'cacheport (memory)')
    expect(baseline!.requests).toBe(300)
    expect(baseline!.loaderCalls).toBe(300)
    expect(baseline!.hits + baseline!.misses).toBe(300)

    expect(cached!.requests).toBe(300)
    expect(cached!.hits + cached!.misses).toBe(300)
    expect(cached!.loaderCalls).toBeLessThan(cached!.requests)
    expect(cached!.loaderCalls).toBe(cached!.misses)
    expect(cached!.cacheStats?.loads).toBe(cached!.loaderCalls)
    expect(cached!.hitRatio).toBeGreaterThan(0)
  })

  it('is reproducible from the seed', () => {
    expect(requestSequence(small)).toEqual(requestSequence(small))
    expect(requestSequence(small)).not.toEqual(requestSequence({ ...small, seed: 7 }))
  })

  it('draws low ranks far more often than high ones', () => {
    const next = zipfSampler(2_000, 1, mulberry32(1))
    const counts = new Map<number, number>()
    for (let i = 0; i < 20_000; i++) {
      const r = next()
      expect(r).toBeGreaterThanOrEqual(1)
      expect(r).toBeLessThanOrEqual(2_000)
      counts.set(r, (counts.get(r) ?? 0) + 1)
    }
    expect(counts.get(1) ?? 0).toBeGreaterThan(10 * (counts.get(100) ?? 0))
  })

  it('runs on memory without REDIS_URL, and on Redis with it', async () => {
    const memory = await chooseProvider({})
    expect(memory.provider.kind).toBe('memory')
    const server = await startServer({ kind: 'redis' })
    try {
      const redis = await chooseProvider({ REDIS_URL: server.url })
      expect(redis.provider.kind).toBe('redis')
      const result = await runWithCache({ ...small, requests: 200 }, redis.provider, redis.label)
      expect(result.loaderCalls).toBeLessThan(200)
      expect(result.hits + result.misses).toBe(200)
      expect(Number(await server.cli('DBSIZE'))).toBeGreaterThan(0)
    } finally {
      await server.stop()
    }
  }, 30_000)
})

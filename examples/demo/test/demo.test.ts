import { memoryProvider } from '@cacheport/provider-memory'
import { describe, expect, it } from 'vitest'
import { chooseProvider } from '../src/provider.js'
import { mulberry32, zipfSampler } from '../src/random.js'
import {
  DEFAULT_WORKLOAD,
  requestSequence,
  runDemo,
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

  it('stays on memory, with a notice, when REDIS_URL is set', () => {
    expect(chooseProvider({}).notice).toBeUndefined()
    const choice = chooseProvider({ REDIS_URL: 'redis://localhost:6379' })
    expect(choice.provider.kind).toBe('memory')
    expect(choice.notice).toMatch(/Redis provider is not available/)
  })
})

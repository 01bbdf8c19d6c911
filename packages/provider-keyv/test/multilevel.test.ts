import { CacheConfigError, CacheUnsupportedError, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memcachedBackend } from './backends.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a multilevel namespace with a Keyv provider (memcached) as L2', () => {
  const backend = memcachedBackend()
  beforeAll(() => backend.start())
  afterAll(() => backend.stop())

  /** One "process": its own L1 and its own provider on the shared memcached. */
  const process = () =>
    createCacheService({
      providers: { l2: backend.provider(), local: memoryProvider({ values: 'live' }) },
      defaultProvider: 'l2',
      encoder: jsonEncoder(),
    })

  it('refuses a multilevel namespace that expects a bus', async () => {
    const caches = process()
    expect(() => caches.namespace('needs-bus', { l1: 'local' })).toThrow(CacheConfigError)
    await caches.close()
  })

  it('serves L1 hits, fills L1 from L2, and bounds staleness by l1.maxTtl', async () => {
    const a = process()
    const b = process()
    const options = { ttl: '1m', l1: { provider: 'local', maxTtl: 300 }, bus: false } as const
    const na = a.namespace<string>('ml', options)
    const nb = b.namespace<string>('ml', options)
    let loads = 0
    expect(await na.getOrSet('k', () => `v${++loads}`)).toBe('v1')
    // b reads it from L2 (memcached) and not from the loader
    expect(await nb.getOrSet('k', () => `v${++loads}`)).toBe('v1')
    expect(await nb.get('k')).toBe('v1')
    expect(loads).toBe(1)
    // a writes a new value: b's L1 copy stays until its L1 TTL runs out (no bus)
    await na.set('k', 'v2')
    await nb.get('k')
    expect(await nb.get('k')).toBe('v1')
    await sleep(400)
    expect(await nb.get('k')).toBe('v2')
    const stats = nb.stats()
    expect(stats.hits).toBeGreaterThan(0)
    expect(stats.tiers.l1.hits).toBeGreaterThan(0)
    expect(stats.tiers.l2.hits).toBeGreaterThan(0)
    await a.close()
    await b.close()
  })

  it('refuses tags on the L2 with CacheUnsupportedError', async () => {
    const caches = process()
    const ns = caches.namespace<number>('ml-tags', { l1: 'local', bus: false })
    await expect(ns.set('k', 1, { tags: ['t'] })).rejects.toBeInstanceOf(CacheUnsupportedError)
    await caches.close()
  })
})

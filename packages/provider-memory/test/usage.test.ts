import { createCacheService } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { memoryProvider } from '../src/index.js'

describe('MemoryProvider.usage()', () => {
  it('reports size, weight, bound and removals by cause', async () => {
    let time = 0
    const provider = memoryProvider({ maximumSize: 3, values: 'live', clock: { now: () => time } })
    const service = createCacheService({ providers: { m: provider }, clock: { now: () => time } })
    const cache = service.namespace<string>('s')
    await cache.set('a', 'A')
    await cache.set('a', 'A2')
    await cache.set('b', 'B', { ttl: 10 })
    await cache.delete('a')
    time += 20
    expect(await cache.get('b')).toBeUndefined()
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, 'v')
    const s = provider.usage()
    expect(s.size).toBe(3)
    expect(s.weight).toBe(3)
    expect(s.maximum).toBe(3)
    expect(s.removals).toEqual({ explicit: 1, replaced: 1, expired: 1, evicted: 7 })
    await service.close()
  })
})

import { type CacheService, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisNodes, startRedisNodes } from './redis-nodes.js'

// Two services standing for two processes, each with an in-process L1 over the same three
// Redis servers: what one writes, deletes or invalidates by tag reaches the other's L1 over
// the sharded provider's bus.
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + 10_000
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within 10 s`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('multilevel over a sharded provider', () => {
  let nodes: RedisNodes
  const services: CacheService[] = []

  beforeAll(async () => {
    nodes = await startRedisNodes()
    for (let i = 0; i < 2; i++) {
      services.push(
        createCacheService({
          providers: {
            shards: await nodes.provider({ keyPrefix: 'ml:' }),
            local: memoryProvider({ maximumSize: 10_000 }),
          },
          defaultProvider: 'shards',
          encoder: jsonEncoder(),
        }),
      )
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(services.map((service) => service.close()))
    await nodes?.stop()
  }, 60_000)

  it('keeps both L1s coherent through writes, deletes and tag invalidations on every node', async () => {
    const [a, b] = services.map((service) =>
      service.namespace<string>('products', { ttl: '10m', l1: 'local' }),
    ) as [ReturnType<CacheService['namespace']>, ReturnType<CacheService['namespace']>]
    const keys = Array.from({ length: 30 }, (_, i) => `p:${i}`)
    await a.setMany(keys.map((key) => ({ key, value: `v1:${key}`, tags: ['shop'] })))
    // B reads every key into its L1.
    expect(await b.getMany(keys)).toEqual(keys.map((key) => `v1:${key}`))

    await a.set('p:0', 'v2:p:0')
    await until(async () => (await b.get('p:0')) === 'v2:p:0', 'B sees the overwrite')

    await a.delete('p:1')
    await until(async () => (await b.get('p:1')) === undefined, 'B sees the delete')

    // p:0 was overwritten without tags and p:1 deleted: 28 tagged entries remain.
    expect(await a.invalidateTags(['shop'])).toBe(28)
    await until(
      async () =>
        (await b.getMany(keys)).every((value, i) => value === (i === 0 ? 'v2:p:0' : undefined)),
      'B sees the tag invalidation on every node',
    )
  })
})

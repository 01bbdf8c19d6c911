import { type Cache, type CacheEventMap, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { redisProvider } from '@cacheport/provider-redis'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The L2 circuit breaker against a server the harness kills and restarts: it opens after N
 * consecutive failures, serves from the loader without waiting on the dead server while
 * open, then probes and closes once the server is back.
 */
describe('L2 circuit breaker with a real server going down and up', () => {
  let server: ServerHandle
  let cache: Cache<string>
  let close: () => Promise<void>
  const states: CacheEventMap['breaker']['state'][] = []

  beforeAll(async () => {
    server = await startServer({ kind: 'redis' })
    const service = createCacheService({
      providers: {
        redis: await redisProvider({
          url: server.url,
          keyPrefix: 'breaker:',
          timeouts: { operation: 300, atomic: 300, bulk: 300 },
        }),
        local: memoryProvider({ values: 'live' }),
      },
      defaultProvider: 'redis',
      encoder: jsonEncoder(),
    })
    cache = service.namespace<string>('b', {
      ttl: '1m',
      l1: 'local',
      breaker: { failures: 3, cooldown: 500 },
    })
    cache.on('breaker', (e) => states.push(e.state))
    await cache.ready()
    close = () => service.close()
  })

  afterAll(async () => {
    await close?.()
    await server?.stop()
  })

  it('opens after consecutive failures, skips L2 while open, then probes and closes', async () => {
    await cache.set('k', 'before')
    for (let i = 0; i < 5; i++) expect(await cache.get(`miss${i}`)).toBeUndefined()
    expect(cache.breakerState).toBe('closed')

    await server.kill()
    for (let i = 0; i < 3; i++) await expect(cache.get(`x${i}`)).rejects.toThrow()
    expect(cache.breakerState).toBe('open')
    expect(states).toEqual(['open'])

    // Open: no call waits on the dead server. The loader answers, writes are refused.
    const started = performance.now()
    expect(await cache.getOrSet('loaded', async () => 'from-loader')).toBe('from-loader')
    expect(await cache.get('k')).toBeUndefined()
    expect(performance.now() - started).toBeLessThan(100)
    await expect(cache.set('k', 'during')).rejects.toThrow(/circuit breaker is open/)

    await server.restart()
    await sleep(600)
    // The first call after the cool-down is the probe; once it succeeds, L2 serves again.
    let value: string | undefined
    for (let i = 0; i < 50 && value === undefined; i++) {
      value = await cache.get('k').catch(() => undefined)
      if (value === undefined) await sleep(100)
    }
    expect(cache.breakerState).toBe('closed')
    expect(states.slice(0, 2)).toEqual(['open', 'half-open'])
    expect(states.at(-1)).toBe('closed')
  })
})

import { type Cache, type CacheService, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import type { ShardedProvider } from '@cacheport/provider-sharded'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisNodes, startRedisNodes } from './redis-nodes.js'

// One of three real Redis servers is stopped: only its share of the keys fails. With a
// namespace breaker, those keys degrade to the loader; with the per-node breaker as well, the
// other keys keep being served from cache (without it, one node's failures open the
// namespace's breaker for every key).
const KEYS = Array.from({ length: 300 }, (_, i) => `item:${i}`)
const DOWN = 'redis-2'
const value = (key: string) => `cached:${key}`

/** getOrSet over every key, one at a time (as a request loop would). */
async function readAll(cache: Cache<string>): Promise<{ values: string[]; loaded: string[] }> {
  const values: string[] = []
  const loaded: string[] = []
  for (const key of KEYS) {
    const got = await cache.getOrSet(key, () => {
      loaded.push(key)
      return `loaded:${key}`
    })
    values.push(got as string)
  }
  return { values, loaded }
}

describe('one node down', () => {
  let nodes: RedisNodes
  let plain: ShardedProvider
  let guardedNodes: ShardedProvider
  let service: CacheService
  let items: Cache<string>
  let namespaceBreaker: Cache<string>
  let bothBreakers: Cache<string>

  beforeAll(async () => {
    nodes = await startRedisNodes()
    plain = await nodes.provider({ keyPrefix: 'down:', operationTimeoutMs: 500 })
    guardedNodes = await nodes.provider({
      keyPrefix: 'down2:',
      operationTimeoutMs: 500,
      nodeBreaker: { cooldown: '300ms' },
    })
    service = createCacheService({
      providers: { plain, guardedNodes },
      defaultProvider: 'plain',
      encoder: jsonEncoder(),
    })
    items = service.namespace<string>('items', { ttl: '10m' })
    namespaceBreaker = service.namespace<string>('breaker', { ttl: '10m', breaker: true })
    bothBreakers = service.namespace<string>('both', {
      ttl: '10m',
      breaker: true,
      provider: 'guardedNodes',
    })
    for (const cache of [items, namespaceBreaker, bothBreakers]) {
      await cache.setMany(KEYS.map((key) => ({ key, value: value(key) })))
    }
    // Stopped the hard way (a crash); restarted by the last test, empty.
    const server = nodes.servers[1] as RedisNodes['servers'][number]
    server.kill('SIGKILL')
    while (server.running) await new Promise((resolve) => setTimeout(resolve, 10))
  }, 60_000)

  afterAll(async () => {
    await service?.close()
    await nodes?.stop()
  }, 60_000)

  const keysOn = (namespace: string) => KEYS.filter((key) => plain.nodeOf(namespace, key) === DOWN)

  it('fails exactly the keys of the killed node; the others keep serving', async () => {
    const outcomes = await Promise.allSettled(KEYS.map((key) => items.get(key)))
    const failed = KEYS.filter((_, i) => outcomes[i]?.status === 'rejected')
    const served = KEYS.filter((key, i) => {
      const outcome = outcomes[i]
      return outcome?.status === 'fulfilled' && outcome.value === value(key)
    })
    console.log(
      `${DOWN} killed: ${failed.length} of ${KEYS.length} gets failed (the node holds ${keysOn('items').length}), ${served.length} served from the other two`,
    )
    expect(keysOn('items').length).toBeGreaterThan(50)
    expect(failed).toEqual(keysOn('items'))
    expect(served.length).toBe(KEYS.length - failed.length)
  })

  it('with the namespace breaker alone, its keys degrade to the loader, and so do others once the breaker opens', async () => {
    const { values, loaded } = await readAll(namespaceBreaker)
    const down = keysOn('breaker')
    console.log(
      `namespace breaker only: ${loaded.length} of ${KEYS.length} keys loaded (${down.length} on ${DOWN}), breaker ${namespaceBreaker.stats().breaker.state}`,
    )
    // Every value is right (cached or loaded); the node's keys were all loaded...
    expect(values).toEqual(KEYS.map((key) => (loaded.includes(key) ? `loaded:${key}` : value(key))))
    expect(down.every((key) => loaded.includes(key))).toBe(true)
    // ...and consecutive failures of that one node opened the breaker for healthy keys too.
    expect(namespaceBreaker.stats().breaker.state).toBe('open')
    expect(loaded.length).toBeGreaterThan(down.length)
  })

  it('with the per-node breaker too, only its keys go to the loader and the rest are served from cache', async () => {
    const { values, loaded } = await readAll(bothBreakers)
    const down = KEYS.filter((key) => guardedNodes.nodeOf('both', key) === DOWN)
    console.log(
      `namespace and node breakers: ${loaded.length} of ${KEYS.length} keys loaded (${down.length} on ${DOWN}), namespace breaker ${bothBreakers.stats().breaker.state}`,
    )
    expect(loaded).toEqual(down)
    expect(values).toEqual(KEYS.map((key) => (down.includes(key) ? `loaded:${key}` : value(key))))
    expect(bothBreakers.stats().breaker.state).toBe('closed')
    // A getMany spanning every node: the open node's keys read as misses, the rest as cached.
    expect(await bothBreakers.getMany(KEYS)).toEqual(
      KEYS.map((key) => (down.includes(key) ? undefined : value(key))),
    )
    // The node's writes are refused fast while its breaker is open, the others' accepted.
    const [onDown, onUp] = [down[0] as string, KEYS.find((key) => !down.includes(key)) as string]
    await expect(bothBreakers.set(onDown, 'x')).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    await expect(bothBreakers.set(onUp, 'x')).resolves.toBeUndefined()
  })

  it('reports itself unhealthy, naming the killed node only', async () => {
    const health = await plain.health()
    expect(health.healthy).toBe(false)
    expect(health.details).toContain(`node '${DOWN}'`)
    expect(health.details).not.toContain("node 'redis-1'")
    expect(health.details).not.toContain("node 'redis-3'")
  })

  it('serves the node again once it is back and its breaker has let a probe through', async () => {
    await nodes.servers[1]?.restart()
    const down = KEYS.filter((key) => guardedNodes.nodeOf('both', key) === DOWN)
    const key = down[0] as string
    // Wait for the client to reconnect (health bypasses the breakers), then for the node
    // breaker's cool-down: the next write is its probe, and it succeeds.
    const deadline = performance.now() + 20_000
    while (!(await guardedNodes.health()).healthy) {
      if (performance.now() > deadline) throw new Error('redis-2 did not come back within 20 s')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await new Promise((resolve) => setTimeout(resolve, 350))
    await bothBreakers.set(key, 'back')
    expect(await bothBreakers.get(key)).toBe('back')
    // The restarted server is empty: its other keys are misses now, not errors.
    expect(await bothBreakers.get(down[1] as string)).toBeUndefined()
    expect(await guardedNodes.health()).toMatchObject({ healthy: true })
  })
})

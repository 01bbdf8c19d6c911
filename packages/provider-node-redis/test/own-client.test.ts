import type { BytesStore } from '@cacheport/core'
import { createCacheService, providerPort } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { nodeRedisClientOf, nodeRedisProvider } from '@cacheport/provider-node-redis'
import { KeyLayout } from '@cacheport/redis-kit'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { createClient, RESP_TYPES } from '@redis/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

describe('provider-node-redis: bring your own client', { timeout: 30_000 }, () => {
  let server: ServerHandle
  beforeAll(async () => {
    server = await startServer({ kind: 'redis' })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })

  it('connects a client that is not open yet, works through it, and never closes it', async () => {
    const client = createClient({ url: server.url })
    client.on('error', () => undefined)
    const provider = await nodeRedisProvider({ client, keyPrefix: 'own:' })
    expect(client.isReady).toBe(true)
    expect(nodeRedisClientOf(provider)).toBe(client)
    const store = provider.openStore({ namespace: 'own' }) as BytesStore
    const bytes = new Uint8Array([0, 255, 1, 128, 10, 13])
    await store.set('k', bytes, { tags: ['t'] })
    const same = (value: unknown) =>
      value instanceof Uint8Array && Buffer.from(value).equals(Buffer.from(bytes))
    expect(same(await store.get('k'))).toBe(true)
    const [hit, miss] = await store.getMany(['k', 'missing'])
    expect(same(hit)).toBe(true)
    expect(miss).toBeUndefined()
    await provider.close()
    expect(client.isReady).toBe(true)
    expect(await client.ping()).toBe('PONG')
    // The provider wrote through the client the application still uses.
    expect(await client.exists(new KeyLayout('own:', 'own', 1).valueKey('k'))).toBe(1)
    client.destroy()
  })

  it('works through a RESP3 client with its own type mapping, the tracking bus included', async () => {
    const client = createClient({ url: server.url, RESP: 3 }).withTypeMapping({
      [RESP_TYPES.MAP]: Map,
    })
    client.on('error', () => undefined)
    await client.connect()
    const mine = await nodeRedisProvider({ client, keyPrefix: 'r3:', invalidation: 'tracking' })
    const other = await nodeRedisProvider({ url: server.url, keyPrefix: 'r3:' })
    try {
      const seen: string[] = []
      const end = await providerPort(mine, 'bus').subscribe('r3', {
        message: (m) => seen.push(...(m.keys ?? [])),
        interrupted: () => undefined,
        resumed: () => undefined,
      })
      const cache = createCacheService({ providers: { p: mine }, encoder: jsonEncoder() })
      const ns = cache.namespace<{ n: number }>('r3')
      await ns.set('a', { n: 1 }, { tags: ['x'] })
      expect(await ns.get('a')).toEqual({ n: 1 })
      expect(await ns.invalidateTags(['x'])).toBe(1)
      await (other.openStore({ namespace: 'r3' }) as BytesStore).set('b', new Uint8Array([1]))
      const deadline = Date.now() + 5_000
      while (!seen.includes('b') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20))
      expect(seen).toContain('b')
      await end()
    } finally {
      await mine.close()
      await other.close()
    }
    expect(client.isReady).toBe(true)
    client.destroy()
  })

  it('refuses a client together with url or host', async () => {
    const client = createClient({ url: server.url })
    await expect(nodeRedisProvider({ client, url: server.url })).rejects.toThrow(
      'either client or url/host',
    )
    expect(client.isOpen).toBe(false)
  })
})

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CacheService } from '@cacheport/core'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.js'
import { createCaches } from '../src/caches.js'
import { Catalog } from '../src/catalog.js'

for (const backend of ['memory', 'redis'] as const) {
  describe(`Express example on ${backend}`, () => {
    let redis: ServerHandle | undefined
    let caches: CacheService
    let server: Server
    let base: string
    const catalog = new Catalog()

    beforeAll(async () => {
      if (backend === 'redis') redis = await startServer({ kind: 'redis' })
      caches = await createCaches(redis?.url ?? '')
      server = createApp(caches, catalog).listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve))
      await caches.close()
      await redis?.stop()
    })

    it('misses, then hits, then is invalidated by tag on a write', async () => {
      const first = await fetch(`${base}/products/1`)
      expect(first.headers.get('x-cache')).toBe('miss')
      expect(await first.json()).toMatchObject({ id: '1', price: 30 })
      const second = await fetch(`${base}/products/1`)
      expect(second.headers.get('x-cache')).toBe('hit')
      expect(catalog.reads).toBe(1)

      const write = await fetch(`${base}/products/1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ price: 35 }),
      })
      expect(await write.json()).toMatchObject({ invalidated: 1 })
      const third = await fetch(`${base}/products/1`)
      expect(third.headers.get('x-cache')).toBe('miss')
      expect(await third.json()).toMatchObject({ price: 35 })
      expect(catalog.reads).toBe(2)
    })

    it('caches a 404 (negative caching) and refuses a bad write', async () => {
      expect((await fetch(`${base}/products/nope`)).status).toBe(404)
      const again = await fetch(`${base}/products/nope`)
      expect(again.status).toBe(404)
      expect(again.headers.get('x-cache')).toBe('hit')
      const bad = await fetch(`${base}/products/1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ price: 'free' }),
      })
      expect(bad.status).toBe(400)
    })

    it('reports hits, misses and loads on /stats', async () => {
      const stats = (await (await fetch(`${base}/stats`)).json()) as Record<string, number>
      expect(stats.hits).toBe(2)
      expect(stats.misses).toBe(3)
      expect(stats.loads).toBe(3)
    })
  })
}

import 'reflect-metadata'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import type { INestApplication } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// The compiled app: decorators need tsc's emitDecoratorMetadata, which vitest's transform lacks.
import { AppModule } from '../dist/app.module.js'
import { Catalog } from '../dist/catalog.js'

for (const backend of ['memory', 'redis'] as const) {
  describe(`NestJS example on ${backend}`, () => {
    let redis: ServerHandle | undefined
    let app: INestApplication
    let base: string
    const catalog = new Catalog()

    beforeAll(async () => {
      if (backend === 'redis') {
        redis = await startServer({ kind: 'redis' })
        process.env.REDIS_URL = redis.url
      } else delete process.env.REDIS_URL
      app = await NestFactory.create(AppModule.register(catalog), { logger: false })
      await app.listen(0, '127.0.0.1')
      base = (await app.getUrl()).replace('[::1]', '127.0.0.1')
    })
    afterAll(async () => {
      await app?.close()
      await redis?.stop()
      delete process.env.REDIS_URL
    })

    it('an injected namespace: miss, hit, then invalidated by tag on a write', async () => {
      const first = await fetch(`${base}/products/1`)
      expect(first.headers.get('x-cache')).toBe('miss')
      expect(await first.json()).toMatchObject({ id: '1', price: 30 })
      expect((await fetch(`${base}/products/1`)).headers.get('x-cache')).toBe('hit')
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
    })

    it('@nestjs/cache-manager on the cacheport Keyv store: wrap misses, then hits', async () => {
      const first = await fetch(`${base}/products/2/summary`)
      expect(first.headers.get('x-cache')).toBe('miss')
      expect(await first.json()).toEqual({ summary: 'Desk at 120' })
      const second = await fetch(`${base}/products/2/summary`)
      expect(second.headers.get('x-cache')).toBe('hit')
      expect(await second.json()).toEqual({ summary: 'Desk at 120' })
    })

    it('404 and 400 stay errors; /stats counts the namespace', async () => {
      expect((await fetch(`${base}/products/nope`)).status).toBe(404)
      const bad = await fetch(`${base}/products/1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ price: 'free' }),
      })
      expect(bad.status).toBe(400)
      const stats = (await (await fetch(`${base}/stats`)).json()) as Record<string, number>
      expect(stats.hits).toBe(1)
      expect(stats.misses).toBe(3)
      expect(stats.loads).toBe(3)
    })
  })
}

import { type CacheService, NOT_FOUND } from '@cacheport/core'
import Fastify, { type FastifyInstance } from 'fastify'
import { cachePlugin } from './cache-plugin.js'
import type { Catalog, Product } from './catalog.js'

/**
 * The Fastify app: the cache plugin, `GET /products/:id` cached with `getOrSet` (tagged,
 * `x-cache: hit|miss`), `PUT /products/:id` invalidating by tag, and `GET /stats`.
 */
export async function createApp(
  createCaches: () => Promise<CacheService>,
  catalog: Catalog,
): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(cachePlugin, { create: createCaches })
  const products = app.caches.namespace<Product>('products', { ttl: '10m', negativeTtl: '30s' })

  app.get<{ Params: { id: string } }>('/products/:id', async (req, reply) => {
    const id = req.params.id
    let loaded = false
    const product = await products.getOrSet(`p:${id}`, async (ctx) => {
      loaded = true
      const row = await catalog.find(id)
      if (row === undefined) return NOT_FOUND
      ctx.setTags([`product:${id}`, `shop:${row.shop}`])
      return row
    })
    reply.header('x-cache', loaded ? 'miss' : 'hit')
    if (product === undefined) return reply.code(404).send({ error: 'not found' })
    return product
  })

  app.put<{ Params: { id: string }; Body: { price?: unknown } }>(
    '/products/:id',
    async (req, reply) => {
      const price = req.body?.price
      if (typeof price !== 'number')
        return reply.code(400).send({ error: 'price must be a number' })
      const row = catalog.update(req.params.id, price)
      if (row === undefined) return reply.code(404).send({ error: 'not found' })
      const invalidated = await products.invalidateTags([`product:${row.id}`])
      return { product: row, invalidated }
    },
  )

  app.get('/stats', async () => products.stats())
  return app
}

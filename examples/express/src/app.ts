import { type Cache, type CacheService, NOT_FOUND } from '@cacheport/core'
import express, { type Express } from 'express'
import type { Catalog, Product } from './catalog.js'

/**
 * The Express app: `GET /products/:id` is cached with `getOrSet` (tagged with the product and
 * its shop, `x-cache: hit|miss`), `PUT /products/:id` writes and invalidates by tag, and
 * `GET /stats` shows the namespace's counters.
 */
export function createApp(caches: CacheService, catalog: Catalog): Express {
  const products: Cache<Product> = caches.namespace<Product>('products', {
    ttl: '10m',
    negativeTtl: '30s',
  })
  const app = express()
  app.use(express.json())

  app.get('/products/:id', async (req, res, next) => {
    try {
      const id = req.params.id
      let loaded = false
      const product = await products.getOrSet(`p:${id}`, async (ctx) => {
        loaded = true
        const row = await catalog.find(id)
        if (row === undefined) return NOT_FOUND
        ctx.setTags([`product:${id}`, `shop:${row.shop}`])
        return row
      })
      res.set('x-cache', loaded ? 'miss' : 'hit')
      if (product === undefined) res.status(404).json({ error: 'not found' })
      else res.json(product)
    } catch (error) {
      next(error)
    }
  })

  app.put('/products/:id', async (req, res, next) => {
    try {
      const price = (req.body as { price?: unknown }).price
      if (typeof price !== 'number') {
        res.status(400).json({ error: 'price must be a number' })
        return
      }
      const row = catalog.update(req.params.id, price)
      if (row === undefined) {
        res.status(404).json({ error: 'not found' })
        return
      }
      const invalidated = await products.invalidateTags([`product:${row.id}`])
      res.json({ product: row, invalidated })
    } catch (error) {
      next(error)
    }
  })

  app.get('/stats', (_req, res) => {
    res.json(products.stats())
  })
  return app
}

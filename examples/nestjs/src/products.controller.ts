import { type Cache, NOT_FOUND } from '@cacheport/core'
import { CACHE_MANAGER } from '@nestjs/cache-manager'
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Put,
  Res,
} from '@nestjs/common'
import type { Cache as CacheManager } from 'cache-manager'
import type { Response } from 'express'
import type { Catalog, Product } from './catalog.js'
import { CATALOG, PRODUCTS } from './tokens.js'

/**
 * `GET /products/:id` through an injected cacheport namespace (getOrSet, tags),
 * `GET /products/:id/summary` through `@nestjs/cache-manager` (`wrap` on the cacheport Keyv
 * store), `PUT /products/:id` invalidating by tag, `GET /stats`.
 */
@Controller()
export class ProductsController {
  constructor(
    @Inject(PRODUCTS) private readonly products: Cache<Product>,
    @Inject(CACHE_MANAGER) private readonly cacheManager: CacheManager,
    @Inject(CATALOG) private readonly catalog: Catalog,
  ) {}

  @Get('products/:id')
  async product(
    @Param('id') id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Product> {
    let loaded = false
    const product = await this.products.getOrSet(`p:${id}`, async (ctx) => {
      loaded = true
      const row = await this.catalog.find(id)
      if (row === undefined) return NOT_FOUND
      ctx.setTags([`product:${id}`, `shop:${row.shop}`])
      return row
    })
    res.setHeader('x-cache', loaded ? 'miss' : 'hit')
    if (product === undefined) throw new NotFoundException()
    return product
  }

  @Get('products/:id/summary')
  async summary(
    @Param('id') id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ summary: string }> {
    let loaded = false
    const summary = await this.cacheManager.wrap(
      `summary:${id}`,
      async () => {
        loaded = true
        const row = await this.catalog.find(id)
        return row === undefined ? 'unknown product' : `${row.name} at ${row.price}`
      },
      60_000,
    )
    res.setHeader('x-cache', loaded ? 'miss' : 'hit')
    return { summary }
  }

  @Put('products/:id')
  async update(
    @Param('id') id: string,
    @Body() body: { price?: unknown },
  ): Promise<{ product: Product; invalidated: number }> {
    if (typeof body?.price !== 'number') throw new BadRequestException('price must be a number')
    const row = this.catalog.update(id, body.price)
    if (row === undefined) throw new NotFoundException()
    const invalidated = await this.products.invalidateTags([`product:${id}`])
    // The cache-manager side has no tags: delete its key by name.
    await this.cacheManager.del(`summary:${id}`)
    return { product: row, invalidated }
  }

  @Get('stats')
  stats(): object {
    return this.products.stats()
  }
}

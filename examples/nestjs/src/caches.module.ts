import type { CacheService } from '@cacheport/core'
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common'
import { createCaches } from './caches.js'
import type { Product } from './catalog.js'
import { CACHES, PRODUCTS } from './tokens.js'

/**
 * Makes the cacheport service and its namespaces injectable, and closes the service when the
 * application shuts down. This is all a "cacheport NestJS module" needs to be: one factory
 * provider per namespace. `@nestjs/cache-manager`'s `CACHE_MANAGER` (a Keyv interface) cannot
 * carry tags, `getOrSet` options or `invalidateTags`; an injected namespace can.
 */
@Global()
@Module({
  providers: [
    { provide: CACHES, useFactory: () => createCaches() },
    {
      provide: PRODUCTS,
      inject: [CACHES],
      useFactory: (caches: CacheService) =>
        caches.namespace<Product>('products', { ttl: '10m', negativeTtl: '30s' }),
    },
  ],
  exports: [CACHES, PRODUCTS],
})
export class CachesModule implements OnApplicationShutdown {
  constructor(@Inject(CACHES) private readonly caches: CacheService) {}

  async onApplicationShutdown(): Promise<void> {
    await this.caches.close()
  }
}

import 'reflect-metadata'
import type { CacheService } from '@cacheport/core'
import { cacheportKeyvStore } from '@cacheport/keyv-store'
import { CacheModule } from '@nestjs/cache-manager'
import { type DynamicModule, Module } from '@nestjs/common'
import Keyv from 'keyv'
import { CachesModule } from './caches.module.js'
import { Catalog } from './catalog.js'
import { ProductsController } from './products.controller.js'
import { CACHES, CATALOG } from './tokens.js'

/**
 * The application: `CachesModule` (the cacheport service and namespaces), and
 * `@nestjs/cache-manager`'s `CacheModule` whose store is the cacheport Keyv store over the
 * `http` namespace. `catalog` is the stand-in database (tests pass their own).
 */
@Module({})
export class AppModule {
  static register(catalog: Catalog = new Catalog()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CachesModule,
        CacheModule.registerAsync({
          inject: [CACHES],
          useFactory: (caches: CacheService) => {
            const keyv = new Keyv({
              store: cacheportKeyvStore(caches.namespace<unknown>('http', { ttl: '1m' })),
            })
            // @nestjs/cache-manager (CommonJS) sees keyv's CommonJS type declarations and this
            // ESM module its ESM ones: the same class, declared twice.
            return { stores: [keyv as never] }
          },
        }),
      ],
      controllers: [ProductsController],
      providers: [{ provide: CATALOG, useValue: catalog }],
    }
  }
}

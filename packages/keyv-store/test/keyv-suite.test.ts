import { type CacheService, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { cacheportKeyvStore } from '@cacheport/keyv-store'
import { memoryProvider } from '@cacheport/provider-memory'
import { redisProvider } from '@cacheport/provider-redis'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import keyvTestSuite from '@keyv/test-suite'
import Keyv from 'keyv'
import * as vitest from 'vitest'

// @keyv/test-suite's default export: api, values and namespace tests, run by this vitest.
// Every store() call opens a store on the same cacheport namespace, as Keyv adapters on one
// backend would be.

vitest.describe('@keyv/test-suite on the memory provider (bytes)', () => {
  const caches = createCacheService({
    providers: { memory: memoryProvider({ maximumSize: 10_000 }) },
    encoder: jsonEncoder(),
  })
  const cache = caches.namespace<unknown>('keyv-suite', { ttl: null })
  vitest.afterAll(() => caches.close())
  keyvTestSuite(vitest, Keyv, () => cacheportKeyvStore(cache))
})

vitest.describe('@keyv/test-suite on the memory provider (live values, L1 only)', () => {
  const caches = createCacheService({
    providers: { memory: memoryProvider({ maximumSize: 10_000, values: 'live' }) },
  })
  const cache = caches.namespace<unknown>('keyv-suite-live', { ttl: null })
  vitest.afterAll(() => caches.close())
  keyvTestSuite(vitest, Keyv, () => cacheportKeyvStore(cache))
})

vitest.describe('@keyv/test-suite on a real Redis, multilevel (memory L1 + Redis L2)', () => {
  let server: ServerHandle
  let caches: CacheService | undefined
  const store = { current: undefined as ReturnType<typeof cacheportKeyvStore> | undefined }
  vitest.beforeAll(async () => {
    server = await startServer({ kind: 'redis' })
    caches = createCacheService({
      providers: {
        redis: await redisProvider({ url: server.url, keyPrefix: 'keyv-suite:' }),
        local: memoryProvider({ maximumSize: 10_000, values: 'live' }),
      },
      defaultProvider: 'redis',
      encoder: jsonEncoder(),
    })
    const cache = caches.namespace<unknown>('keyv', { ttl: null, l1: 'local' })
    await cache.ready()
    store.current = cacheportKeyvStore(cache)
  })
  vitest.afterAll(async () => {
    await caches?.close()
    await server?.stop()
  })
  keyvTestSuite(vitest, Keyv, () => {
    const cache = store.current!.cache
    return cacheportKeyvStore(cache)
  })
})

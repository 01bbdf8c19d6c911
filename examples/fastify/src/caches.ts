import { type CacheService, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { redisProvider } from '@cacheport/provider-redis'

/**
 * The app's cache service: the memory provider, or Redis (with a memory L1) when `redisUrl`
 * (from REDIS_URL) is given.
 */
export async function createCaches(redisUrl = process.env.REDIS_URL): Promise<CacheService> {
  if (redisUrl === undefined || redisUrl === '') {
    return createCacheService({
      providers: { memory: memoryProvider({ maximumSize: 10_000 }) },
      encoder: jsonEncoder(),
    })
  }
  return createCacheService({
    providers: {
      redis: await redisProvider({ url: redisUrl, keyPrefix: 'example-fastify:' }),
      local: memoryProvider({ maximumSize: 10_000, values: 'live' }),
    },
    defaultProvider: 'redis',
    encoder: jsonEncoder(),
  })
}

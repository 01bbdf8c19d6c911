/**
 * The Redis rows of the search bench: one redis-server with RediSearch 2.4 loaded (the test
 * harness's `search: true`), which the parent starts for the run and every child reaches
 * through an environment variable. The index subject searches a namespace with the `search`
 * option (FT.SEARCH); the full scan reads a plain namespace with SCAN + MGET and filters in
 * JavaScript.
 */

import { type SearchSuiteItem, SUITE_SEARCH } from '@cacheport/conformance/reference'
import { createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { redisProvider } from '@cacheport/provider-redis'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { fullScanRunner, indexedRunner, loadItems, type SearchSubject } from './search-scan.js'

const URL_ENV = 'CACHEPORT_BENCH_SEARCH_REDIS_URL'

let server: ServerHandle | undefined

/** Parent side: starts (once) the redis-server with RediSearch; children read its URL. */
export async function startSearchBenchServer(): Promise<void> {
  server ??= await startServer({ kind: 'redis', search: true })
  process.env[URL_ENV] = server.url
}

/** Parent side: stops the server `startSearchBenchServer` started, if any. */
export async function stopSearchBenchServer(): Promise<void> {
  await server?.stop()
  server = undefined
}

function url(): string {
  const u = process.env[URL_ENV]
  if (u === undefined) throw new Error(`${URL_ENV} is not set: run through search-cli.js`)
  return u
}

async function redisService() {
  return createCacheService({
    providers: { redis: await redisProvider({ url: url(), keyPrefix: 'sbench:' }) },
    encoder: jsonEncoder(),
  })
}

/** RediSearch on one redis-server (provider-redis), and a full scan of a Redis namespace. */
export const REDIS_SEARCH_SUBJECTS: SearchSubject[] = [
  {
    name: 'redis index',
    iterations: 300,
    needsRedisSearch: true,
    async setup(items) {
      const service = await redisService()
      const cache = service.namespace<SearchSuiteItem>('indexed', {
        search: SUITE_SEARCH,
        ttl: '1h',
      })
      await loadItems(cache, items)
      return indexedRunner(cache, service)
    },
  },
  {
    name: 'redis full scan',
    iterations: 8,
    needsRedisSearch: true,
    async setup(items) {
      const service = await redisService()
      const cache = service.namespace<SearchSuiteItem>('plain', { ttl: '1h' })
      await loadItems(cache, items)
      return fullScanRunner(cache, service)
    },
  },
]

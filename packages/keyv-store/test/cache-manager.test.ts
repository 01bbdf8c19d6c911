import { createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { cacheportKeyvStore } from '@cacheport/keyv-store'
import { memoryProvider } from '@cacheport/provider-memory'
import { createCache } from 'cache-manager'
import Keyv from 'keyv'
import { afterAll, describe, expect, it } from 'vitest'

const caches = createCacheService({
  providers: { memory: memoryProvider({ maximumSize: 1000 }) },
  encoder: jsonEncoder(),
})
afterAll(() => caches.close())

describe('cache-manager on a cacheport Keyv store', () => {
  it('get, set with TTL, wrap, del and clear go through the cacheport namespace', async () => {
    const ns = caches.namespace<unknown>('cm', { ttl: '1m' })
    const store = cacheportKeyvStore(ns)
    const cache = createCache({ stores: [new Keyv({ store, namespace: 'app' })] })
    await cache.set('user:1', { name: 'Ada' }, 60_000)
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' })
    let loads = 0
    const load = async () => ({ n: ++loads })
    expect(await cache.wrap('w', load, 60_000)).toEqual({ n: 1 })
    expect(await cache.wrap('w', load, 60_000)).toEqual({ n: 1 })
    expect(ns.stats().hits).toBeGreaterThan(0)
    // the value is a cacheport entry under the Keyv-prefixed key
    expect(await ns.has('app:user:1')).toBe(true)
    await cache.del('user:1')
    expect(await cache.get('user:1')).toBeUndefined()
    await ns.set('other:kept', 'x')
    await cache.clear()
    expect(await cache.get('w')).toBeUndefined()
    expect(await ns.get('other:kept')).toBe('x')
  })

  it('refuses unknown options', () => {
    const ns = caches.namespace<unknown>('cm-options')
    expect(() => cacheportKeyvStore(ns, { exclusiv: true } as never)).toThrow(
      /unknown option 'exclusiv'/,
    )
    expect(() => cacheportKeyvStore(ns, { exclusive: 'yes' } as never)).toThrow(/exclusive/)
  })
})

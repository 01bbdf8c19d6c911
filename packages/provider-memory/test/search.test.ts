import {
  createManualClock,
  differentialItems,
  referenceSearch,
  type SearchSuiteItem,
  SUITE_SEARCH,
  searchSuiteFields,
  seededRandom,
} from '@cacheport/conformance'
import {
  CacheConfigError,
  CacheUnsupportedError,
  createCacheService,
  type StoreSearchSchema,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { describe, expect, it } from 'vitest'
import type { MemoryStore } from '../src/memory-store.js'

const schema = Object.fromEntries(
  Object.entries(SUITE_SEARCH.schema).map(([name, { extract: _e, ...spec }]) => [name, spec]),
) as StoreSearchSchema

function setup(options: { maximumSize?: number; values?: 'bytes' | 'live' } = {}) {
  const clock = createManualClock()
  const provider = memoryProvider({
    maximumSize: options.maximumSize ?? 100_000,
    values: options.values ?? 'bytes',
    clock,
  })
  const service = createCacheService({
    providers: { memory: provider },
    encoder: jsonEncoder(),
    clock,
    defaults: { jitter: 0 },
  })
  const cache = service.namespace<SearchSuiteItem>('items', { search: SUITE_SEARCH })
  const store = provider.openStore({ namespace: 'items' }) as unknown as MemoryStore<Uint8Array>
  return { clock, provider, service, cache, store }
}

describe('provider-memory search index', () => {
  it('costs nothing for a namespace without a schema', async () => {
    const provider = memoryProvider()
    const service = createCacheService({ providers: { m: provider }, encoder: jsonEncoder() })
    await service.namespace('plain').set('k', { brand: 'x' })
    const store = provider.openStore({ namespace: 'plain' }) as unknown as MemoryStore<Uint8Array>
    expect(store.indexedCount).toBe(0)
    await expect(store.search({} as never)).rejects.toBeInstanceOf(CacheUnsupportedError)
  })

  it('refuses hnsw vectors (it indexes exactly) and a second, different schema', () => {
    const provider = memoryProvider()
    const service = createCacheService({ providers: { m: provider }, encoder: jsonEncoder() })
    expect(() =>
      service.namespace('h', {
        search: {
          schema: { v: { type: 'vector', dimensions: 2, distance: 'l2', algorithm: 'hnsw' } },
        },
      }),
    ).toThrow(/field 'v' asks for 'hnsw'/)
    service.namespace('s', { search: { schema: { a: { type: 'tag' } } } })
    const other = createCacheService({ providers: { m: provider }, encoder: jsonEncoder() })
    expect(() => other.namespace('s', { search: { schema: { a: { type: 'numeric' } } } })).toThrow(
      CacheConfigError,
    )
    expect(() => other.namespace('s', { search: { schema: { a: { type: 'tag' } } } })).not.toThrow()
  })

  it('replacing a value many times keeps one indexed entry', async () => {
    const { cache, store } = setup()
    for (let i = 0; i < 100; i++)
      await cache.set('k', { title: `word${i}`, price: i, brand: `b${i}` })
    expect(store.indexedCount).toBe(1)
    expect((await cache.search({ text: 'word5' })).total).toBe(0)
    expect((await cache.search({ text: 'word99' })).total).toBe(1)
    expect((await cache.search({ filters: [{ field: 'price', op: 'lt', value: 99 }] })).total).toBe(
      0,
    )
  })

  it('expired entries are hidden at once and leave the index when swept', async () => {
    const { cache, store, clock, provider } = setup()
    await cache.set('a', { brand: 'x' }, { ttl: 1000 })
    await cache.set('b', { brand: 'x' })
    clock.advance(1001)
    expect(
      (await cache.search({ filters: [{ field: 'brand', op: 'eq', value: 'x' }] })).total,
    ).toBe(1)
    // The timer wheel reaches an expiry within its coarsest tick: move well past it.
    clock.advance(10 * 60_000)
    provider.cleanUp()
    expect(store.indexedCount).toBe(1)
  })

  it('entries evicted by the size bound leave the index', async () => {
    const { cache, store, provider } = setup({ maximumSize: 50 })
    for (let i = 0; i < 300; i++) await cache.set(`k${i}`, { brand: 'x', price: i })
    expect(provider.size).toBeLessThanOrEqual(50)
    expect(store.indexedCount).toBe(store.size)
    const r = await cache.search({
      filters: [{ field: 'brand', op: 'eq', value: 'x' }],
      limit: 1000,
    })
    expect(r.total).toBe(store.size)
  })

  it('clear, delete and tag invalidation empty the index', async () => {
    const { cache, store } = setup()
    await cache.set('a', { brand: 'x' }, { tags: ['t'] })
    await cache.set('b', { brand: 'x' })
    await cache.set('c', { brand: 'x' })
    await cache.invalidateTags(['t'])
    await cache.delete('b')
    expect(store.indexedCount).toBe(1)
    await cache.clear()
    expect(store.indexedCount).toBe(0)
  })

  for (const values of ['bytes', 'live'] as const) {
    it(`interleaved writes, deletes and range queries agree with the reference scan (${values})`, async () => {
      const { cache } = setup({ values })
      const items = differentialItems(5, 600)
      const current = new Map<string, SearchSuiteItem>()
      const random = seededRandom(9)
      const keys = [...items.keys()]
      for (let round = 0; round < 60; round++) {
        for (let i = 0; i < 20; i++) {
          const key = keys[Math.floor(random() * keys.length)] as string
          if (random() < 0.2) {
            await cache.delete(key)
            current.delete(key)
          } else {
            const item = items.get(
              keys[Math.floor(random() * keys.length)] as string,
            ) as SearchSuiteItem
            await cache.set(key, item)
            current.set(key, item)
          }
        }
        const a = Math.floor(random() * 1000)
        const query = {
          filters: [{ field: 'price', op: 'between', min: a, max: a + 200 }] as const,
          sort: { field: 'price', order: random() < 0.5 ? 'asc' : 'desc' } as const,
          limit: 10_000,
        }
        const docs = [...current].map(([key, item]) => ({ key, fields: searchSuiteFields(item) }))
        const expected = referenceSearch(docs, schema, query)
        const actual = await cache.search(query)
        expect(actual.total).toBe(expected.total)
        expect(actual.items.map((i) => i.value.price)).toEqual(
          expected.keys.map((k) => current.get(k)?.price),
        )
      }
    })
  }

  it('answers live values as they were stored (live mode)', async () => {
    const { cache } = setup({ values: 'live' })
    const value = { title: 'shared object', brand: 'x' }
    await cache.set('k', value)
    const r = await cache.search({ text: 'shared' })
    expect(r.items[0]?.value).toBe(value)
  })
})

import {
  CacheConfigError,
  type CacheEventMap,
  CacheTimeoutError,
  CacheUnsupportedError,
  CacheValueError,
  createCacheService,
  type KeyCodec,
  type SearchOptions,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { testJson, xorTransformer } from './helpers/codecs.js'
import { mapProvider } from './helpers/map-provider.js'
import { searchProvider } from './helpers/search-provider.js'

interface Product {
  title: string
  brand?: string | string[]
  price?: number
  where?: { lon: number; lat: number }
  embedding?: number[]
}

const search: SearchOptions<Product> = {
  schema: {
    title: { type: 'text', weight: 2 },
    brand: { type: 'tag', sortable: true },
    price: { type: 'numeric', sortable: true },
    where: { type: 'geo' },
    embedding: { type: 'vector', dimensions: 3, distance: 'cosine' },
  },
}

function setup(values: 'bytes' | 'live' = 'bytes') {
  const provider = searchProvider(values)
  const service = createCacheService({
    providers: { main: provider, local: mapProvider('live') },
    defaultProvider: 'main',
    encoder: testJson,
    defaults: { jitter: 0 },
  })
  const cache = service.namespace<Product>('products', { search })
  return { provider, service, cache, fields: () => provider.fields.get('products')! }
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error & { code: string },
  )

describe('search: namespace option', () => {
  it('opens the store with the schema (defaults filled in, no extractors) and the index name', () => {
    const { provider } = setup()
    expect(provider.opened).toEqual([
      {
        namespace: 'products',
        search: {
          indexName: 'index:products',
          schema: {
            title: { type: 'text', weight: 2, sortable: false },
            brand: { type: 'tag', caseSensitive: false, sortable: true },
            price: { type: 'numeric', sortable: true },
            where: { type: 'geo', sortable: false },
            embedding: {
              type: 'vector',
              dimensions: 3,
              distance: 'cosine',
              algorithm: 'flat',
              sortable: false,
            },
          },
        },
      },
    ])
  })

  const badSchemas: [string, unknown, RegExp][] = [
    [
      'an unknown option',
      { schema: { a: { type: 'tag' } }, indexPrefx: 'x' },
      /unknown option 'search\.indexPrefx' \(did you mean 'search\.indexPrefix'\?\)/,
    ],
    ['an empty schema', { schema: {} }, /search\.schema declares no field/],
    [
      'a field name with a dash',
      { schema: { 'a-b': { type: 'tag' } } },
      /search\.schema\.a-b: a field name must be 1-64 characters/,
    ],
    [
      'a field name starting with __',
      { schema: { __key: { type: 'tag' } } },
      /search\.schema\.__key: a field name/,
    ],
    [
      'a field name of 65 characters',
      { schema: { ['x'.repeat(65)]: { type: 'tag' } } },
      /a field name must be 1-64/,
    ],
    [
      'an unknown type',
      { schema: { a: { type: 'string' } } },
      /search\.schema\.a: type must be 'text', 'tag', 'numeric', 'geo' or 'vector', got 'string'/,
    ],
    [
      'a weight of 0',
      { schema: { a: { type: 'text', weight: 0 } } },
      /search\.schema\.a: weight must be a finite number > 0, got 0/,
    ],
    [
      'a weight on a tag',
      { schema: { a: { type: 'tag', weight: 2 } } },
      /unknown option 'search\.schema\.a\.weight'/,
    ],
    [
      '0 dimensions',
      { schema: { v: { type: 'vector', dimensions: 0, distance: 'l2' } } },
      /search\.schema\.v: dimensions must be an integer from 1 to 32768, got 0/,
    ],
    [
      '32769 dimensions',
      { schema: { v: { type: 'vector', dimensions: 32769, distance: 'l2' } } },
      /dimensions must be an integer from 1 to 32768, got 32769/,
    ],
    [
      'an unknown distance',
      { schema: { v: { type: 'vector', dimensions: 2, distance: 'hamming' } } },
      /distance must be 'cosine', 'l2' or 'ip', got 'hamming'/,
    ],
    [
      'a sortable geo field',
      { schema: { g: { type: 'geo', sortable: true } } },
      /search\.schema\.g: a geo field cannot be sortable/,
    ],
    [
      'an extractor that is not a function',
      { schema: { a: { type: 'tag', extract: 'brand' } } },
      /extract must be a function, got 'brand'/,
    ],
    ['a timeout of -1', { schema: { a: { type: 'tag' } }, timeout: -1 }, /search\.timeout/],
  ]
  for (const [label, option, message] of badSchemas) {
    it(`refuses ${label} with CacheConfigError naming the field`, () => {
      const provider = searchProvider()
      const service = createCacheService({ providers: { main: provider }, encoder: testJson })
      let error: unknown
      try {
        service.namespace('bad', { search: option as SearchOptions })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).toMatch(message)
      expect(provider.opened).toEqual([])
    })
  }

  it('refuses a provider without the search capability, naming it', () => {
    const service = createCacheService({ providers: { plain: mapProvider() }, encoder: testJson })
    expect(() => service.namespace('p', { search })).toThrow(CacheUnsupportedError)
    expect(() => service.namespace('p', { search })).toThrow(
      /provider 'plain' \(map\) does not declare the 'search' capability/,
    )
  })

  it('refuses a required (encryption) transformer unless fields may be stored in clear', () => {
    const encrypt = { ...xorTransformer('fake-aes', 200, 7), required: true }
    const service = createCacheService({
      providers: { main: searchProvider() },
      encoder: testJson,
      transformers: [encrypt],
    })
    expect(() => service.namespace('secret', { search })).toThrow(CacheConfigError)
    expect(() => service.namespace('secret', { search })).toThrow(
      /transformer 'fake-aes' is required.*stored in clear.*allowFieldsInClear/,
    )
    expect(() =>
      service.namespace('secret', { search: { ...search, allowFieldsInClear: true } }),
    ).not.toThrow()
  })

  it('reopening with another schema is a conflict, with the same one is the same cache', () => {
    const { service, cache } = setup()
    expect(service.namespace<Product>('products', { search })).toBe(cache)
    expect(() =>
      service.namespace('products', {
        search: { ...search, schema: { ...search.schema, price: { type: 'numeric' } } },
      }),
    ).toThrow(/already open with a different 'search\.schema\.price\.sortable'/)
  })

  it('a two-tier namespace opens only L2 with the schema, and L1 gets no fields', async () => {
    const provider = searchProvider()
    const local = mapProvider('live')
    const service = createCacheService({
      providers: { main: provider, local },
      defaultProvider: 'main',
      encoder: testJson,
    })
    const cache = service.namespace<Product>('two', { search, l1: 'local', bus: false })
    await cache.set('p1', { title: 'Red shoe', price: 10 })
    expect(provider.opened.map((o) => o.search !== undefined)).toEqual([true])
    expect(provider.fields.get('two')?.get('p1')).toEqual({ title: 'Red shoe', price: 10 })
    expect(local.raw('two').has('p1')).toBe(true)
  })
})

describe('search: fields written with every entry', () => {
  it('set, setMany, getOrSet, getOrSetMany and compute send the normalised fields', async () => {
    const { cache, fields } = setup()
    await cache.set('a', {
      title: 'Blue Hat',
      brand: ['ACME', 'acme', 'Hats'],
      price: 12.5,
      where: { lon: 2.35, lat: 48.85 },
      embedding: [1, 0, 0],
    })
    const a = fields().get('a')!
    expect(a).toMatchObject({
      title: 'Blue Hat',
      brand: ['acme', 'hats'],
      price: 12.5,
      where: { lon: 2.35, lat: 48.85 },
    })
    expect(a.embedding).toBeInstanceOf(Float32Array)
    expect([...(a.embedding as Float32Array)]).toEqual([1, 0, 0])
    await cache.setMany([{ key: 'b', value: { title: 'b', price: 1 } }])
    expect(fields().get('b')).toEqual({ title: 'b', price: 1 })
    await cache.getOrSet('c', () => ({ title: 'loaded', brand: 'X' }))
    expect(fields().get('c')).toEqual({ title: 'loaded', brand: 'x' })
    await cache.getOrSetMany(['d'], (keys) => keys.map((k) => [k, { title: k }] as const))
    expect(fields().get('d')).toEqual({ title: 'd' })
    await cache.compute('e', () => ({ action: 'set', value: { title: 'computed', price: 3 } }))
    expect(fields().get('e')).toEqual({ title: 'computed', price: 3 })
  })

  it('a custom extractor reads the field; absent fields are left out', async () => {
    const provider = searchProvider()
    const service = createCacheService({ providers: { main: provider }, encoder: testJson })
    const c = service.namespace<{ name: { first: string } }>('people', {
      search: {
        schema: { first: { type: 'tag', extract: (v) => v.name.first }, age: { type: 'numeric' } },
      },
    })
    await c.set('x', { name: { first: 'Ada' } })
    expect(provider.fields.get('people')?.get('x')).toEqual({ first: 'ada' })
  })

  it('a cached "not found" carries no fields', async () => {
    const { cache, fields } = setup()
    await cache.getOrSet('nf', (ctx) => ctx.notFound())
    expect(fields().has('nf')).toBe(true)
    expect(fields().get('nf')).toBeUndefined()
  })

  const invalidValues: [string, Product, RegExp][] = [
    [
      'a NaN price',
      { title: 't', price: Number.NaN },
      /search field 'price' of the value for key 'k' must be a finite number \(NUMERIC\), got NaN/,
    ],
    [
      'a string price',
      { title: 't', price: '3' as never },
      /search field 'price'.*finite number.*got '3'/,
    ],
    [
      'a tag with a comma',
      { title: 't', brand: 'a,b' },
      /search field 'brand'.*'a,b' contains ','/,
    ],
    [
      'an empty tag in a list',
      { title: 't', brand: ['a', ''] },
      /search field 'brand'.*\[1\] must be a non-empty string/,
    ],
    [
      'a latitude out of range',
      { title: 't', where: { lon: 0, lat: 91 } },
      /search field 'where'.*\(GEO\) needs lat as a number from -85\.05112878/,
    ],
    [
      'a vector of the wrong length',
      { title: 't', embedding: [1, 2] },
      /search field 'embedding'.*\(VECTOR\) must have 3 dimensions, got 2/,
    ],
    [
      'a vector holding Infinity',
      { title: 't', embedding: [1, Number.POSITIVE_INFINITY, 0] },
      /\(VECTOR\) must hold finite numbers, got Infinity at \[1\]/,
    ],
    [
      'an object for text',
      { title: { en: 'x' } as never },
      /search field 'title'.*must be a string \(TEXT\), got Object/,
    ],
  ]
  for (const [label, value, message] of invalidValues) {
    it(`refuses ${label}: the write rejects with CacheValueError and stores nothing`, async () => {
      const { cache, provider } = setup()
      const error = await rejection(cache.set('k', value))
      expect(error).toBeInstanceOf(CacheValueError)
      expect(error?.code).toBe('INVALID_FIELD')
      expect(error?.message).toMatch(message)
      expect(provider.inner.raw('products').has('k')).toBe(false)
      const many = await rejection(
        cache.setMany([
          { key: 'ok', value: { title: 'fine' } },
          { key: 'k', value },
        ]),
      )
      expect(many).toBeInstanceOf(CacheValueError)
      expect(provider.inner.raw('products').size).toBe(0)
      const computed = await rejection(cache.compute('k', () => ({ action: 'set', value })))
      expect(computed).toBeInstanceOf(CacheValueError)
      expect(provider.inner.raw('products').size).toBe(0)
    })
  }

  it('a loaded value with an invalid field is returned, not cached, and reported', async () => {
    const { cache, provider } = setup()
    const errors: CacheEventMap['error'][] = []
    cache.on('error', (e) => errors.push(e))
    expect(await cache.getOrSet('k', () => ({ title: 't', price: Number.NaN }))).toEqual({
      title: 't',
      price: Number.NaN,
    })
    expect(provider.inner.raw('products').has('k')).toBe(false)
    expect(errors.map((e) => (e.error as CacheValueError).code)).toEqual(['INVALID_FIELD'])
  })

  it('a namespace without search sends no fields', async () => {
    const provider = searchProvider()
    const service = createCacheService({ providers: { main: provider }, encoder: testJson })
    await service.namespace<Product>('plain').set('k', { title: 'x', price: Number.NaN })
    expect(provider.opened).toEqual([{ namespace: 'plain' }])
    expect(provider.fields.size).toBe(0)
  })
})

describe('search: queries', () => {
  const badQueries: [string, unknown, string, RegExp][] = [
    [
      'a misspelled key',
      { txt: 'x' },
      'INVALID_OPTION',
      /unknown option 'txt' \(did you mean 'text'\?\)/,
    ],
    [
      'an unknown field',
      { filters: [{ field: 'colour', op: 'eq', value: 'red' }] },
      'INVALID_ARGUMENT',
      /filters\[0\]\.field 'colour' is not in the schema/,
    ],
    [
      'gt on a tag',
      { filters: [{ field: 'brand', op: 'gt', value: 1 }] },
      'INVALID_ARGUMENT',
      /filters\[0\]: 'gt' does not apply to tag field 'brand'/,
    ],
    [
      'within on a numeric field',
      { filters: [{ field: 'price', op: 'within', center: { lon: 0, lat: 0 }, radius: 1 }] },
      'INVALID_ARGUMENT',
      /'within' does not apply to numeric field 'price'/,
    ],
    [
      'a one-character prefix',
      { filters: [{ field: 'title', op: 'prefix', value: 'a' }] },
      'INVALID_ARGUMENT',
      /a prefix on field 'title' needs at least 2 characters/,
    ],
    [
      'a string for a numeric eq',
      { filters: [{ field: 'price', op: 'eq', value: '3' }] },
      'INVALID_ARGUMENT',
      /filters\[0\]\.value for numeric field 'price' must be a finite number, got '3'/,
    ],
    [
      'between with min above max',
      { filters: [{ field: 'price', op: 'between', min: 5, max: 1 }] },
      'INVALID_ARGUMENT',
      /min 5 is above max 1/,
    ],
    [
      'an empty in',
      { filters: [{ field: 'brand', op: 'in', values: [] }] },
      'INVALID_ARGUMENT',
      /values for field 'brand' must be a non-empty array/,
    ],
    [
      'a misspelled filter key',
      { filters: [{ field: 'price', op: 'gt', valeu: 1 }] },
      'INVALID_OPTION',
      /unknown option 'filters\[0\]\.valeu'/,
    ],
    [
      'a limit of 0',
      { limit: 0 },
      'INVALID_ARGUMENT',
      /limit must be an integer from 1 to 10000, got 0/,
    ],
    [
      'a limit of 10001',
      { limit: 10001 },
      'INVALID_ARGUMENT',
      /limit must be an integer from 1 to 10000, got 10001/,
    ],
    [
      'a negative offset',
      { offset: -1 },
      'INVALID_ARGUMENT',
      /offset must be an integer >= 0, got -1/,
    ],
    [
      'a k of 0',
      { vector: { field: 'embedding', vector: [1, 0, 0], k: 0 } },
      'INVALID_ARGUMENT',
      /vector\.k must be an integer from 1 to 10000, got 0/,
    ],
    [
      'a vector of the wrong length',
      { vector: { field: 'embedding', vector: [1, 0], k: 3 } },
      'INVALID_ARGUMENT',
      /vector\.vector for field 'embedding' must have 3 dimensions, got 2/,
    ],
    [
      'a vector query on a tag field',
      { vector: { field: 'brand', vector: [1, 0, 0], k: 3 } },
      'INVALID_ARGUMENT',
      /vector\.field 'brand' is a tag field, not a vector field/,
    ],
    [
      'a sort on a field that is not sortable',
      { sort: { field: 'title' } },
      'INVALID_ARGUMENT',
      /sort\.field 'title' is not sortable/,
    ],
    ['text with no words', { text: ' ,;' }, 'INVALID_ARGUMENT', /text ' ,;' has no words/],
    [
      'a radius of 0',
      { filters: [{ field: 'where', op: 'within', center: { lon: 0, lat: 0 }, radius: 0 }] },
      'INVALID_ARGUMENT',
      /radius for field 'where' must be a finite number of metres > 0/,
    ],
  ]
  for (const [label, query, code, message] of badQueries) {
    it(`refuses ${label} with CacheConfigError (${code}) before the store is asked`, async () => {
      const { cache, provider } = setup()
      const error = await rejection(cache.search(query as never))
      expect(error).toBeInstanceOf(CacheConfigError)
      expect(error?.code).toBe(code)
      expect(error?.message).toMatch(message)
      expect(provider.queries).toEqual([])
    })
  }

  it('search on a namespace without a schema is refused', async () => {
    const { service } = setup()
    const error = await rejection(service.namespace('plain').search({}))
    expect(error).toBeInstanceOf(CacheUnsupportedError)
    expect(error?.message).toMatch(/namespace 'plain' was opened without the 'search' option/)
  })

  it('normalises the query: defaults, folded tags, lower-cased prefixes, Float32Array vectors', async () => {
    const { cache, provider } = setup()
    await cache.search({
      text: 'Red Shoes',
      filters: [
        { field: 'brand', op: 'in', values: ['ACME', 'Zeta'] },
        { field: 'title', op: 'prefix', value: 'Sho' },
      ],
      vector: { field: 'embedding', vector: [1, 2, 3], k: 5 },
      sort: { field: 'price' },
    })
    const q = provider.queries[0]!
    expect(q).toMatchObject({
      text: 'Red Shoes',
      filters: [
        { field: 'brand', op: 'in', values: ['acme', 'zeta'] },
        { field: 'title', op: 'prefix', value: 'sho' },
      ],
      sort: { field: 'price', order: 'asc' },
      offset: 0,
      limit: 10,
      timeoutMs: 5000,
    })
    expect(q.vector?.vector).toBeInstanceOf(Float32Array)
    expect(cache.stats().searches).toBe(1)
  })

  it('decodes hits, maps keys through the key codec, skips vanished and unreadable hits', async () => {
    const provider = searchProvider()
    const codec: KeyCodec<number> = { encode: (n) => `n${n}`, decode: (s) => Number(s.slice(1)) }
    const service = createCacheService({ providers: { main: provider }, encoder: testJson })
    const cache = service.namespace<Product, number>('nums', { keyCodec: codec, search })
    await cache.set(1, { title: 'one' })
    await cache.set(2, { title: 'two' })
    provider.inner.raw('nums').set('n3', new Uint8Array([1, 2, 3]))
    const errors: CacheEventMap['error'][] = []
    cache.on('error', (e) => errors.push(e))
    provider.keys = [{ key: 'n2', score: 2 }, { key: 'n9' }, { key: 'n3' }, { key: 'n1', score: 1 }]
    provider.total = 7
    const result = await cache.search({ text: 'x', limit: 4 })
    expect(result).toEqual({
      total: 7,
      hasMore: true,
      items: [
        { key: 2, value: { title: 'two' }, score: 2 },
        { key: 1, value: { title: 'one' }, score: 1 },
      ],
    })
    expect(errors.map((e) => [e.operation, e.key])).toEqual([['search', 'n3']])
    provider.total = 4
    expect((await cache.search({ text: 'x', limit: 4 })).hasMore).toBe(false)
  })

  it('rejects with CacheTimeoutError when the store takes longer than search.timeout', async () => {
    const provider = searchProvider()
    const service = createCacheService({ providers: { main: provider }, encoder: testJson })
    const cache = service.namespace<Product>('slow', { search: { ...search, timeout: 30 } })
    provider.answer = () => new Promise(() => {})
    const error = await rejection(cache.search({ text: 'x' }))
    expect(error).toBeInstanceOf(CacheTimeoutError)
    expect(error?.message).toMatch(/search timed out after 30 ms/)
  })
})

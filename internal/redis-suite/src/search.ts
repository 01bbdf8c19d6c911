import {
  type BytesStore,
  CacheConfigError,
  CacheDecodeError,
  type NormalizedSearchQuery,
  type SearchDocument,
  type StoreSearchSchema,
} from '@cacheport/core'
import { KeyLayout, type RedisFamilyProvider } from '@cacheport/redis-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, rawCommand } from './backend.js'
import {
  decoded,
  keysOf,
  META,
  pipeline,
  put,
  query,
  type RedisSearchSuiteOptions,
  SCHEMA,
  type SearchSuiteContext,
  search,
  startSearchBackend,
  until,
} from './search-helpers.js'
import { describeSearchTopology } from './search-topology.js'
import { describeSearchVectors } from './search-vectors.js'

export type { RedisSearchSuiteOptions } from './search-helpers.js'
export { put, query } from './search-helpers.js'

/**
 * Search on one Redis-family provider against real servers with RediSearch 2.4.16 loaded:
 * the index follows the entry (set, replace, delete, expiry, tags, clear, compute), every
 * operator, escaping of hostile strings, vectors (FLAT and HNSW, three metrics), the
 * schema-conflict rule, and on clusters the merge over every primary, a failover and a slot
 * migration. Standalone files also check the refusal without the module. The differential
 * test against the reference scan is the conformance kit's (`describeRedisFamilyProvider`
 * runs it on every backend). One backend per file.
 */
export function describeRedisSearch(options: RedisSearchSuiteOptions): void {
  describe(`${options.name}: search (${options.server}, ${options.topology})`, {
    timeout: 60_000,
  }, () => {
    let backend: Backend
    let provider: RedisFamilyProvider
    let n = 0
    const open = (schema: StoreSearchSchema = SCHEMA, indexName?: string): BytesStore => {
      const namespace = `s${n++}`
      return provider.openStore({
        namespace,
        search: { schema, indexName: indexName ?? `index:${namespace}` },
      }) as BytesStore
    }
    const ctx: SearchSuiteContext = {
      options,
      get backend() {
        return backend
      },
      get provider() {
        return provider
      },
      open,
    }
    beforeAll(async () => {
      backend = await startSearchBackend(options.server, options.topology)
      provider = await options.connect(backend, { keyPrefix: 'srch:' })
    }, 90_000)
    afterAll(async () => {
      await provider?.close()
      if (backend?.topology === 'standalone') await backend.server.stop()
      else await backend?.cluster.stop()
    }, 60_000)

    it('declares search, and stores searchable entries as hashes and plain ones as strings', async () => {
      expect(provider.capabilities.search).toBe(true)
      const store = open()
      expect(typeof store.search).toBe('function')
      const plain = provider.openStore({ namespace: 'plain' }) as BytesStore
      expect(plain.search).toBeUndefined()
      await put(store, 'a', { v: 1 }, { title: 'Hello' })
      await plain.set('a', await pipeline.encode(1, META, { namespace: 'plain', key: 'a' }))
      const layoutOf = (ns: string) => new KeyLayout('srch:', ns, provider.buckets)
      expect(await rawCommand(backend, 'TYPE', layoutOf(store.namespace).valueKey('a'))).toBe(
        'hash',
      )
      expect(await rawCommand(backend, 'TYPE', layoutOf('plain').valueKey('a'))).toBe('string')
      // Raw access without a search option gets the open (searchable) store; another schema
      // or a search option on a plain namespace is a conflict.
      expect(provider.openStore({ namespace: store.namespace })).toBe(store)
      expect(() =>
        provider.openStore({
          namespace: 'plain',
          search: { schema: SCHEMA, indexName: 'index:plain' },
        }),
      ).toThrow(CacheConfigError)
      expect(() =>
        provider.openStore({
          namespace: store.namespace,
          search: {
            schema: { title: { type: 'text', weight: 2 } },
            indexName: `index:${store.namespace}`,
          },
        }),
      ).toThrow(CacheConfigError)
      expect(
        provider.openStore({
          namespace: store.namespace,
          search: { schema: SCHEMA, indexName: `index:${store.namespace}` },
        }),
      ).toBe(store)
    })

    it('the index follows the entry: set, replace, delete, expiry, tags, clear, compute', async () => {
      const store = open()
      await put(store, 'a', { v: 'a' }, { title: 'red apple', color: 'red', price: 3 })
      await put(
        store,
        'b',
        { v: 'b' },
        { title: 'green apple', color: 'green', price: 5 },
        { tags: ['fruit'] },
      )
      await put(store, 'c', { v: 'c' }, { title: 'short lived', price: 7 }, { ttl: 300 })
      const found = await search(store, query({ text: 'apple' }))
      expect(found.total).toBe(2)
      expect(found.hits.map((h) => h.key).sort()).toEqual(['a', 'b'])
      for (const hit of found.hits) {
        expect(await decoded(hit.entry)).toEqual({ v: hit.key })
        expect(typeof hit.score).toBe('number')
      }
      // Reads work on the hash layout.
      expect(await decoded(await store.get('a'))).toEqual({ v: 'a' })
      expect(await Promise.all((await store.getMany(['a', 'x', 'b'])).map(decoded))).toEqual([
        { v: 'a' },
        undefined,
        { v: 'b' },
      ])
      expect(await store.has('a')).toBe(true)
      expect(await store.has('x')).toBe(false)
      // Replace: a field the new entry lacks leaves the index.
      await put(store, 'a', { v: 'a2' }, { title: 'pear' })
      expect(
        await keysOf(store, query({ filters: [{ field: 'color', op: 'eq', value: 'red' }] })),
      ).toEqual([])
      expect(await keysOf(store, query({ text: 'pear' }))).toEqual(['a'])
      // Expiry.
      expect(await keysOf(store, query({ text: 'lived' }))).toEqual(['c'])
      await until(
        async () => (await keysOf(store, query({ text: 'lived' }))).length === 0,
        'expiry',
      )
      // Tag invalidation.
      expect(await store.invalidateTags(['fruit'])).toBe(1)
      expect(await keysOf(store, query({ text: 'apple' }))).toEqual([])
      // Delete.
      expect(await store.delete('a')).toBe(true)
      expect(await keysOf(store, query({ text: 'pear' }))).toEqual([])
      // setMany, then compute set and delete.
      const bytes = async (v: unknown, key: string) =>
        pipeline.encode(v, META, { namespace: store.namespace, key })
      await store.setMany([
        { key: 'm1', entry: await bytes(1, 'm1'), fields: { title: 'many one', price: 1 } },
        {
          key: 'm2',
          entry: await bytes(2, 'm2'),
          fields: { title: 'many two', price: 2 },
          tags: ['t'],
        },
      ])
      expect(await keysOf(store, query({ text: 'many' }))).toEqual(['m1', 'm2'])
      const computeFn = store.compute as NonNullable<BytesStore['compute']>
      const entry = await bytes(9, 'm1')
      await computeFn.call(store, 'm1', () => ({
        action: 'set',
        entry,
        fields: { title: 'computed' },
      }))
      expect(await keysOf(store, query({ text: 'computed' }))).toEqual(['m1'])
      expect(await keysOf(store, query({ text: 'many' }))).toEqual(['m2'])
      await computeFn.call(store, 'm2', () => ({ action: 'delete' }))
      expect(await keysOf(store, query({ text: 'many' }))).toEqual([])
      const keys: string[] = []
      for await (const k of (store.keys as NonNullable<BytesStore['keys']>).call(store))
        keys.push(k)
      expect(keys).toEqual(['m1'])
      // clear.
      await store.clear()
      expect((await search(store, query())).total).toBe(0)
    })

    it('a TTL change (Store.expire) rewrites the stored value in place: fields, index and tags stay', async () => {
      const store = open()
      const expire = (store.expire as NonNullable<BytesStore['expire']>).bind(store)
      await put(
        store,
        'a',
        { v: 'a' },
        { title: 'red apple', color: 'red' },
        { ttl: 5_000, tags: ['fruit'] },
      )
      expect((await store.inspect?.('a'))?.tags).toEqual(['fruit'])
      const expected = (await store.get('a')) as Uint8Array
      const meta = { ...META, expiresAt: Date.now() + 3_600_000 }
      const entry = await pipeline.encode({ v: 'a' }, meta, {
        namespace: store.namespace,
        key: 'a',
      })
      expect(await expire('a', { expected, entry, ttl: 3_600_000 })).toBe('changed')
      expect(await expire('a', { expected, entry, ttl: 3_600_000 })).toBe('conflict')
      expect(await expire('zz', { expected, entry, ttl: 1_000 })).toBe('missing')
      const valueKey = new KeyLayout('srch:', store.namespace, provider.buckets).valueKey('a')
      expect(Number(await rawCommand(backend, 'PTTL', valueKey))).toBeGreaterThan(3_500_000)
      expect(await keysOf(store, query({ text: 'apple' }))).toEqual(['a'])
      expect(await decoded(await store.get('a'))).toEqual({ v: 'a' })
      expect(await expire('a', { expected: entry, entry, ttl: undefined })).toBe('changed')
      expect(Number(await rawCommand(backend, 'PTTL', valueKey))).toBe(-1)
      expect(await store.invalidateTags(['fruit'])).toBe(1)
      expect(await keysOf(store, query({ text: 'apple' }))).toEqual([])
    })

    it('writes back under a fence: refused after a delete, a set or a tag invalidation; indexed when written', async () => {
      const store = open()
      const fenced = async (key: string, value: unknown, fence: string, tags?: string[]) => {
        const bytes = await pipeline.encode(value, META, { namespace: store.namespace, key })
        return store.setIfUnchanged!(key, bytes, fence, { tags, fields: { title: 'fenced pear' } })
      }
      let fence = await store.fence!('d')
      await store.delete('d')
      expect(await fenced('d', { v: 'd' }, fence)).toBe(false)
      fence = await store.fence!('s')
      await put(store, 's', { v: 'other' }, { title: 'other' })
      expect(await fenced('s', { v: 's' }, fence)).toBe(false)
      expect(await decoded(await store.get('s'))).toEqual({ v: 'other' })
      fence = await store.fence!('t')
      await store.invalidateTags(['fruit'])
      expect(await fenced('t', { v: 't' }, fence, ['fruit'])).toBe(false)
      expect(await fenced('w', { v: 'w' }, await store.fence!('w'), ['fruit'])).toBe(true)
      expect(await decoded(await store.get('w'))).toEqual({ v: 'w' })
      expect(await keysOf(store, query({ text: 'fenced' }))).toEqual(['w'])
      // Over an entry present at the fence: replaced, fields and all.
      expect(await fenced('s', { v: 's2' }, await store.fence!('s'))).toBe(true)
      expect(await keysOf(store, query({ text: 'fenced' }))).toEqual(['s', 'w'])
    })

    it('reads a key of another type as unreadable, and a write replaces it', async () => {
      const store = open()
      const valueKey = new KeyLayout('srch:', store.namespace, provider.buckets).valueKey('k')
      await rawCommand(backend, 'SET', valueKey, 'a string')
      expect(await store.get('k')).toBeInstanceOf(CacheDecodeError)
      expect((await store.getMany(['k']))[0]).toBeInstanceOf(CacheDecodeError)
      expect(await store.has('k')).toBe(false)
      await put(store, 'k', 'v', { title: 'replaced' })
      expect(await decoded(await store.get('k'))).toBe('v')
      expect(await keysOf(store, query({ text: 'replaced' }))).toEqual(['k'])
    })

    it('answers every operator on every field type it applies to', async () => {
      const store = open()
      const docs: [string, SearchDocument][] = [
        [
          'p1',
          {
            title: 'Alpha beta',
            body: 'first',
            color: ['Red', 'dark'],
            code: 'AbC',
            price: 10,
            place: { lon: 2.35, lat: 48.85 },
          },
        ],
        [
          'p2',
          {
            title: 'beta gamma',
            body: 'second',
            color: 'blue',
            code: 'abc',
            price: 20,
            place: { lon: 2.29, lat: 48.86 },
          },
        ],
        [
          'p3',
          { title: 'gamma delta', color: 'green', price: -5.5, place: { lon: -0.12, lat: 51.5 } },
        ],
        ['p4', { title: 'alphabet soup', body: 'beta', price: 1e6 }],
      ]
      for (const [key, fields] of docs) await put(store, key, key, fields)
      const k = (q: Partial<NormalizedSearchQuery>) => keysOf(store, query({ limit: 100, ...q }))
      expect(await k({ text: 'beta' })).toEqual(['p1', 'p2', 'p4'])
      expect(await k({ text: 'BETA, gamma!' })).toEqual(['p2'])
      expect(await k({ filters: [{ field: 'color', op: 'eq', value: 'red' }] })).toEqual(['p1'])
      expect(await k({ filters: [{ field: 'color', op: 'ne', value: 'red' }] })).toEqual([
        'p2',
        'p3',
        'p4',
      ])
      expect(
        await k({ filters: [{ field: 'color', op: 'in', values: ['blue', 'green', 'none'] }] }),
      ).toEqual(['p2', 'p3'])
      expect(await k({ filters: [{ field: 'code', op: 'eq', value: 'AbC' }] })).toEqual(['p1'])
      expect(await k({ filters: [{ field: 'code', op: 'eq', value: 'abc' }] })).toEqual(['p2'])
      expect(await k({ filters: [{ field: 'price', op: 'eq', value: 20 }] })).toEqual(['p2'])
      expect(await k({ filters: [{ field: 'price', op: 'ne', value: 20 }] })).toEqual([
        'p1',
        'p3',
        'p4',
      ])
      expect(await k({ filters: [{ field: 'price', op: 'in', values: [10, 1e6] }] })).toEqual([
        'p1',
        'p4',
      ])
      expect(await k({ filters: [{ field: 'price', op: 'gt', value: 10 }] })).toEqual(['p2', 'p4'])
      expect(await k({ filters: [{ field: 'price', op: 'ge', value: 10 }] })).toEqual([
        'p1',
        'p2',
        'p4',
      ])
      expect(await k({ filters: [{ field: 'price', op: 'lt', value: 10 }] })).toEqual(['p3'])
      expect(await k({ filters: [{ field: 'price', op: 'le', value: 10 }] })).toEqual(['p1', 'p3'])
      expect(await k({ filters: [{ field: 'price', op: 'between', min: -5.5, max: 10 }] })).toEqual(
        ['p1', 'p3'],
      )
      expect(await k({ filters: [{ field: 'color', op: 'prefix', value: 'gr' }] })).toEqual(['p3'])
      expect(await k({ filters: [{ field: 'title', op: 'prefix', value: 'alph' }] })).toEqual([
        'p1',
        'p4',
      ])
      expect(
        await k({
          filters: [
            { field: 'place', op: 'within', center: { lon: 2.3, lat: 48.85 }, radius: 10_000 },
          ],
        }),
      ).toEqual(['p1', 'p2'])
      expect(await k({ text: 'beta', filters: [{ field: 'price', op: 'lt', value: 15 }] })).toEqual(
        ['p1'],
      )
      expect(await k({ filters: [{ field: 'color', op: 'in', values: [] }] })).toEqual([])
      // Sort and page.
      const sorted = await search(
        store,
        query({ sort: { field: 'price', order: 'desc' }, limit: 2 }),
      )
      expect(sorted.total).toBe(4)
      expect(sorted.hits.map((h) => h.key)).toEqual(['p4', 'p2'])
      expect(sorted.hits[0]?.score).toBeUndefined()
      const page2 = await search(
        store,
        query({ sort: { field: 'price', order: 'asc' }, offset: 2, limit: 2 }),
      )
      expect(page2.hits.map((h) => h.key)).toEqual(['p2', 'p4'])
      // BM25: the weighted title outranks the body.
      const ranked = await search(store, query({ text: 'beta' }))
      expect(ranked.hits.at(-1)?.key).toBe('p4')
      const scores = ranked.hits.map((h) => h.score as number)
      expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    })

    it('escapes every user string: hostile tags and prefixes match only themselves', async () => {
      const store = open()
      const hostile = [
        'a"b',
        "it's",
        '{x}',
        'a|b',
        '-neg',
        '@at',
        'back\\slash',
        'ünïcödé',
        'sp ace',
        'dot.dot',
        'colon:x',
        'star*',
        '(paren)',
        '[br]',
        'semi;',
        '$param',
        'tilde~',
        '%fuzzy%',
        'x=>y',
        '汉字',
      ]
      for (const [i, tag] of hostile.entries()) {
        await put(store, `h${i}`, tag, { color: tag, code: tag, title: `${tag} word${i}` })
      }
      for (const [i, tag] of hostile.entries()) {
        expect(
          await keysOf(
            store,
            query({ filters: [{ field: 'color', op: 'eq', value: tag.toLowerCase() }] }),
          ),
          tag,
        ).toEqual([`h${i}`])
        expect(
          await keysOf(store, query({ filters: [{ field: 'code', op: 'eq', value: tag }] })),
          tag,
        ).toEqual([`h${i}`])
        expect(
          await keysOf(store, query({ filters: [{ field: 'code', op: 'prefix', value: tag }] })),
          tag,
        ).toEqual(hostile.flatMap((t, j) => (t.startsWith(tag) ? [`h${j}`] : [])).sort())
        expect(await keysOf(store, query({ text: `${tag} word${i}` })), tag).toEqual([`h${i}`])
      }
      // Text is terms only: punctuation is no query syntax, and a text of none matches all.
      expect((await search(store, query({ text: '" | @ - { } \\' }))).total).toBe(hostile.length)
      expect(await keysOf(store, query({ text: '@code:{a*} | -word1' }))).toEqual([])
      expect(await keysOf(store, query({ text: 'A|B (word3)' }))).toEqual(['h3'])
    })

    it('refuses an index of the same name created with another schema (CacheConfigError)', async () => {
      const first = open({ a: { type: 'text' } }, 'index:conflict')
      await put(first, 'k', 1, { a: 'x' })
      expect(await keysOf(first, query({ text: 'x' }))).toEqual(['k'])
      const other = await options.connect(backend, { keyPrefix: 'srch:' })
      try {
        const second = other.openStore({
          namespace: first.namespace,
          search: { schema: { a: { type: 'tag' } }, indexName: 'index:conflict' },
        }) as BytesStore
        const error = await search(second, query()).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(CacheConfigError)
        expect((error as Error).message).toContain("'srch:index:conflict")
        // The index in place still answers.
        expect(await keysOf(first, query({ text: 'x' }))).toEqual(['k'])
      } finally {
        await other.close()
      }
    })

    describeSearchVectors(ctx)
    describeSearchTopology(ctx)
  })
}

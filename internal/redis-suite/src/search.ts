import {
  type BytesStore,
  CacheConfigError,
  CacheDecodeError,
  CacheTimeoutError,
  CacheUnsupportedError,
  createEncodingRegistry,
  type NormalizedSearchQuery,
  type SearchDocument,
  type SearchFieldSpec,
  type StoreSearchSchema,
  ValuePipeline,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { KeyLayout, leastPrivilegeAclRule, type RedisFamilyProvider } from '@cacheport/redis-kit'
import { mulberry32, type ServerKind, startCluster, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Backend,
  type Connect,
  migrateSlot,
  rawCommand,
  SUITE_USER,
  type Topology,
} from './backend.js'
import { referenceScan } from './search-reference.js'

/** Options of `describeRedisSearch`. */
export interface RedisSearchSuiteOptions {
  readonly name: string
  readonly server: ServerKind
  readonly topology: Topology
  readonly connect: Connect
}

const pipeline = new ValuePipeline(createEncodingRegistry({ default: jsonEncoder() }), [])
const META = { createdAt: 0, expiresAt: undefined, staleUntil: undefined, negative: false }

/** A query with the contract's defaults filled in. */
export function query(part: Partial<NormalizedSearchQuery> = {}): NormalizedSearchQuery {
  return {
    text: undefined,
    filters: [],
    vector: undefined,
    sort: undefined,
    offset: 0,
    limit: 10,
    timeoutMs: 5_000,
    ...part,
  }
}

/** Writes `value` as an envelope with its searchable `fields`. */
export async function put(
  store: BytesStore,
  key: string,
  value: unknown,
  fields: SearchDocument,
  options: { ttl?: number; tags?: string[] } = {},
): Promise<void> {
  const bytes = await pipeline.encode(value, META, { namespace: store.namespace, key })
  await store.set(key, bytes, { ...options, fields })
}

async function decoded(entry: Uint8Array | CacheDecodeError | undefined): Promise<unknown> {
  if (entry === undefined || entry instanceof CacheDecodeError) return entry
  return (await pipeline.decode(entry, { namespace: '', key: '' })).value
}

/** Keys of a search, sorted (for set comparisons). */
async function keysOf(store: BytesStore, q: NormalizedSearchQuery): Promise<string[]> {
  const result = await (store.search as NonNullable<BytesStore['search']>)(q)
  return result.hits.map((h) => h.key).sort()
}

function search(store: BytesStore, q: NormalizedSearchQuery) {
  return (store.search as NonNullable<BytesStore['search']>)(q)
}

/**
 * A store schema from field specs. (`StoreSearchSchema` omits `extract` with a non-distributive
 * `Omit`, which refuses type-specific members in literals; the specs are what it means.)
 */
function schemaOf(fields: Record<string, SearchFieldSpec>): StoreSearchSchema {
  return fields as unknown as StoreSearchSchema
}

const SCHEMA = schemaOf({
  title: { type: 'text', weight: 2 },
  body: { type: 'text' },
  color: { type: 'tag', sortable: true },
  code: { type: 'tag', caseSensitive: true },
  price: { type: 'numeric', sortable: true },
  place: { type: 'geo' },
})

/**
 * A backend with RediSearch whose provider connects as a user with redis-kit's documented
 * least-privilege rule (with `search`), so the rule is checked too.
 */
async function startSearchBackend(kind: ServerKind, topology: Topology): Promise<Backend> {
  const { username, password } = SUITE_USER
  const rule = leastPrivilegeAclRule({
    keyPrefix: 'srch:',
    cluster: topology === 'cluster',
    search: true,
  })
  const users = [`${username} on >${password} ${rule}`]
  const access = { username, password }
  return topology === 'standalone'
    ? { topology, server: await startServer({ kind, search: true, users }), access }
    : { topology, cluster: await startCluster({ kind, search: true, users }), access }
}

async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Search on one Redis-family provider against real servers with RediSearch 2.4.16 loaded:
 * the index follows the entry (set, replace, delete, expiry, tags, clear, compute), every
 * operator, escaping of hostile strings, vectors (FLAT and HNSW, three metrics), a
 * differential test against a plain JavaScript scan, the schema-conflict rule, and on
 * clusters a failover and a slot migration. Standalone files also check the refusal without
 * the module. One backend per file.
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
      expect(() => provider.openStore({ namespace: store.namespace })).toThrow(CacheConfigError)
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

    describe('vectors', () => {
      const vectors: [string, number[]][] = [
        ['v1', [1, 0, 0]],
        ['v2', [0.9, 0.1, 0]],
        ['v3', [0, 1, 0]],
        ['v4', [0, 0, 2]],
        ['v5', [-1, 0, 0]],
      ]
      const similarityOf = (metric: string, a: number[], b: number[]) => {
        const dot = a.reduce((s, x, i) => s + x * (b[i] as number), 0)
        if (metric === 'ip') return dot
        if (metric === 'l2')
          return 1 / (1 + a.reduce((s, x, i) => s + (x - (b[i] as number)) ** 2, 0))
        const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))
        return dot / (norm(a) * norm(b))
      }
      for (const algorithm of ['flat', 'hnsw'] as const) {
        for (const distance of ['cosine', 'l2', 'ip'] as const) {
          it(`${algorithm} ${distance}: k nearest with similarity scores, filters and minScore`, async () => {
            const store = open(
              schemaOf({
                emb: { type: 'vector', dimensions: 3, distance, algorithm },
                color: { type: 'tag' },
              }),
            )
            for (const [key, v] of vectors) {
              await put(store, key, key, {
                emb: new Float32Array(v),
                color: key === 'v2' ? 'odd' : 'even',
              })
            }
            const target = [1, 0.05, 0]
            const expected = vectors
              .map(([key, v]) => ({ key, score: similarityOf(distance, v, target) }))
              .sort((a, b) => b.score - a.score)
            const result = await search(
              store,
              query({ vector: { field: 'emb', vector: new Float32Array(target), k: 3 } }),
            )
            expect(result.total).toBe(3)
            expect(result.hits.map((h) => h.key)).toEqual(expected.slice(0, 3).map((e) => e.key))
            for (const [i, hit] of result.hits.entries()) {
              expect(hit.score).toBeCloseTo(expected[i]?.score as number, 4)
              expect(await decoded(hit.entry)).toBe(hit.key)
            }
            const filtered = await search(
              store,
              query({
                vector: { field: 'emb', vector: new Float32Array(target), k: 2 },
                filters: [{ field: 'color', op: 'eq', value: 'even' }],
              }),
            )
            expect(filtered.hits.map((h) => h.key)).toEqual(
              expected
                .filter((e) => e.key !== 'v2')
                .slice(0, 2)
                .map((e) => e.key),
            )
            const minScore = ((expected[1]?.score as number) + (expected[2]?.score as number)) / 2
            const above = await search(
              store,
              query({ vector: { field: 'emb', vector: new Float32Array(target), k: 5, minScore } }),
            )
            expect(above.hits.map((h) => h.key)).toEqual(expected.slice(0, 2).map((e) => e.key))
            expect(above.total).toBe(2)
          })
        }
      }
    })

    it('matches a plain JavaScript scan on 400 random documents and 150 random queries', async () => {
      const store = open()
      const random = mulberry32(17)
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
      const words = [
        'ant',
        'bee',
        'cat',
        'dog',
        'eel',
        'fox',
        'gnu',
        'hen',
        'ibis',
        'jay',
        'kiwi',
        'lynx',
      ]
      const colors = ['red', 'green', 'blue', 'Cyan', 'black', 'white']
      const docs = new Map<string, SearchDocument>()
      for (let i = 0; i < 400; i++) {
        const fields: Record<string, unknown> = {}
        if (random() < 0.9)
          fields.title = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
            pick(words),
          ).join(' ')
        if (random() < 0.6)
          fields.body = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
            pick(words),
          ).join(', ')
        if (random() < 0.8)
          fields.color = random() < 0.3 ? [pick(colors), pick(colors)] : pick(colors)
        if (random() < 0.85) fields.price = Math.round(random() * 2000 - 500) / 4
        if (random() < 0.7) fields.place = { lon: random() * 20 - 10, lat: random() * 20 + 40 }
        docs.set(`d${i}`, fields as SearchDocument)
        await put(store, `d${i}`, i, fields as SearchDocument)
      }
      for (let q = 0; q < 150; q++) {
        const filters: NormalizedSearchQuery['filters'][number][] = []
        const parts = Math.floor(random() * 3)
        for (let p = 0; p < parts; p++) {
          const kind = Math.floor(random() * 7)
          const price = Math.round(random() * 2000 - 500) / 4
          if (kind === 0)
            filters.push({ field: 'color', op: 'eq', value: pick(colors).toLowerCase() })
          else if (kind === 1)
            filters.push({ field: 'color', op: 'ne', value: pick(colors).toLowerCase() })
          else if (kind === 2)
            filters.push({
              field: 'price',
              op: pick(['gt', 'ge', 'lt', 'le'] as const),
              value: price,
            })
          else if (kind === 3)
            filters.push({ field: 'price', op: 'between', min: price, max: price + random() * 300 })
          else if (kind === 4)
            filters.push({ field: 'title', op: 'prefix', value: pick(words).slice(0, 2) })
          else if (kind === 5)
            filters.push({
              field: 'place',
              op: 'within',
              center: { lon: random() * 20 - 10, lat: random() * 20 + 40 },
              radius: 50_000 + random() * 500_000,
            })
          else
            filters.push({
              field: 'color',
              op: 'in',
              values: [pick(colors).toLowerCase(), pick(colors).toLowerCase()],
            })
        }
        const text =
          random() < 0.4 ? `${pick(words)}${random() < 0.3 ? ` ${pick(words)}` : ''}` : undefined
        const sorted = random() < 0.5
        const base = query({
          text,
          filters,
          ...(sorted ? { sort: { field: 'price', order: random() < 0.5 ? 'asc' : 'desc' } } : {}),
        })
        const expected = referenceScan(SCHEMA, docs, base)
        const all = await search(store, { ...base, limit: 1000 })
        const where = JSON.stringify(base)
        expect(all.total, where).toBe(expected.length)
        expect(all.hits.map((h) => h.key).sort(), where).toEqual([...expected].sort())
        if (sorted) {
          const offset = Math.floor(random() * 20)
          const page = await search(store, { ...base, offset, limit: 7 })
          const priceOf = (key: string) => docs.get(key)?.price
          expect(
            page.hits.map((h) => priceOf(h.key)),
            where,
          ).toEqual(expected.slice(offset, offset + 7).map(priceOf))
          expect(page.total, where).toBe(expected.length)
        }
      }
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

    if (options.topology === 'standalone') {
      it('without the module, search rejects with CacheUnsupportedError naming it and the node; caching still works', async () => {
        const bare = await startServer({ kind: options.server })
        const p = await options.connect(
          { topology: 'standalone', server: bare },
          { keyPrefix: 'srch:' },
        )
        try {
          const store = p.openStore({
            namespace: 'nomodule',
            search: { schema: SCHEMA, indexName: 'index:nomodule' },
          }) as BytesStore
          await put(store, 'k', 'v', { title: 'x' })
          expect(await decoded(await store.get('k'))).toBe('v')
          const error = await search(store, query()).catch((e: unknown) => e)
          expect(error).toBeInstanceOf(CacheUnsupportedError)
          expect((error as Error).message).toContain(
            "RediSearch 2.4 ('search' module) is not loaded on 127.0.0.1:",
          )
          expect((error as Error).message).toContain(String(bare.port))
        } finally {
          await p.close()
          await bare.stop()
        }
      })
    }

    if (options.topology === 'standalone') {
      it('rejects with CacheTimeoutError after the query timeout', async () => {
        const store = open()
        await put(store, 'k', 1, { title: 'slow' })
        expect(await keysOf(store, query({ text: 'slow' }))).toEqual(['k'])
        const sleeping = rawCommand(backend, 'DEBUG', 'SLEEP', '1')
        await new Promise((r) => setTimeout(r, 50))
        const started = Date.now()
        const error = await search(store, query({ text: 'slow', timeoutMs: 200 })).catch(
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(CacheTimeoutError)
        expect(Date.now() - started).toBeLessThan(900)
        await sleeping
      })

      it('an evicted entry leaves the index (maxmemory allkeys-random)', async () => {
        const small = await startServer({
          kind: options.server,
          search: true,
          args: ['--maxmemory', '8mb', '--maxmemory-policy', 'allkeys-random'],
        })
        const p = await options.connect(
          { topology: 'standalone', server: small },
          { keyPrefix: 'srch:' },
        )
        try {
          const store = p.openStore({
            namespace: 'evict',
            search: { schema: SCHEMA, indexName: 'index:evict' },
          }) as BytesStore
          const filler = 'x'.repeat(20_000)
          for (let i = 0; i < 1_000; i++)
            await put(store, `e${i}`, filler, { title: 'evictable', price: i })
          const info = String(await small.command('INFO', 'stats'))
          expect(Number(/evicted_keys:(\d+)/.exec(info)?.[1])).toBeGreaterThan(0)
          const remaining = Number(await small.command('DBSIZE'))
          expect(remaining).toBeLessThan(1_000)
          const result = await search(store, query({ text: 'evictable', limit: 0 }))
          expect(result.total).toBe(remaining)
        } finally {
          await p.close()
          await small.stop()
        }
      })
    }

    if (options.topology === 'cluster') {
      it('spreads a namespace over every primary and merges: total, order and pages', async () => {
        const store = open()
        for (let i = 0; i < 60; i++) await put(store, `c${i}`, i, { title: 'everywhere', price: i })
        const page = await search(
          store,
          query({
            text: 'everywhere',
            sort: { field: 'price', order: 'desc' },
            offset: 5,
            limit: 10,
          }),
        )
        expect(page.total).toBe(60)
        expect(page.hits.map((h) => h.key)).toEqual(
          Array.from({ length: 10 }, (_, i) => `c${54 - i}`),
        )
        // One index per bucket, each on the primary that holds the bucket's keys.
        const perNode = await Promise.all(
          (await clusterOf(backend).primaries()).map(async (node) => {
            const names = ((await node.command('FT._LIST')) as string[]).filter((name) =>
              name.startsWith(`srch:index:${store.namespace}{`),
            )
            let docs = 0
            for (const name of names) {
              const info = (await node.command('FT.INFO', name)) as unknown[]
              docs += Number(info[info.indexOf('num_docs') + 1])
            }
            return docs
          }),
        )
        expect(perNode.filter((count) => count > 0).length).toBe(3)
        expect(perNode.reduce((a, b) => a + b, 0)).toBe(60)
        const unsorted = new Set<string>()
        for (let offset = 0; offset < 60; offset += 7) {
          for (const hit of (await search(store, query({ offset, limit: 7 }))).hits)
            unsorted.add(hit.key)
        }
        expect(unsorted.size).toBe(60)
      })

      it('keeps entries searchable through a slot migration', async () => {
        const store = open()
        for (let i = 0; i < 40; i++) await put(store, `m${i}`, i, { title: 'migrating', price: i })
        const cluster = clusterOf(backend)
        const valueKey = new KeyLayout('srch:', store.namespace, provider.buckets).valueKey('m0')
        const slot = Number(await rawCommand(backend, 'CLUSTER', 'KEYSLOT', valueKey))
        const primaries = await cluster.primaries()
        let from = primaries[0]
        for (const node of primaries) {
          if (Number(await node.command('CLUSTER', 'COUNTKEYSINSLOT', String(slot))) > 0)
            from = node
        }
        const to = primaries.find((node) => node !== from)
        if (from === undefined || to === undefined) throw new Error('no primaries')
        expect(await migrateSlot(cluster, slot, from, to)).toBeGreaterThan(0)
        const result = await search(store, query({ text: 'migrating', limit: 100 }))
        expect(result.total).toBe(40)
        expect(result.hits.map((h) => h.key).sort()).toEqual(
          Array.from({ length: 40 }, (_, i) => `m${i}`).sort(),
        )
        expect(await decoded(await store.get('m0'))).toBe(0)
      })

      it('keeps answering through a failover (a replica promoted), indexing new writes on the new primary', async () => {
        const store = open()
        for (let i = 0; i < 30; i++) await put(store, `f${i}`, i, { title: 'failover', price: i })
        const cluster = clusterOf(backend)
        const replica = (await cluster.replicas())[0]
        if (replica === undefined) throw new Error('no replica')
        await replica.command('CLUSTER', 'FAILOVER')
        await until(async () => (await cluster.primaries()).includes(replica), 'the failover')
        await cluster.waitUntilHealthy()
        await until(async () => {
          try {
            return (await search(store, query({ text: 'failover' }))).total === 30
          } catch {
            return false
          }
        }, 'search after the failover')
        for (let i = 30; i < 40; i++) await put(store, `f${i}`, i, { title: 'failover', price: i })
        const result = await search(
          store,
          query({ text: 'failover', sort: { field: 'price', order: 'desc' }, limit: 3 }),
        )
        expect(result.total).toBe(40)
        expect(result.hits.map((h) => h.key)).toEqual(['f39', 'f38', 'f37'])
      })
    }
  })
}

function clusterOf(backend: Backend) {
  if (backend.topology !== 'cluster') throw new Error('not a cluster')
  return backend.cluster
}

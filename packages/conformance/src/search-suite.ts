import type {
  CacheProvider,
  CacheService,
  SearchOptions,
  SearchQuery,
  SearchResult,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { describeSearchDifferential } from './search-differential.js'
import {
  type Item,
  itemFields,
  type SearchConformanceOptions,
  SUITE_SEARCH,
} from './search-fixtures.js'
import { referenceSearch, referenceSortValue } from './search-reference.js'

/** What the search suite needs from `runProviderConformance`. */
export interface SearchConformanceContext {
  readonly service: () => CacheService
  readonly provider: () => CacheProvider
  readonly freshName: (label: string) => string
  /** Lets TTLs run out (moves a manual clock, or waits). */
  readonly elapse: (ms: number) => Promise<void>
  readonly ttlMs: number
  readonly options: SearchConformanceOptions
}

const PARIS = { lon: 2.3522, lat: 48.8566 }
const ITEMS: Readonly<Record<string, Item>> = {
  a: {
    title: 'Red running shoe',
    body: 'light and fast',
    brand: 'Acme',
    colors: ['red', 'white'],
    price: 50,
    rating: 4,
    where: PARIS,
    vec: [1, 0, 0, 0],
  },
  b: {
    title: 'Blue running shorts',
    body: 'fast drying',
    brand: 'Zeta',
    colors: 'blue',
    price: 30,
    where: { lon: -0.1276, lat: 51.5072 },
    vec: [0, 1, 0, 0],
  },
  c: {
    title: 'Red rain coat',
    body: 'keeps you dry',
    brand: 'acme',
    price: 120,
    rating: 5,
    vec: [0.7, 0.7, 0, 0],
  },
  d: {
    title: 'Hiking boot',
    body: 'red laces, tough',
    brand: 'Rocky',
    colors: ['brown'],
    price: 150,
    rating: 3,
    where: { lon: 13.405, lat: 52.52 },
  },
  e: {
    title: 'Sun hat',
    brand: 'Zeta',
    colors: ['white'],
    price: 15.5,
    rating: 2,
    where: { lon: 2.3, lat: 48.87 },
    vec: [-1, 0, 0, 0],
  },
}

const keysOf = (r: SearchResult<string, unknown>) => r.items.map((i) => i.key).sort()

/**
 * Registers the search suite: every filter operator, full text (AND, case folding, scores),
 * sort, paging, vector top-K with `minScore` for the three metrics, the index following the
 * entry (replace, delete, expiry, tag invalidation, clear, compute, eviction), namespace
 * isolation, and the differential test against the reference scan.
 */
export function describeSearchConformance(ctx: SearchConformanceContext): void {
  const open = <V = Item>(
    label: string,
    search: SearchOptions<V> = SUITE_SEARCH as SearchOptions<V>,
  ) => ctx.service().namespace<V>(ctx.freshName(label), { jitter: 0, search })
  const withItems = async (label: string) => {
    const c = open(label)
    await c.setMany(Object.entries(ITEMS).map(([key, value]) => ({ key, value })))
    return c
  }
  const docs = Object.entries(ITEMS).map(([key, item]) => ({ key, fields: itemFields(item) }))
  const schema = Object.fromEntries(
    Object.entries(SUITE_SEARCH.schema).map(([name, { extract: _e, ...spec }]) => [name, spec]),
  ) as never

  describe('search', () => {
    describe('filters', () => {
      const cases: [string, SearchQuery, string[]][] = [
        [
          'eq on a tag (case-folded)',
          { filters: [{ field: 'brand', op: 'eq', value: 'ACME' }] },
          ['a', 'c'],
        ],
        ['eq on a number', { filters: [{ field: 'price', op: 'eq', value: 30 }] }, ['b']],
        [
          'ne on a tag',
          { filters: [{ field: 'brand', op: 'ne', value: 'zeta' }] },
          ['a', 'c', 'd'],
        ],
        [
          'ne on a number (entries without the field match)',
          { filters: [{ field: 'rating', op: 'ne', value: 4 }] },
          ['b', 'c', 'd', 'e'],
        ],
        [
          'ne on a multi-valued tag',
          { filters: [{ field: 'colors', op: 'ne', value: 'white' }] },
          ['b', 'c', 'd'],
        ],
        [
          'in on tags',
          { filters: [{ field: 'colors', op: 'in', values: ['white', 'Blue'] }] },
          ['a', 'b', 'e'],
        ],
        [
          'in on numbers',
          { filters: [{ field: 'price', op: 'in', values: [15.5, 150] }] },
          ['d', 'e'],
        ],
        ['gt', { filters: [{ field: 'price', op: 'gt', value: 50 }] }, ['c', 'd']],
        ['ge', { filters: [{ field: 'price', op: 'ge', value: 50 }] }, ['a', 'c', 'd']],
        ['lt', { filters: [{ field: 'price', op: 'lt', value: 30 }] }, ['e']],
        ['le', { filters: [{ field: 'price', op: 'le', value: 30 }] }, ['b', 'e']],
        [
          'between (inclusive)',
          { filters: [{ field: 'price', op: 'between', min: 30, max: 120 }] },
          ['a', 'b', 'c'],
        ],
        [
          'prefix on a tag',
          { filters: [{ field: 'colors', op: 'prefix', value: 'WH' }] },
          ['a', 'e'],
        ],
        [
          'prefix on a text field',
          { filters: [{ field: 'title', op: 'prefix', value: 'run' }] },
          ['a', 'b'],
        ],
        [
          'prefix on another text field',
          { filters: [{ field: 'body', op: 'prefix', value: 'dr' }] },
          ['b', 'c'],
        ],
        [
          'within a radius',
          { filters: [{ field: 'where', op: 'within', center: PARIS, radius: 10_000 }] },
          ['a', 'e'],
        ],
        [
          'two filters together (AND)',
          {
            filters: [
              { field: 'brand', op: 'eq', value: 'zeta' },
              { field: 'price', op: 'gt', value: 20 },
            ],
          },
          ['b'],
        ],
        ['text: one word', { text: 'red' }, ['a', 'c', 'd']],
        ['text: every word must match (AND), across fields', { text: 'red fast' }, ['a']],
        ['text: case-folded', { text: 'RUNNING Shoe' }, ['a']],
        [
          'text with a filter',
          { text: 'red', filters: [{ field: 'price', op: 'gt', value: 60 }] },
          ['c', 'd'],
        ],
        ['text matching nothing', { text: 'umbrella' }, []],
        ['no parts: everything', {}, ['a', 'b', 'c', 'd', 'e']],
      ]
      for (const [label, query, expected] of cases) {
        it(label, async () => {
          const c = await withItems('filters')
          const result = await c.search({ ...query, limit: 100 })
          expect(keysOf(result)).toEqual(expected)
          expect(result.total).toBe(expected.length)
          expect(result.hasMore).toBe(false)
          expect(
            referenceSearch(docs, schema, { ...query, limit: 100 })
              .keys.slice()
              .sort(),
          ).toEqual(expected)
          for (const item of result.items) expect(item.value).toEqual(ITEMS[item.key])
        })
      }

      it('text results carry scores, best first; structured results carry none', async () => {
        const c = await withItems('scores')
        const text = await c.search({ text: 'red' })
        expect(text.items.length).toBe(3)
        for (const item of text.items) expect(typeof item.score).toBe('number')
        const scores = text.items.map((i) => i.score as number)
        expect(scores).toEqual([...scores].sort((x, y) => y - x))
        const plain = await c.search({ filters: [{ field: 'price', op: 'gt', value: 0 }] })
        for (const item of plain.items) expect(item.score).toBeUndefined()
      })
    })

    describe('sort and paging', () => {
      it('sorts by a numeric field, ascending and descending', async () => {
        const c = await withItems('sort')
        const asc = await c.search({ sort: { field: 'price' } })
        expect(asc.items.map((i) => i.key)).toEqual(['e', 'b', 'a', 'c', 'd'])
        const desc = await c.search({ sort: { field: 'price', order: 'desc' } })
        expect(desc.items.map((i) => i.key)).toEqual(['d', 'c', 'a', 'b', 'e'])
      })

      it('sorts by a tag field', async () => {
        const c = await withItems('sort-tag')
        const asc = await c.search({ sort: { field: 'brand', order: 'asc' } })
        expect(asc.items.map((i) => referenceSortValue(itemFields(i.value).brand))).toEqual([
          'acme',
          'acme',
          'rocky',
          'zeta',
          'zeta',
        ])
        const desc = await c.search({ sort: { field: 'brand', order: 'desc' } })
        expect(desc.items.map((i) => referenceSortValue(itemFields(i.value).brand))).toEqual([
          'zeta',
          'zeta',
          'rocky',
          'acme',
          'acme',
        ])
      })

      it('sorts text matches by a field instead of by score', async () => {
        const c = await withItems('sort-text')
        const r = await c.search({ text: 'red', sort: { field: 'price', order: 'desc' } })
        expect(r.items.map((i) => i.key)).toEqual(['d', 'c', 'a'])
      })

      it('pages with offset and limit: total and hasMore', async () => {
        const c = await withItems('paging')
        const sort = { field: 'price', order: 'asc' } as const
        const first = await c.search({ sort, offset: 0, limit: 2 })
        expect(first).toMatchObject({ total: 5, hasMore: true })
        expect(first.items.map((i) => i.key)).toEqual(['e', 'b'])
        const middle = await c.search({ sort, offset: 2, limit: 2 })
        expect(middle.items.map((i) => i.key)).toEqual(['a', 'c'])
        expect(middle.hasMore).toBe(true)
        const last = await c.search({ sort, offset: 4, limit: 2 })
        expect(last.items.map((i) => i.key)).toEqual(['d'])
        expect(last.hasMore).toBe(false)
        const past = await c.search({ sort, offset: 10, limit: 2 })
        expect(past).toEqual({ total: 5, hasMore: false, items: [] })
        const defaults = await c.search({})
        expect(defaults.items.length).toBe(5)
      })

      it('pages without sort return distinct matches in a stable order', async () => {
        const c = await withItems('paging-unsorted')
        const pages = [0, 2, 4].map((offset) => c.search({ offset, limit: 2 }))
        const keys = (await Promise.all(pages)).flatMap((p) => p.items.map((i) => i.key))
        expect(keys.sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
      })
    })

    describe('vectors', () => {
      it('cosine: the k nearest, best first, with similarity scores and minScore', async () => {
        const c = await withItems('cosine')
        const r = await c.search({ vector: { field: 'vec', vector: [1, 0, 0, 0], k: 2 } })
        expect(r.items.map((i) => i.key)).toEqual(['a', 'c'])
        expect(r.total).toBe(2)
        expect(r.items[0]?.score).toBeCloseTo(1, 4)
        expect(r.items[1]?.score).toBeCloseTo(Math.SQRT1_2, 3)
        const min = await c.search({
          vector: { field: 'vec', vector: [1, 0, 0, 0], k: 3, minScore: 0.8 },
        })
        expect(min.items.map((i) => i.key)).toEqual(['a'])
        expect(min.total).toBe(1)
      })

      it('filters select the candidates, the vector part keeps the nearest of them', async () => {
        const c = await withItems('vector-filter')
        const r = await c.search({
          filters: [{ field: 'brand', op: 'eq', value: 'zeta' }],
          vector: { field: 'vec', vector: [1, 0, 0, 0], k: 5 },
        })
        expect(r.items.map((i) => i.key)).toEqual(['b', 'e'])
        expect(r.items[0]?.score).toBeCloseTo(0, 4)
        expect(r.items[1]?.score).toBeCloseTo(-1, 4)
      })

      const points: Record<string, { v: number[] }> = {
        x: { v: [1, 0] },
        y: { v: [0, 2] },
        z: { v: [3, 3] },
      }
      const metric: [string, 'l2' | 'ip' | 'cosine', string[], number[], number, string[]][] = [
        ['l2: 1 / (1 + squared distance)', 'l2', ['x', 'y'], [0.5, 1 / 3], 0.4, ['x']],
        ['ip: the inner product', 'ip', ['z', 'y'], [6, 2], 3, ['z']],
        ['cosine on unnormalised vectors', 'cosine', ['z'], [1], 0.9, ['z']],
      ]
      for (const [label, distance, top, scores, minScore, above] of metric) {
        it(label, async () => {
          const c = open<{ v: number[] }>(`vector-${distance}`, {
            schema: { v: { type: 'vector', dimensions: 2, distance } },
          })
          await c.setMany(Object.entries(points).map(([key, value]) => ({ key, value })))
          const k = top.length
          const r = await c.search({ vector: { field: 'v', vector: [1, 1], k } })
          expect(r.items.map((i) => i.key)).toEqual(top)
          r.items.forEach((item, i) => {
            expect(item.score).toBeCloseTo(scores[i] as number, 4)
          })
          const min = await c.search({ vector: { field: 'v', vector: [1, 1], k: 3, minScore } })
          expect(min.items.map((i) => i.key)).toEqual(above)
        })
      }
    })

    describe('the index follows the entry', () => {
      const brandIs = (value: string): SearchQuery => ({
        filters: [{ field: 'brand', op: 'eq', value }],
      })

      it('a replaced value is found by its new fields only', async () => {
        const c = open('replace')
        await c.set('k', { title: 'old words', brand: 'acme', price: 1 })
        expect(keysOf(await c.search(brandIs('acme')))).toEqual(['k'])
        await c.set('k', { title: 'new words', brand: 'zeta' })
        expect((await c.search(brandIs('acme'))).total).toBe(0)
        expect((await c.search({ text: 'old' })).total).toBe(0)
        expect((await c.search({ filters: [{ field: 'price', op: 'ge', value: 0 }] })).total).toBe(
          0,
        )
        const now = await c.search({ text: 'new' })
        expect(now.items).toEqual([
          expect.objectContaining({ key: 'k', value: { title: 'new words', brand: 'zeta' } }),
        ])
      })

      it('a deleted entry leaves the index', async () => {
        const c = await withItems('delete')
        expect(await c.delete('a')).toBe(true)
        await c.deleteMany(['c'])
        expect(keysOf(await c.search(brandIs('acme')))).toEqual([])
        expect((await c.search({})).total).toBe(3)
      })

      it('an expired entry is never returned', async () => {
        const c = open('expiry')
        await c.set('short', { title: 'fleeting', brand: 'x' }, { ttl: ctx.ttlMs })
        await c.set('long', { title: 'lasting', brand: 'x' })
        expect((await c.search(brandIs('x'))).total).toBe(2)
        await ctx.elapse(ctx.ttlMs * 2 + 50)
        const r = await c.search(brandIs('x'))
        expect(r.items.map((i) => i.key)).toEqual(['long'])
        expect(r.total).toBe(1)
        expect((await c.search({ text: 'fleeting' })).total).toBe(0)
      })

      it('tag invalidation removes entries from the index', async () => {
        const c = open('tags')
        await c.set('t1', { brand: 'x', price: 1 }, { tags: ['shop:1'] })
        await c.set('t2', { brand: 'x', price: 2 }, { tags: ['shop:2'] })
        expect(await c.invalidateTags(['shop:1'])).toBe(1)
        expect(keysOf(await c.search(brandIs('x')))).toEqual(['t2'])
      })

      it('clear empties the index of this namespace only', async () => {
        const c = await withItems('clear')
        const other = await withItems('clear-other')
        await c.clear()
        expect(await c.search({})).toEqual({ total: 0, hasMore: false, items: [] })
        expect((await other.search({})).total).toBe(5)
      })

      it('namespaces do not see each other', async () => {
        const c = open('isolated')
        const other = open('isolated')
        await c.set('mine', { brand: 'same' })
        await other.set('theirs', { brand: 'same' })
        expect(keysOf(await c.search(brandIs('same')))).toEqual(['mine'])
        expect(keysOf(await other.search(brandIs('same')))).toEqual(['theirs'])
      })

      it('compute writes and deletes the fields with the entry', async () => {
        const c = open('compute')
        await c.compute('k', () => ({ action: 'set', value: { brand: 'made', price: 7 } }))
        expect(keysOf(await c.search(brandIs('made')))).toEqual(['k'])
        await c.compute('k', (cur) => ({ action: 'set', value: { ...cur, brand: 'changed' } }))
        expect((await c.search(brandIs('made'))).total).toBe(0)
        expect(keysOf(await c.search(brandIs('changed')))).toEqual(['k'])
        await c.compute('k', () => ({ action: 'delete' }))
        expect((await c.search(brandIs('changed'))).total).toBe(0)
      })

      it('a loaded value is indexed by its write-back', async () => {
        const c = open('load')
        await c.getOrSet('k', () => ({ title: 'loaded item', brand: 'l' }))
        await c.getOrSetMany(['m'], () => new Map([['m', { title: 'bulk loaded', brand: 'l' }]]))
        expect(keysOf(await c.search({ text: 'loaded' }))).toEqual(['k', 'm'])
      })

      it(
        ctx.options.evict === undefined
          ? 'eviction: no hook given, nothing to check beyond the index staying consistent'
          : 'an evicted entry leaves the index',
        async () => {
          const c = open('evict')
          const keys = Array.from({ length: 40 }, (_, i) => `e${i}`)
          await c.setMany(keys.map((key, i) => ({ key, value: { brand: 'ev', price: i } })))
          if (ctx.options.evict !== undefined) await ctx.options.evict(ctx.provider())
          const present: string[] = []
          for (const key of keys) if ((await c.get(key)) !== undefined) present.push(key)
          if (ctx.options.evict !== undefined) expect(present.length).toBeLessThan(keys.length)
          const r = await c.search({ ...brandIs('ev'), limit: 100 })
          expect(keysOf(r)).toEqual(present.sort())
          expect(r.total).toBe(present.length)
        },
      )
    })

    describeSearchDifferential({ open: (label) => open(label), options: ctx.options })
  })
}

import type { Cache, StoreSearchSchema } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { differentialItems, differentialQueries } from './search-data.js'
import {
  type Item,
  itemFields,
  type SearchConformanceOptions,
  SUITE_SEARCH,
} from './search-fixtures.js'
import { type ReferenceDocument, referenceSearch, referenceSortValue } from './search-reference.js'

/**
 * The differential test: seeded random documents and queries, each answer compared with the
 * reference scan. Text results are compared as key sets (scores differ between backends);
 * sorted results by the sequence of sort values plus membership of every key.
 */
export function describeSearchDifferential(ctx: {
  readonly open: (label: string) => Cache<Item>
  readonly options: SearchConformanceOptions
}): void {
  const seed = ctx.options.seed ?? 17
  const documents = ctx.options.documents ?? 3000
  const queries = ctx.options.queries ?? 300
  describe(`differential: ${documents} seeded documents, ${queries} queries against the reference scan`, () => {
    it('answers every query as the reference scan does', async () => {
      const c = ctx.open('differential')
      const items = differentialItems(seed, documents)
      const entries = [...items].map(([key, value]) => ({ key, value }))
      for (let i = 0; i < entries.length; i += 500) await c.setMany(entries.slice(i, i + 500))
      const docs: ReferenceDocument[] = [...items].map(([key, item]) => ({
        key,
        fields: itemFields(item),
      }))
      const schema = Object.fromEntries(
        Object.entries(SUITE_SEARCH.schema).map(([name, { extract: _e, ...spec }]) => [name, spec]),
      ) as StoreSearchSchema
      let nonEmpty = 0
      for (const [n, query] of differentialQueries(seed, queries).entries()) {
        const where = `query ${n}: ${JSON.stringify(query)}`
        const expected = referenceSearch(docs, schema, query)
        const actual = await c.search(query)
        expect(actual.total, where).toBe(expected.total)
        if (expected.total > 0) nonEmpty++
        const offset = query.offset ?? 0
        expect(actual.items.length, where).toBe(expected.page.length)
        expect(actual.hasMore, where).toBe(offset + actual.items.length < expected.total)
        const matching = new Set(expected.keys)
        const keys = actual.items.map((i) => i.key)
        expect(new Set(keys).size, where).toBe(keys.length)
        for (const key of keys)
          expect(matching.has(key), `${where}: ${key} should not match`).toBe(true)
        for (const item of actual.items) expect(item.value, where).toEqual(items.get(item.key))
        if (query.sort !== undefined) {
          const field = query.sort.field
          const sortKeyOf = (key: string) =>
            referenceSortValue(itemFields(items.get(key) as Item)[field])
          expect(keys.map(sortKeyOf), where).toEqual(expected.page.map(sortKeyOf))
        } else {
          expect(keys.slice().sort(), where).toEqual(expected.keys.slice().sort())
          if (query.text !== undefined) {
            const scores = actual.items.map((i) => i.score as number)
            expect(scores, where).toEqual([...scores].sort((a, b) => b - a))
          }
        }
      }
      // The generator must produce queries that match something, or the test proves little.
      expect(nonEmpty).toBeGreaterThan(queries / 2)
    })
  })
}

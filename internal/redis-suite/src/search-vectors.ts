import type { NormalizedSearchQuery, SearchDocument } from '@cacheport/core'
import { mulberry32 } from '@cacheport/test-harness'
import { describe, expect, it } from 'vitest'
import {
  decoded,
  put,
  query,
  SCHEMA,
  type SearchSuiteContext,
  schemaOf,
  search,
} from './search-helpers.js'
import { referenceScan } from './search-reference.js'

/**
 * Vectors (FLAT and HNSW, three metrics: order, similarity scores, filters, minScore) and the
 * differential test against a plain JavaScript scan.
 */
export function describeSearchVectorsAndScan(ctx: SearchSuiteContext): void {
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
          const store = ctx.open(
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
    const store = ctx.open()
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
        fields.title = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(words)).join(
          ' ',
        )
      if (random() < 0.6)
        fields.body = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(words)).join(
          ', ',
        )
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
}

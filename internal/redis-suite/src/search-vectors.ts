import { describe, expect, it } from 'vitest'
import { decoded, put, query, type SearchSuiteContext, search } from './search-helpers.js'

/**
 * Vectors (FLAT and HNSW, three metrics: order, similarity scores, filters, minScore). The
 * differential test against the reference scan is the conformance kit's, which
 * `describeRedisFamilyProvider` runs on every backend (clusters included).
 */
export function describeSearchVectors(ctx: SearchSuiteContext): void {
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
          const store = ctx.open({
            emb: { type: 'vector', dimensions: 3, distance, algorithm },
            color: { type: 'tag' },
          })
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
}

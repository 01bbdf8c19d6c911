/** Seeded documents and queries for the differential test and the search bench (no vitest here). */
import { type GeoPoint, geoDistance, type SearchFilter, type SearchQuery } from '@cacheport/core'
import type { Item } from './search-fixtures.js'

/** A small, seeded PRNG (mulberry32): the same documents and queries on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const WORDS = [
  'red',
  'blue',
  'green',
  'shoe',
  'boot',
  'coat',
  'hat',
  'light',
  'heavy',
  'fast',
  'slow',
  'rain',
  'sun',
  'snow',
  'trail',
  'road',
  'city',
  'summer',
  'winter',
  'soft',
  'hard',
  'warm',
  'cool',
  'dry',
  'wet',
  'classic',
  'modern',
  'running',
  'walking',
  'hiking',
]
const BRANDS = ['acme', 'zeta', 'rocky', 'nimbus', 'orbit', 'pola', 'quill', 'terra']
const COLORS = ['red', 'white', 'blue', 'black', 'brown', 'grey']

/** Centres and radii of the geo queries; no document lies within 0.5% of a radius. */
const GEO_QUERIES: readonly { center: GeoPoint; radius: number }[] = [
  { center: { lon: 2.35, lat: 48.85 }, radius: 50_000 },
  { center: { lon: 2.35, lat: 48.85 }, radius: 300_000 },
  { center: { lon: 13.4, lat: 52.5 }, radius: 120_000 },
  { center: { lon: -3.7, lat: 40.4 }, radius: 500_000 },
  { center: { lon: 10, lat: 47 }, radius: 1_000_000 },
]

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T
}

function words(random: () => number, min: number, max: number): string {
  const n = min + Math.floor(random() * (max - min + 1))
  return Array.from({ length: n }, () => pick(random, WORDS)).join(' ')
}

/** A random point around Europe, kept clear of every geo query's boundary. */
function point(random: () => number): GeoPoint {
  for (;;) {
    const p = { lon: -5 + random() * 25, lat: 38 + random() * 17 }
    const lon = Math.round(p.lon * 1e5) / 1e5
    const lat = Math.round(p.lat * 1e5) / 1e5
    const q = { lon, lat }
    const clear = GEO_QUERIES.every(
      (g) => Math.abs(geoDistance(q, g.center) - g.radius) > g.radius * 0.005,
    )
    if (clear) return q
  }
}

/** Seeded documents: words from a small vocabulary, tags, numbers, points, small vectors. */
export function differentialItems(seed: number, count: number): Map<string, Item> {
  const random = seededRandom(seed)
  const out = new Map<string, Item>()
  for (let i = 0; i < count; i++) {
    const colors = Array.from({ length: Math.floor(random() * 4) }, () => pick(random, COLORS))
    const item: Item = {
      title: words(random, 1, 5),
      ...(random() < 0.7 ? { body: words(random, 0, 8) } : {}),
      brand: pick(random, BRANDS),
      ...(colors.length > 0
        ? { colors: colors.length === 1 && random() < 0.5 ? (colors[0] as string) : colors }
        : {}),
      price: random() < 0.5 ? Math.floor(random() * 1000) : Math.round(random() * 100_000) / 100,
      ...(random() < 0.8 ? { rating: Math.floor(random() * 6) } : {}),
      ...(random() < 0.7 ? { where: point(random) } : {}),
      ...(random() < 0.5
        ? { vec: [random() - 0.5, random() - 0.5, random() - 0.5, random() - 0.5] }
        : {}),
    }
    out.set(`doc:${i}`, item)
  }
  return out
}

function randomFilter(random: () => number): SearchFilter {
  const price = () => Math.floor(random() * 1000)
  switch (Math.floor(random() * 13)) {
    case 0:
      return { field: 'brand', op: 'eq', value: pick(random, BRANDS) }
    case 1:
      return { field: 'colors', op: 'eq', value: pick(random, COLORS) }
    case 2:
      return { field: 'brand', op: 'ne', value: pick(random, BRANDS) }
    case 3:
      return { field: 'colors', op: 'in', values: [pick(random, COLORS), pick(random, COLORS)] }
    case 4:
      return { field: 'rating', op: 'eq', value: Math.floor(random() * 6) }
    case 5:
      return {
        field: 'rating',
        op: pick(random, ['gt', 'ge', 'lt', 'le'] as const),
        value: Math.floor(random() * 6),
      }
    case 6:
      return { field: 'price', op: pick(random, ['gt', 'ge', 'lt', 'le'] as const), value: price() }
    case 7: {
      const a = price()
      const b = price()
      return { field: 'price', op: 'between', min: Math.min(a, b), max: Math.max(a, b) }
    }
    case 8:
      return {
        field: 'rating',
        op: 'in',
        values: [Math.floor(random() * 6), Math.floor(random() * 6)],
      }
    case 9:
      return { field: 'brand', op: 'prefix', value: pick(random, BRANDS).slice(0, 2) }
    case 10:
      return {
        field: 'title',
        op: 'prefix',
        value: pick(random, WORDS).slice(0, 2 + Math.floor(random() * 2)),
      }
    case 11:
      return { field: 'rating', op: 'ne', value: Math.floor(random() * 6) }
    default: {
      const g = pick(random, GEO_QUERIES)
      return { field: 'where', op: 'within', center: g.center, radius: g.radius }
    }
  }
}

/** Seeded queries: filters, tags, ranges, prefixes, sort and paging; text; combinations. */
export function differentialQueries(seed: number, count: number): SearchQuery[] {
  const random = seededRandom(seed ^ 0x5eed)
  const out: SearchQuery[] = []
  for (let i = 0; i < count; i++) {
    const filters = Array.from(
      { length: Math.floor(random() * 3) + (random() < 0.2 ? 0 : 1) },
      () => randomFilter(random),
    )
    const text = random() < 0.35 ? words(random, 1, 2) : undefined
    const sorted = random() < 0.5
    const query: SearchQuery = {
      ...(text !== undefined ? { text } : {}),
      ...(filters.length > 0 ? { filters } : {}),
      ...(sorted
        ? {
            sort: {
              field: random() < 0.7 ? 'price' : 'brand',
              order: random() < 0.5 ? 'asc' : 'desc',
            },
          }
        : {}),
      offset: sorted && random() < 0.5 ? Math.floor(random() * 50) : 0,
      limit: sorted ? 1 + Math.floor(random() * 40) : 10_000,
    }
    out.push(query)
  }
  return out
}

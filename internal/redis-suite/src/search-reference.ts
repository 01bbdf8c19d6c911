import type {
  NormalizedSearchQuery,
  SearchDocument,
  SearchFilter,
  StoreSearchSchema,
} from '@cacheport/core'

/**
 * A plain scan in JavaScript that answers a query the way the contract says (see
 * `search-types.ts`): the suite's own reference until `@cacheport/conformance` exports one.
 * It returns the keys that match, in the query's order for sorted queries.
 */

/** Earth radius RediSearch (and Redis GEO) use, m. */
const EARTH_RADIUS_M = 6372797.560856

function terms(text: string): string[] {
  return text
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((t) => t !== '')
    .map((t) => t.toLowerCase())
}

function distanceM(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h))
}

function tagsOf(value: unknown, caseSensitive: boolean): string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
  return list.map((t: string) => (caseSensitive ? t : t.toLowerCase()))
}

function matches(schema: StoreSearchSchema, doc: SearchDocument, filter: SearchFilter): boolean {
  const spec = schema[filter.field] as { type: string; caseSensitive?: boolean } | undefined
  const value = doc[filter.field]
  const type = spec?.type
  const point = (v: string | number): boolean => {
    if (value === undefined) return false
    if (type === 'tag') {
      const cs = spec?.caseSensitive === true
      const wanted = cs ? String(v) : String(v).toLowerCase()
      return tagsOf(value, cs).includes(wanted)
    }
    return typeof value === 'number' && value === v
  }
  switch (filter.op) {
    case 'eq':
      return point(filter.value)
    case 'ne':
      return !point(filter.value)
    case 'in':
      return filter.values.some(point)
    case 'gt':
      return typeof value === 'number' && value > filter.value
    case 'ge':
      return typeof value === 'number' && value >= filter.value
    case 'lt':
      return typeof value === 'number' && value < filter.value
    case 'le':
      return typeof value === 'number' && value <= filter.value
    case 'between':
      return typeof value === 'number' && value >= filter.min && value <= filter.max
    case 'prefix': {
      if (value === undefined) return false
      if (type === 'tag') {
        const cs = spec?.caseSensitive === true
        const p = cs ? filter.value : filter.value.toLowerCase()
        return tagsOf(value, cs).some((t) => t.startsWith(p))
      }
      const p = filter.value.toLowerCase()
      return terms(String(value)).some((t) => t.startsWith(p))
    }
    case 'within':
      return (
        value !== undefined &&
        distanceM(value as { lon: number; lat: number }, filter.center) <= filter.radius
      )
  }
}

/** The keys of `docs` matching `query` (text and filters; no vector), sorted when asked. */
export function referenceScan(
  schema: StoreSearchSchema,
  docs: ReadonlyMap<string, SearchDocument>,
  query: NormalizedSearchQuery,
): string[] {
  const textFields = Object.entries(schema)
    .filter(([, s]) => s.type === 'text')
    .map(([n]) => n)
  const wanted = query.text === undefined ? [] : terms(query.text)
  const out: string[] = []
  for (const [key, doc] of docs) {
    if (wanted.length > 0) {
      const have = new Set(textFields.flatMap((f) => terms(String(doc[f] ?? ''))))
      if (!wanted.every((t) => have.has(t))) continue
    }
    if (!query.filters.every((f) => matches(schema, doc, f))) continue
    out.push(key)
  }
  const sort = query.sort
  if (sort !== undefined) {
    const sign = sort.order === 'desc' ? -1 : 1
    out.sort((a, b) => {
      const x = docs.get(a)?.[sort.field] as number | undefined
      const y = docs.get(b)?.[sort.field] as number | undefined
      if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1
      return sign * (x - y)
    })
  }
  return out
}

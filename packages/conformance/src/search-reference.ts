/**
 * The reference scan: the search semantics of `@cacheport/core`'s `search-types.ts`, written
 * as a plain loop over documents with nothing indexed, so the conformance kit can compare a
 * provider's answers with it (the differential test). Slow on purpose; never used to serve.
 */
import {
  DEFAULT_SEARCH_LIMIT,
  type GeoPoint,
  geoDistance,
  type SearchDocument,
  type SearchFieldValue,
  type SearchFilter,
  type SearchQuery,
  type StoreSearchSchema,
  searchTerms,
  vectorScore,
} from '@cacheport/core'

/** One document the reference scans: its key and fields as a store receives them. */
export interface ReferenceDocument {
  readonly key: string
  readonly fields: SearchDocument
}

/** What the reference answers. */
export interface ReferenceAnswer {
  /** How many documents match (for vector queries: at most k). */
  readonly total: number
  /**
   * Every matching key: in sort order with `sort`, by vector score with `vector`, else in
   * document order (text scores are not modelled; compare text results as key sets).
   */
  readonly keys: readonly string[]
  /** The page `offset`/`limit` select from `keys`. */
  readonly page: readonly string[]
  /** Vector similarity by key, for vector queries. */
  readonly scores: ReadonlyMap<string, number>
}

/** A field's value as a sort key: numbers as they are, text lower-cased, tags joined with `,`. */
export function referenceSortValue(
  value: SearchFieldValue | undefined,
): number | string | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'string') return value.toLowerCase()
  if (Array.isArray(value)) return value.join(',').toLowerCase()
  return undefined
}

/**
 * Answers `query` over `docs` by scanning every document. `query` is a `SearchQuery` as an
 * application passes it (tags are folded here for case-insensitive fields). Never throws for
 * a valid query; does not validate.
 */
export function referenceSearch(
  docs: Iterable<ReferenceDocument>,
  schema: StoreSearchSchema,
  query: SearchQuery,
): ReferenceAnswer {
  const fold = (field: string, s: string) => {
    const spec = schema[field]
    return spec?.type === 'tag' && spec.caseSensitive !== true ? s.toLowerCase() : s
  }
  const textFields = Object.keys(schema).filter((n) => schema[n]?.type === 'text')
  const terms = query.text === undefined ? [] : searchTerms(query.text)
  let matched: ReferenceDocument[] = []
  for (const doc of docs) {
    const words = new Set<string>()
    for (const f of textFields) {
      const v = doc.fields[f]
      if (typeof v === 'string') for (const t of searchTerms(v)) words.add(t)
    }
    if (!terms.every((t) => words.has(t))) continue
    if (!(query.filters ?? []).every((f) => filterMatches(doc.fields, f, schema, fold))) continue
    matched.push(doc)
  }
  const scores = new Map<string, number>()
  const v = query.vector
  if (v !== undefined) {
    const spec = schema[v.field]
    const distance = spec?.type === 'vector' ? spec.distance : 'cosine'
    const vector = Float32Array.from(v.vector)
    const scored: { doc: ReferenceDocument; score: number }[] = []
    for (const doc of matched) {
      const x = doc.fields[v.field]
      if (!(x instanceof Float32Array)) continue
      const score = vectorScore(distance, vector, x)
      if (v.minScore === undefined || score >= v.minScore) scored.push({ doc, score })
    }
    scored.sort((a, b) => b.score - a.score)
    matched = scored.slice(0, v.k).map((s) => {
      scores.set(s.doc.key, s.score)
      return s.doc
    })
  }
  if (query.sort !== undefined) {
    const { field } = query.sort
    const sign = query.sort.order === 'desc' ? -1 : 1
    matched = matched
      .map((doc) => ({ doc, value: referenceSortValue(doc.fields[field]) }))
      .sort((a, b) => {
        if (a.value === undefined || b.value === undefined) {
          return a.value === b.value ? 0 : a.value === undefined ? 1 : -1
        }
        return a.value < b.value ? -sign : a.value > b.value ? sign : 0
      })
      .map((d) => d.doc)
  }
  const keys = matched.map((d) => d.key)
  const offset = query.offset ?? 0
  const limit = query.limit ?? DEFAULT_SEARCH_LIMIT
  return { total: keys.length, keys, page: keys.slice(offset, offset + limit), scores }
}

function filterMatches(
  fields: SearchDocument,
  f: SearchFilter,
  schema: StoreSearchSchema,
  fold: (field: string, s: string) => string,
): boolean {
  const value = fields[f.field]
  const isText = schema[f.field]?.type === 'text'
  const eq = (wanted: string | number): boolean => {
    if (value === undefined) return false
    if (typeof wanted === 'string') {
      const w = fold(f.field, wanted)
      if (typeof value === 'string') return fold(f.field, value) === w
      return Array.isArray(value) && value.some((t: string) => fold(f.field, t) === w)
    }
    return value === wanted
  }
  switch (f.op) {
    case 'eq':
      return eq(f.value)
    case 'ne':
      return !eq(f.value)
    case 'in':
      return f.values.some(eq)
    case 'gt':
      return typeof value === 'number' && value > f.value
    case 'ge':
      return typeof value === 'number' && value >= f.value
    case 'lt':
      return typeof value === 'number' && value < f.value
    case 'le':
      return typeof value === 'number' && value <= f.value
    case 'between':
      return typeof value === 'number' && value >= f.min && value <= f.max
    case 'prefix': {
      if (isText) {
        const p = f.value.toLowerCase()
        return typeof value === 'string' && searchTerms(value).some((t) => t.startsWith(p))
      }
      const p = fold(f.field, f.value)
      const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
      return list.some((t: string) => fold(f.field, t).startsWith(p))
    }
    case 'within':
      return (
        value !== undefined &&
        typeof value === 'object' &&
        'lat' in value &&
        geoDistance(value as GeoPoint, f.center) <= f.radius
      )
  }
}

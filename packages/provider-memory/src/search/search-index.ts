import {
  CacheUnsupportedError,
  type GeoPoint,
  geoDistance,
  type NormalizedSearchQuery,
  type SearchDocument,
  type SearchFilter,
  type StoreSearchSchema,
  searchTerms,
  vectorScore,
} from '@cacheport/core'
import { NumericFieldIndex } from './numeric-field-index.js'
import { TagFieldIndex } from './tag-field-index.js'
import { TextFieldIndex } from './text-field-index.js'

/** One hit of an index search: the key and, for text or vector queries, its score. */
export interface IndexHit {
  readonly key: string
  readonly score?: number
}

/** What `SearchIndex.search` answers: the total and the requested page. */
export interface IndexAnswer {
  readonly total: number
  readonly hits: readonly IndexHit[]
}

/**
 * The search index of one namespace of the memory provider: the fields of every entry, an
 * inverted index with BM25 per TEXT field, tag sets per TAG field and an ordered index per
 * NUMERIC field; GEO radius and VECTOR top-K (exact) are evaluated over the candidates.
 * The store keeps it in step with its entries (write, replace, delete, expiry, eviction).
 */
export class SearchIndex {
  readonly schema: StoreSearchSchema
  /** The schema as a canonical string, to tell a store reopened with another schema. */
  readonly signature: string
  readonly #docs = new Map<string, SearchDocument>()
  readonly #text = new Map<string, TextFieldIndex>()
  readonly #tags = new Map<string, TagFieldIndex>()
  readonly #numbers = new Map<string, NumericFieldIndex>()
  readonly #points = new Map<string, Map<string, GeoPoint>>()
  readonly #vectors = new Map<string, Map<string, Float32Array>>()

  /** Throws `CacheUnsupportedError` for an `hnsw` vector field (this index is exact only). */
  constructor(schema: StoreSearchSchema) {
    this.schema = schema
    this.signature = signatureOf(schema)
    for (const [name, field] of Object.entries(schema)) {
      if (field.type === 'text') this.#text.set(name, new TextFieldIndex(field.weight ?? 1))
      else if (field.type === 'tag') this.#tags.set(name, new TagFieldIndex())
      else if (field.type === 'numeric') this.#numbers.set(name, new NumericFieldIndex())
      else if (field.type === 'geo') this.#points.set(name, new Map())
      else if (field.type === 'vector') {
        if (field.algorithm === 'hnsw') {
          throw new CacheUnsupportedError(
            'search',
            `the memory provider indexes vectors exactly ('flat'); field '${name}' asks for 'hnsw'`,
          )
        }
        this.#vectors.set(name, new Map())
      }
    }
  }

  /** Entries indexed. */
  get size(): number {
    return this.#docs.size
  }

  /** Indexes `key` with `doc`, replacing what it had; `undefined` leaves it unindexed. */
  put(key: string, doc: SearchDocument | undefined): void {
    this.remove(key)
    if (doc === undefined) return
    this.#docs.set(key, doc)
    for (const [name, value] of Object.entries(doc)) {
      if (typeof value === 'string') {
        this.#text.get(name)?.add(key, value)
        this.#tags.get(name)?.add(key, value)
      } else if (typeof value === 'number') this.#numbers.get(name)?.add(key, value)
      else if (Array.isArray(value)) this.#tags.get(name)?.add(key, value)
      else if (value instanceof Float32Array) this.#vectors.get(name)?.set(key, value)
      else this.#points.get(name)?.set(key, value as GeoPoint)
    }
  }

  /** Drops `key` from every field. */
  remove(key: string): void {
    const doc = this.#docs.get(key)
    if (doc === undefined) return
    this.#docs.delete(key)
    for (const [name, value] of Object.entries(doc)) {
      if (typeof value === 'string') {
        this.#text.get(name)?.remove(key, value)
        this.#tags.get(name)?.remove(key, value)
      } else if (typeof value === 'number') this.#numbers.get(name)?.remove(key)
      else if (Array.isArray(value)) this.#tags.get(name)?.remove(key, value)
      else if (value instanceof Float32Array) this.#vectors.get(name)?.delete(key)
      else this.#points.get(name)?.delete(key)
    }
  }

  clear(): void {
    this.#docs.clear()
    for (const f of this.#text.values()) f.clear()
    for (const f of this.#tags.values()) f.clear()
    for (const f of this.#numbers.values()) f.clear()
    for (const f of this.#points.values()) f.clear()
    for (const f of this.#vectors.values()) f.clear()
  }

  /**
   * Evaluates a validated query over the entries for which `live` is true (the store passes
   * a check of expiry). The store turns the keys of the page into entries.
   */
  search(query: NormalizedSearchQuery, live: (key: string) => boolean): IndexAnswer {
    const terms = query.text === undefined ? [] : [...new Set(searchTerms(query.text))]
    const tests: ((key: string) => boolean)[] = []
    let driver: Driver = { size: this.#docs.size, keys: () => this.#docs.keys(), exact: false }
    const offer = (candidate: Driver) => {
      if (candidate.size < driver.size) driver = candidate
    }
    for (const term of terms) {
      const fields = [...this.#text.values()]
      tests.push((key) => fields.some((f) => f.postings.get(term)?.has(key) === true))
      let size = 0
      for (const f of fields) size += f.postings.get(term)?.size ?? 0
      offer({
        size,
        exact: false,
        keys: () => {
          const out = new Set<string>()
          for (const f of fields) for (const k of f.postings.get(term)?.keys() ?? []) out.add(k)
          return out
        },
      })
    }
    for (const f of query.filters) {
      const compiled = this.#compile(f)
      if (compiled.driver !== undefined) offer(compiled.driver)
      tests.push(compiled.test)
    }
    const vectors = query.vector === undefined ? undefined : this.#vectors.get(query.vector.field)
    if (vectors !== undefined)
      offer({ size: vectors.size, keys: () => vectors.keys(), exact: false })
    const matched: string[] = []
    const checks = driver.exact ? tests.filter((t) => t !== driver.test) : tests
    const count = checks.length
    for (const key of driver.keys()) {
      if (!live(key)) continue
      let ok = true
      for (let i = 0; i < count && ok; i++) ok = (checks[i] as (key: string) => boolean)(key)
      if (ok) matched.push(key)
    }
    const end = query.offset + query.limit
    let scored: { key: string; score: number }[] | undefined
    let keys = matched
    if (query.vector !== undefined && vectors !== undefined) {
      const v = query.vector
      const field = this.schema[v.field]
      const distance = field?.type === 'vector' ? field.distance : 'cosine'
      const all: { key: string; score: number }[] = []
      for (const key of matched) {
        const vector = vectors.get(key)
        if (vector === undefined) continue
        const score = vectorScore(distance, v.vector, vector)
        if (v.minScore === undefined || score >= v.minScore) all.push({ key, score })
      }
      scored = topK(all, v.k)
      keys = scored.map((s) => s.key)
    } else if (terms.length > 0) {
      const text = [...this.#text.values()]
      scored = matched.map((key) => {
        let score = 0
        for (const f of text) score += f.score(key, terms)
        return { key, score }
      })
      if (query.sort === undefined) {
        const total = scored.length
        const page = topK(scored, end).slice(query.offset)
        return { total, hits: page }
      }
    }
    const total = keys.length
    const pageKeys =
      query.sort === undefined
        ? keys.slice(query.offset, end)
        : this.#sortedPage(keys, query.sort, query.offset, Math.min(end, total))
    if (scored === undefined) return { total, hits: pageKeys.map((key) => ({ key })) }
    const scores = new Map(scored.map((s) => [s.key, s.score]))
    return { total, hits: pageKeys.map((key) => ({ key, score: scores.get(key) as number })) }
  }

  /** A filter as a test of one key, and the candidate set it narrows to where it can. */
  #compile(f: SearchFilter): { test: (key: string) => boolean; driver?: Driver } {
    const tags = this.#tags.get(f.field)
    if (tags !== undefined) {
      switch (f.op) {
        case 'eq':
        case 'in': {
          const wanted = (f.op === 'in' ? f.values : [f.value]) as string[]
          const test = (key: string) => tags.hasAny(key, wanted)
          return {
            test,
            driver: {
              size: tags.countAny(wanted),
              keys: () => tags.keysWithAny(wanted) ?? [],
              exact: true,
              test,
            },
          }
        }
        case 'ne': {
          const wanted = [f.value as string]
          return { test: (key) => !tags.hasAny(key, wanted) }
        }
        case 'prefix': {
          const keys = tags.keysWithPrefix(f.value)
          const test = (key: string) => keys.has(key)
          return { test, driver: { size: keys.size, keys: () => keys, exact: true, test } }
        }
        default:
          return { test: () => false }
      }
    }
    const numbers = this.#numbers.get(f.field)
    if (numbers !== undefined) {
      const values = numbers.values
      if (f.op === 'ne') {
        const v = f.value
        return { test: (key) => values.get(key) !== v }
      }
      const ranges = numericRanges(f)
      const test = (key: string) => {
        const v = values.get(key)
        if (v === undefined) return false
        for (const [lo, loIn, hi, hiIn] of ranges) {
          if ((loIn ? v >= lo : v > lo) && (hiIn ? v <= hi : v < hi)) return true
        }
        return false
      }
      const positions = ranges.map(([lo, loIn, hi, hiIn]) => numbers.range(lo, loIn, hi, hiIn))
      const size = positions.reduce((n, [from, to]) => n + to - from, 0)
      const keys = () =>
        positions.length === 1
          ? numbers.keysBetween(...(positions[0] as [number, number]))
          : new Set(positions.flatMap(([from, to]) => numbers.keysBetween(from, to)))
      return { test, driver: { size, keys, exact: true, test } }
    }
    const text = this.#text.get(f.field)
    if (text !== undefined && f.op === 'prefix') {
      const keys = text.keysWithPrefix(f.value)
      const test = (key: string) => keys.has(key)
      return { test, driver: { size: keys.size, keys: () => keys, exact: true, test } }
    }
    const points = this.#points.get(f.field)
    if (points !== undefined && f.op === 'within') {
      const { center, radius } = f
      return {
        test: (key) => {
          const p = points.get(key)
          return p !== undefined && geoDistance(p, center) <= radius
        },
      }
    }
    return { test: () => false }
  }

  /** Positions [offset, end) of `keys` ordered by a sortable field (missing values last). */
  #sortedPage(
    keys: readonly string[],
    sort: { readonly field: string; readonly order: 'asc' | 'desc' },
    offset: number,
    end: number,
  ): string[] {
    if (end <= offset) return []
    const numbers = this.#numbers.get(sort.field)
    const descending = sort.order === 'desc'
    if (numbers !== undefined && keys.length * Math.log2(keys.length + 1) > numbers.values.size) {
      // Many matches: walk the field's order and keep the matching keys until the page is full.
      const wanted = new Set(keys)
      const out: string[] = []
      let seen = 0
      for (const key of numbers.ordered(descending)) {
        if (!wanted.has(key)) continue
        wanted.delete(key)
        if (seen++ >= offset) out.push(key)
        if (seen >= end) return out
      }
      for (const key of wanted) {
        if (seen++ >= offset) out.push(key)
        if (seen >= end) break
      }
      return out
    }
    const tags = this.#tags.get(sort.field)
    const docs = this.#docs
    const sortKeyOf =
      numbers !== undefined
        ? (key: string) => numbers.values.get(key)
        : tags !== undefined
          ? (key: string) => sortValue(tags.values.get(key))
          : (key: string) => sortValue(docs.get(key)?.[sort.field])
    const decorated = keys.map((key) => ({ key, value: sortKeyOf(key) }))
    decorated.sort((a, b) => compareSortValues(a.value, b.value, descending))
    return decorated.slice(offset, end).map((d) => d.key)
  }
}

/** A candidate set: its size (an upper bound), its keys, and whether it is exactly one test's matches. */
interface Driver {
  readonly size: number
  readonly keys: () => Iterable<string>
  readonly exact: boolean
  readonly test?: (key: string) => boolean
}

/** The numeric ranges (min, minInclusive, max, maxInclusive) a numeric filter selects. */
function numericRanges(f: SearchFilter): [number, boolean, number, boolean][] {
  const inf = Number.POSITIVE_INFINITY
  switch (f.op) {
    case 'eq':
      return [[f.value as number, true, f.value as number, true]]
    case 'in':
      return (f.values as number[]).map((v) => [v, true, v, true])
    case 'gt':
      return [[f.value, false, inf, true]]
    case 'ge':
      return [[f.value, true, inf, true]]
    case 'lt':
      return [[-inf, true, f.value, false]]
    case 'le':
      return [[-inf, true, f.value, true]]
    case 'between':
      return [[f.min, true, f.max, true]]
    default:
      return [[-inf, true, inf, true]]
  }
}

/** A field's value as a sort key: numbers as they are, text lower-cased, tags joined with `,`. */
function sortValue(value: SearchDocument[string] | undefined): number | string | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'string') return value.toLowerCase()
  if (Array.isArray(value)) return value.join(',').toLowerCase()
  return undefined
}

function compareSortValues(
  a: number | string | undefined,
  b: number | string | undefined,
  descending: boolean,
): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1
  const c = a < b ? -1 : a > b ? 1 : 0
  return descending ? -c : c
}

/** The `k` highest scores, best first. */
function topK<T extends { readonly score: number }>(items: T[], k: number): T[] {
  if (items.length <= k) return items.sort((a, b) => b.score - a.score)
  // A min-heap of the best k seen so far.
  const heap: T[] = []
  const less = (i: number, j: number) => (heap[i] as T).score < (heap[j] as T).score
  const swap = (i: number, j: number) => {
    const t = heap[i] as T
    heap[i] = heap[j] as T
    heap[j] = t
  }
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item)
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1
        if (!less(i, p)) break
        swap(i, p)
        i = p
      }
    } else if (item.score > (heap[0] as T).score) {
      heap[0] = item
      for (let i = 0; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < k && less(l, m)) m = l
        if (r < k && less(r, m)) m = r
        if (m === i) break
        swap(i, m)
        i = m
      }
    }
  }
  return heap.sort((a, b) => b.score - a.score)
}

function signatureOf(schema: StoreSearchSchema): string {
  return JSON.stringify(
    Object.keys(schema)
      .sort()
      .map((name) => {
        const field = schema[name] as unknown as Record<string, unknown>
        return [
          name,
          Object.keys(field)
            .sort()
            .map((k) => [k, field[k]]),
        ]
      }),
  )
}

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

  /** Throws `CacheUnsupportedError` for an `hnsw` vector field (this index is exact only). */
  constructor(schema: StoreSearchSchema) {
    this.schema = schema
    this.signature = signatureOf(schema)
    for (const [name, field] of Object.entries(schema)) {
      if (field.type === 'text') this.#text.set(name, new TextFieldIndex(field.weight ?? 1))
      else if (field.type === 'tag') this.#tags.set(name, new TagFieldIndex())
      else if (field.type === 'numeric') this.#numbers.set(name, new NumericFieldIndex())
      else if (field.type === 'vector' && field.algorithm === 'hnsw') {
        throw new CacheUnsupportedError(
          'search',
          `the memory provider indexes vectors exactly ('flat'); field '${name}' asks for 'hnsw'`,
        )
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
    }
  }

  clear(): void {
    this.#docs.clear()
    for (const f of this.#text.values()) f.clear()
    for (const f of this.#tags.values()) f.clear()
    for (const f of this.#numbers.values()) f.clear()
  }

  /**
   * Evaluates a validated query over the entries for which `live` is true (the store passes
   * a check of expiry). Resolves nothing itself: the store turns keys into entries.
   */
  search(query: NormalizedSearchQuery, live: (key: string) => boolean): IndexAnswer {
    const terms = query.text === undefined ? [] : [...new Set(searchTerms(query.text))]
    const matched: string[] = []
    for (const key of this.#candidates(query, terms)) {
      if (!live(key)) continue
      const doc = this.#docs.get(key)
      if (doc === undefined) continue
      if (!this.#matchesText(key, terms)) continue
      if (!query.filters.every((f) => this.#matches(key, doc, f))) continue
      matched.push(key)
    }
    let scores: Map<string, number> | undefined
    let keys = matched
    if (query.vector !== undefined) {
      const v = query.vector
      const field = this.schema[v.field]
      const distance = field?.type === 'vector' ? (field.distance ?? 'cosine') : 'cosine'
      const scored: { key: string; score: number }[] = []
      for (const key of matched) {
        const vector = this.#docs.get(key)?.[v.field]
        if (!(vector instanceof Float32Array)) continue
        const score = vectorScore(distance, v.vector, vector)
        if (v.minScore === undefined || score >= v.minScore) scored.push({ key, score })
      }
      const top = topK(scored, v.k)
      scores = new Map(top.map((s) => [s.key, s.score]))
      keys = top.map((s) => s.key)
    } else if (terms.length > 0) {
      scores = new Map()
      for (const key of matched) {
        let s = 0
        for (const f of this.#text.values()) s += f.score(key, terms)
        scores.set(key, s)
      }
      if (query.sort === undefined) {
        const by = scores
        keys = [...matched].sort((a, b) => (by.get(b) as number) - (by.get(a) as number))
      }
    }
    const total = keys.length
    const end = Math.min(total, query.offset + query.limit)
    const page =
      query.sort === undefined
        ? keys.slice(query.offset, end)
        : this.#sortedPage(keys, query.sort, query.offset, end)
    return {
      total,
      hits: page.map((key) =>
        scores === undefined ? { key } : { key, score: scores.get(key) as number },
      ),
    }
  }

  /** The keys a query can match: the smallest set one of its parts narrows it to. */
  #candidates(query: NormalizedSearchQuery, terms: readonly string[]): Iterable<string> {
    let best: { size: number; keys: () => Iterable<string> } = {
      size: this.#docs.size,
      keys: () => this.#docs.keys(),
    }
    const offer = (size: number, keys: () => Iterable<string>) => {
      if (size < best.size) best = { size, keys }
    }
    for (const term of terms) {
      let size = 0
      for (const f of this.#text.values()) size += f.postings.get(term)?.size ?? 0
      offer(size, () => {
        const out = new Set<string>()
        for (const f of this.#text.values())
          for (const k of f.postings.get(term)?.keys() ?? []) out.add(k)
        return out
      })
    }
    if (query.vector !== undefined) {
      // Only entries holding the vector field can be neighbours.
      const name = query.vector.field
      const docs = this.#docs
      offer(docs.size - 1, function* () {
        for (const [key, doc] of docs) if (doc[name] !== undefined) yield key
      })
    }
    for (const f of query.filters) {
      const tags = this.#tags.get(f.field)
      const numbers = this.#numbers.get(f.field)
      if (tags !== undefined && (f.op === 'eq' || f.op === 'in')) {
        const wanted = (f.op === 'in' ? f.values : [f.value]) as string[]
        offer(tags.countAny(wanted), () => tags.keysWithAny(wanted) ?? [])
      } else if (tags !== undefined && f.op === 'prefix') {
        const keys = tags.keysWithPrefix(f.value)
        offer(keys.size, () => keys)
      } else if (numbers !== undefined && f.op !== 'ne' && f.op !== 'prefix' && f.op !== 'within') {
        const ranges = numericRanges(f).map(([lo, loIn, hi, hiIn]) =>
          numbers.range(lo, loIn, hi, hiIn),
        )
        const size = ranges.reduce((n, [from, to]) => n + to - from, 0)
        offer(size, () => ranges.flatMap(([from, to]) => numbers.keysBetween(from, to)))
      } else if (f.op === 'prefix' && this.#text.has(f.field)) {
        const keys = (this.#text.get(f.field) as TextFieldIndex).keysWithPrefix(f.value)
        offer(keys.size, () => keys)
      }
    }
    const keys = best.keys()
    // Overlapping `in` ranges or tags may list a key twice.
    return Array.isArray(keys) ? new Set(keys) : keys
  }

  #matchesText(key: string, terms: readonly string[]): boolean {
    for (const term of terms) {
      let found = false
      for (const f of this.#text.values()) {
        if (f.postings.get(term)?.has(key) === true) {
          found = true
          break
        }
      }
      if (!found) return false
    }
    return true
  }

  #matches(key: string, doc: SearchDocument, f: SearchFilter): boolean {
    const value = doc[f.field]
    switch (f.op) {
      case 'ne':
        return value === undefined || !equals(value, f.value)
      case 'eq':
        return value !== undefined && equals(value, f.value)
      case 'in':
        return value !== undefined && f.values.some((v) => equals(value, v))
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
        const text = this.#text.get(f.field)
        if (text !== undefined) return text.hasPrefix(key, f.value)
        if (typeof value === 'string') return value.startsWith(f.value)
        return Array.isArray(value) && value.some((t: string) => t.startsWith(f.value))
      }
      case 'within':
        return (
          value !== undefined &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          !(value instanceof Float32Array) &&
          geoDistance(value as GeoPoint, f.center) <= f.radius
        )
    }
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
    const docs = this.#docs
    const sortKeyOf = (key: string) => sortValue(docs.get(key)?.[sort.field])
    const decorated = keys.map((key) => ({ key, value: sortKeyOf(key) }))
    decorated.sort((a, b) => compareSortValues(a.value, b.value, descending))
    return decorated.slice(offset, end).map((d) => d.key)
  }
}

function equals(value: SearchDocument[string], wanted: string | number): boolean {
  if (Array.isArray(value)) return value.includes(wanted as string)
  return value === wanted
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

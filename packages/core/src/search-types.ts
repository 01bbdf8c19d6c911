/**
 * The search contract: what a namespace declares as searchable, the queries it accepts, and
 * what a store that declares the `search` capability receives and answers. Core validates
 * and normalises; providers index and evaluate. See ARCHITECTURE.md, "Search".
 *
 * Semantics every provider keeps (the conformance kit's reference scan checks them):
 * - TEXT: a value is split into terms at every character that is not a letter, digit or `_`,
 *   and terms are lower-cased; no stemming, no stop words. `query.text` is split the same way
 *   and every query term must occur in at least one TEXT field of the entry (AND).
 * - TAG: one string or an array of strings; compared whole (lower-cased unless the field is
 *   `caseSensitive`). A tag may not contain `,` or control characters.
 * - `eq`/`ne`/`in` apply to TAG and NUMERIC fields; `gt`/`ge`/`lt`/`le`/`between` to NUMERIC;
 *   `prefix` to TAG (a tag starts with it) and TEXT (a term starts with it; at least 2
 *   characters); `within` to GEO (great-circle distance ≤ radius, metres).
 * - `ne` is "not eq": an entry without the field matches it. Every other filter needs the field.
 * - Vector scores are similarities, higher is closer: cosine → cosine similarity; `ip` → the
 *   inner product; `l2` → 1 / (1 + squared Euclidean distance). Text and filters select the
 *   candidates, the vector part keeps the k nearest of them, ordered by score.
 * - Items with equal sort values come in an unspecified order.
 */

import type { CacheDecodeError } from './errors.js'

/** The kinds of searchable field. */
export type SearchFieldType = 'text' | 'tag' | 'numeric' | 'geo' | 'vector'

/** Vector distance metrics. Scores are reported as similarity (higher is closer). */
export type VectorDistance = 'cosine' | 'l2' | 'ip'

/** A point on Earth, degrees. */
export interface GeoPoint {
  readonly lon: number
  readonly lat: number
}

interface SearchFieldCommon<V> {
  /** Keep the field ordered so results can be sorted by it. */
  readonly sortable?: boolean
  /**
   * Reads the field from a value. Default: the value's own property of the field's name
   * (for plain objects); `undefined`/`null` means "no such field on this entry".
   */
  readonly extract?: (value: V) => unknown
}

/** Full-text field, scored by BM25. */
export interface TextFieldSpec<V = unknown> extends SearchFieldCommon<V> {
  readonly type: 'text'
  /** Relative weight in the score, > 0. Default 1. */
  readonly weight?: number
}

/** Exact-match field holding one string or several (an array). */
export interface TagFieldSpec<V = unknown> extends SearchFieldCommon<V> {
  readonly type: 'tag'
  /** Compare tags case-sensitively. Default false (tags are lower-cased on both sides). */
  readonly caseSensitive?: boolean
}

/** Finite number, for ranges and sorting. */
export interface NumericFieldSpec<V = unknown> extends SearchFieldCommon<V> {
  readonly type: 'numeric'
}

/** A `GeoPoint`, for radius queries. */
export interface GeoFieldSpec<V = unknown> extends SearchFieldCommon<V> {
  readonly type: 'geo'
}

/** A fixed-length vector of finite numbers, for nearest-neighbour queries. */
export interface VectorFieldSpec<V = unknown> extends SearchFieldCommon<V> {
  readonly type: 'vector'
  /** Number of dimensions, 1 to 32768. */
  readonly dimensions: number
  readonly distance: VectorDistance
  /** `flat` (exact, default) or `hnsw` (approximate, where the provider offers it). */
  readonly algorithm?: 'flat' | 'hnsw'
}

/** One searchable field. */
export type SearchFieldSpec<V = unknown> =
  | TextFieldSpec<V>
  | TagFieldSpec<V>
  | NumericFieldSpec<V>
  | GeoFieldSpec<V>
  | VectorFieldSpec<V>

/** Field name → field. Names: 1-64 chars of `[A-Za-z0-9_]`, not starting with `__`. */
export type SearchSchema<V = unknown> = Readonly<Record<string, SearchFieldSpec<V>>>

/** The namespace option `search`. */
export interface SearchOptions<V = unknown> {
  readonly schema: SearchSchema<V>
  /** Prefix of the backend's index name (Redis: `FT.CREATE <prefix><namespace>`). Default `index:`. */
  readonly indexPrefix?: string
  /** A search that takes longer rejects with `CacheTimeoutError`. Default 5 s. */
  readonly timeout?: number | string
  /**
   * With a `required` transformer (encryption) the extracted fields would be stored in clear
   * beside the encrypted value. That is refused unless this is `true`.
   */
  readonly allowFieldsInClear?: boolean
}

/** A field's extracted, normalised value as a store receives it. */
export type SearchFieldValue = string | readonly string[] | number | GeoPoint | Float32Array

/** The fields of one entry (only fields present on the value appear). */
export type SearchDocument = Readonly<Record<string, SearchFieldValue>>

/** Filter operators. */
export type SearchFilter =
  | { readonly field: string; readonly op: 'eq' | 'ne'; readonly value: string | number }
  | { readonly field: string; readonly op: 'gt' | 'ge' | 'lt' | 'le'; readonly value: number }
  | { readonly field: string; readonly op: 'in'; readonly values: readonly (string | number)[] }
  | {
      readonly field: string
      readonly op: 'between'
      /** Inclusive on both ends. */
      readonly min: number
      readonly max: number
    }
  | { readonly field: string; readonly op: 'prefix'; readonly value: string }
  | {
      readonly field: string
      readonly op: 'within'
      readonly center: GeoPoint
      /** Metres, > 0. */
      readonly radius: number
    }

/** Nearest-neighbour part of a query. */
export interface VectorQuery {
  readonly field: string
  readonly vector: Float32Array | readonly number[]
  /** Top-K, 1 to 10000. */
  readonly k: number
  /** Drop neighbours whose similarity score is below this. */
  readonly minScore?: number
}

/**
 * A search. Every part is optional; the parts combine with AND. With no `text` and no
 * `vector`, items have no score and come in `sort` order (or an unspecified but stable one).
 */
export interface SearchQuery {
  /** Full-text over the TEXT fields: every term must match (terms are case-folded words). */
  readonly text?: string
  readonly filters?: readonly SearchFilter[]
  readonly vector?: VectorQuery
  /** Default: by score (descending) when there is one. The field must be `sortable`. */
  readonly sort?: { readonly field: string; readonly order?: 'asc' | 'desc' }
  /** Default 0. */
  readonly offset?: number
  /** Default 10, at most 10000. */
  readonly limit?: number
}

/** One hit. */
export interface SearchItem<K, V> {
  readonly key: K
  readonly value: V
  /** BM25 for text, similarity for vectors; absent for structured-only queries. */
  readonly score?: number
}

/** What `Cache.search` resolves to. */
export interface SearchResult<K, V> {
  /** How many entries match in all (before offset/limit). For vector queries, ≤ k. */
  readonly total: number
  /** True when entries after this page match. */
  readonly hasMore: boolean
  readonly items: readonly SearchItem<K, V>[]
}

/**
 * A validated query as a store receives it: limits filled in, vector as `Float32Array`, tags
 * folded when the field is case-insensitive, every field known to the schema.
 */
export interface NormalizedSearchQuery {
  readonly text: string | undefined
  readonly filters: readonly SearchFilter[]
  readonly vector: (Omit<VectorQuery, 'vector'> & { readonly vector: Float32Array }) | undefined
  readonly sort: { readonly field: string; readonly order: 'asc' | 'desc' } | undefined
  readonly offset: number
  readonly limit: number
  /** Reject with `CacheTimeoutError` after this many ms. */
  readonly timeoutMs: number
}

/** One field as a store receives it: no extractor (distributes over the field types, so `type` narrows). */
export type StoreSearchField = SearchFieldSpec extends infer F
  ? F extends SearchFieldSpec
    ? Omit<F, 'extract'> & { readonly extract?: never }
    : never
  : never

/** The schema as a store receives it (no extractors). */
export type StoreSearchSchema = Readonly<Record<string, StoreSearchField>>

/** What a store's `search` answers: encoded keys with their entries, in result order. */
export interface StoreSearchResult<E> {
  readonly total: number
  readonly hits: readonly {
    readonly key: string
    /** The entry as `Store.get` would answer it; `undefined` when it left in between. */
    readonly entry: E | CacheDecodeError | undefined
    readonly score?: number
  }[]
}

import type { NormalizedSearchQuery, StoreSearchSchema } from '@cacheport/core'
import { text } from './search-module.js'
import { VECTOR_SCORE } from './search-query.js'

/**
 * Reading FT.SEARCH replies and merging the replies of several nodes (a cluster without the
 * coordinator: each primary answers for its own keys).
 */

/** One hit of one node's reply. */
export interface RawHit {
  /** The document id: the entry's value key. */
  readonly id: string
  /** The stored value (tag header + envelope), or `undefined` when the hash had none. */
  readonly stored: Buffer | undefined
  /** BM25 (text) or the KNN distance (vector). */
  readonly score: number | undefined
  /** The sort field's stored text, when sorting by a field. */
  readonly sortValue: string | undefined
  /** Which node answered (for a stable merge). */
  readonly node: number
  /** Position in that node's reply. */
  readonly rank: number
}

/** One node's reply. */
export interface NodeReply {
  readonly total: number
  /** Hits returned without their entry (expired or deleted but not yet dropped from the index). */
  readonly gone: number
  readonly hits: RawHit[]
}

function asBuffer(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length)
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  return undefined
}

/**
 * Parses `[total, id, (score), [field, value, ...], ...]`. `withScores`: a score follows each
 * id. Throws on a reply of another shape.
 */
export function parseSearchReply(
  reply: unknown,
  options: { withScores: boolean; sortField: string | undefined; node: number },
): NodeReply {
  if (!Array.isArray(reply) || reply.length === 0) {
    throw new Error(`FT.SEARCH: unexpected reply ${String(reply)}`)
  }
  const total = Number(text(reply[0]))
  const hits: RawHit[] = []
  let gone = 0
  let i = 1
  while (i < reply.length) {
    const id = text(reply[i++])
    let score: number | undefined
    if (options.withScores) score = Number(text(reply[i++]))
    const fields = reply[i++]
    let stored: Buffer | undefined
    let sortValue: string | undefined
    if (Array.isArray(fields)) {
      for (let f = 0; f + 1 < fields.length; f += 2) {
        const name = text(fields[f])
        const value = fields[f + 1]
        if (name === '__v') stored = asBuffer(value)
        else if (name === VECTOR_SCORE) score = Number(text(value))
        else if (name === options.sortField) sortValue = text(value)
      }
    }
    if (stored === undefined) gone++
    hits.push({ id, stored, score, sortValue, node: options.node, rank: hits.length })
  }
  return { total, gone, hits }
}

/**
 * Converts a KNN distance to the contract's similarity (higher is closer).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function similarity(distance: number, metric: 'cosine' | 'l2' | 'ip'): number {
  // RediSearch reports COSINE as 1 - cos, IP as 1 - dot, L2 as the squared distance.
  return metric === 'l2' ? 1 / (1 + distance) : 1 - distance
}

/** Compares two sort texts as RediSearch does for its type: numbers numerically, text by bytes. */
function compareSortValues(a: string, b: string, numeric: boolean): number {
  if (numeric) return Number(a) - Number(b)
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** Node order, then rank: the stable order of hits that compare equal. */
function stable(a: RawHit, b: RawHit): number {
  return a.node - b.node || a.rank - b.rank
}

/**
 * Orders the hits of every node into one list, as one index over all of them would: by the
 * sort field (entries without it last), else by score (BM25 descending), else node after node
 * (each node's own order: unspecified but stable). Vector hits must already be converted to
 * similarities and cut to the k nearest (see `nearest`).
 */
export function mergeHits(
  replies: readonly NodeReply[],
  query: NormalizedSearchQuery,
  schema: StoreSearchSchema,
  byScore: boolean,
): RawHit[] {
  const all = replies.flatMap((r) => r.hits)
  return orderHits(all, query, schema, byScore)
}

/** Sorts hits in place by the query's order (see `mergeHits`). */
export function orderHits(
  hits: RawHit[],
  query: NormalizedSearchQuery,
  schema: StoreSearchSchema,
  byScore: boolean,
): RawHit[] {
  const sort = query.sort
  if (sort !== undefined) {
    const numeric = schema[sort.field]?.type === 'numeric'
    const sign = sort.order === 'desc' ? -1 : 1
    return hits.sort((a, b) => {
      if (a.sortValue === undefined || b.sortValue === undefined) {
        if (a.sortValue === b.sortValue) return stable(a, b)
        return a.sortValue === undefined ? 1 : -1
      }
      return sign * compareSortValues(a.sortValue, b.sortValue, numeric) || stable(a, b)
    })
  }
  if (byScore) return hits.sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || stable(a, b))
  return hits.sort(stable)
}

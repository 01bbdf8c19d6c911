import {
  CacheUnsupportedError,
  type NormalizedSearchQuery,
  type SearchFilter,
  type StoreSearchSchema,
  searchTerms,
} from '@cacheport/core'
import type { RedisArg } from './client.js'
import { foldTag, TAG_SEPARATOR, vectorBytes } from './search-fields.js'

/**
 * Translates a validated query into RediSearch 2.4's query language (DIALECT 2). Every user
 * string reaches the server escaped: tag values and prefixes have every ASCII character other
 * than letters, digits and `_` backslash-escaped; text terms are the contract's terms (letters,
 * digits, `_` only). Clauses are parenthesised and joined by spaces (intersection).
 */

/** The alias of the KNN distance in replies. */
export const VECTOR_SCORE = '__vscore'

/** A compiled query: the expression, its PARAMS, and what the reply will carry. */
export interface CompiledQuery {
  /** No entry can match (an empty `in`, a tag with the separator, ...): skip the round trip. */
  readonly never: boolean
  /** The query expression (without the KNN part). */
  readonly filter: string
  /** True when the query has text terms (WITHSCORES, BM25). */
  readonly hasText: boolean
}

/**
 * Escapes every ASCII character that is not a letter, digit or `_` (RediSearch's punctuation and space).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function escapeQueryText(value: string): string {
  let out = ''
  for (const c of value) out += c.length === 1 && needsEscape(c.charCodeAt(0)) ? `\\${c}` : c
  return out
}

/** ASCII other than letters, digits and `_`. */
function needsEscape(code: number): boolean {
  if (code > 0x7f) return false
  const letterOrDigit =
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a)
  return !letterOrDigit && code !== 0x5f
}

/** A number as RediSearch reads it in a numeric range. */
function num(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+inf'
  if (value === Number.NEGATIVE_INFINITY) return '-inf'
  return String(value)
}

const NEVER = Symbol('never')
const ALWAYS = Symbol('always')
type Clause = string | typeof NEVER | typeof ALWAYS

function tagValue(value: string, caseSensitive: boolean): string | undefined {
  if (value === '' || value.includes(TAG_SEPARATOR)) return undefined
  return escapeQueryText(foldTag(value, caseSensitive))
}

/** One value of `eq`/`in` as a clause on `field` (tag set or numeric point). */
function pointClause(schema: StoreSearchSchema, field: string, values: readonly unknown[]): Clause {
  const spec = schema[field]
  if (spec?.type === 'tag') {
    const tags = values
      .map((v) =>
        typeof v === 'string' || typeof v === 'number'
          ? tagValue(String(v), spec.caseSensitive === true)
          : undefined,
      )
      .filter((t): t is string => t !== undefined)
    return tags.length === 0 ? NEVER : `@${field}:{${tags.join(' | ')}}`
  }
  if (spec?.type === 'numeric') {
    const points = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    if (points.length === 0) return NEVER
    return points.map((v) => `@${field}:[${num(v)} ${num(v)}]`).join(' | ')
  }
  return NEVER
}

function filterClause(schema: StoreSearchSchema, filter: SearchFilter): Clause {
  const { field } = filter
  const spec = schema[field]
  switch (filter.op) {
    case 'eq':
      return pointClause(schema, field, [filter.value])
    case 'in':
      return pointClause(schema, field, filter.values)
    case 'ne': {
      const inner = pointClause(schema, field, [filter.value])
      if (inner === NEVER) return ALWAYS
      return `-(${String(inner)})`
    }
    case 'gt':
      return `@${field}:[(${num(filter.value)} +inf]`
    case 'ge':
      return `@${field}:[${num(filter.value)} +inf]`
    case 'lt':
      return `@${field}:[-inf (${num(filter.value)}]`
    case 'le':
      return `@${field}:[-inf ${num(filter.value)}]`
    case 'between':
      return filter.min > filter.max ? NEVER : `@${field}:[${num(filter.min)} ${num(filter.max)}]`
    case 'prefix': {
      if (Buffer.byteLength(filter.value, 'utf8') < 2) {
        // RediSearch expands prefixes of 2 bytes or more only; a shorter one would match nothing.
        throw new CacheUnsupportedError(
          'search',
          `prefix '${filter.value}' on field '${field}': RediSearch 2.4 needs a prefix of at least 2 bytes`,
        )
      }
      if (spec?.type === 'tag') {
        const folded = foldTag(filter.value, spec.caseSensitive === true)
        if (folded === '' || folded.includes(TAG_SEPARATOR)) return NEVER
        return `@${field}:{${escapeQueryText(folded)}*}`
      }
      // TEXT: a term starts with it; a prefix holding a non-term character matches no term.
      const terms = searchTerms(filter.value)
      if (terms.length !== 1 || terms[0] !== filter.value.toLowerCase()) return NEVER
      return `@${field}:${terms[0]}*`
    }
    case 'within':
      return `@${field}:[${num(filter.center.lon)} ${num(filter.center.lat)} ${num(filter.radius)} m]`
    default:
      return NEVER
  }
}

/**
 * Compiles the text and filters of `query` (the KNN part is added by `searchArgs`).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function compileQuery(
  schema: StoreSearchSchema,
  query: NormalizedSearchQuery,
): CompiledQuery {
  const clauses: string[] = []
  const terms = query.text === undefined ? [] : searchTerms(query.text)
  if (terms.length > 0) clauses.push(`(${terms.join(' ')})`)
  for (const filter of query.filters) {
    const clause = filterClause(schema, filter)
    if (clause === NEVER) return { never: true, filter: '', hasText: terms.length > 0 }
    if (clause !== ALWAYS) clauses.push(`(${clause})`)
  }
  return {
    never: false,
    filter: clauses.length === 0 ? '*' : clauses.join(' '),
    hasText: terms.length > 0,
  }
}

/** Options of `searchArgs`. */
export interface SearchArgsOptions {
  readonly index: string
  readonly compiled: CompiledQuery
  readonly query: NormalizedSearchQuery
  /** LIMIT offset and count asked of this node. */
  readonly from: number
  readonly count: number
  /** Server-side TIMEOUT, ms. */
  readonly serverTimeoutMs: number
}

/**
 * The FT.SEARCH arguments (after the command name). Returns the stored value field and the
 * sort field (to merge nodes' replies), scores with text (BM25), the KNN distance as
 * `__vscore` with a vector (then ordered by it; the caller sorts by a field afterwards).
 */
export function searchArgs(options: SearchArgsOptions): RedisArg[] {
  const { compiled, query } = options
  const vector = query.vector
  const sortField = query.sort?.field
  const returned: string[] = ['__v']
  if (sortField !== undefined) returned.push(sortField)
  const args: RedisArg[] = [options.index]
  if (vector !== undefined) {
    const base = compiled.filter === '*' ? '*' : `(${compiled.filter})`
    args.push(`${base}=>[KNN ${vector.k} @${vector.field} $BLOB AS ${VECTOR_SCORE}]`)
    returned.push(VECTOR_SCORE)
  } else {
    args.push(compiled.filter)
  }
  if (vector === undefined && compiled.hasText) args.push('WITHSCORES', 'SCORER', 'BM25')
  args.push('RETURN', returned.length, ...returned)
  if (vector !== undefined) args.push('SORTBY', VECTOR_SCORE, 'ASC')
  else if (query.sort !== undefined)
    args.push('SORTBY', query.sort.field, query.sort.order === 'desc' ? 'DESC' : 'ASC')
  args.push('LIMIT', options.from, options.count)
  args.push('TIMEOUT', Math.max(1, Math.ceil(options.serverTimeoutMs)))
  if (vector !== undefined) args.push('PARAMS', 2, 'BLOB', vectorBytes(vector.vector))
  args.push('DIALECT', 2)
  return args
}

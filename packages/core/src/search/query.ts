/**
 * Checks a search query against the namespace's schema and normalises it to what a store
 * receives. Every problem is a typed error naming the part of the query, the field and the
 * problem; nothing reaches the backend unchecked.
 */
import { CacheConfigError } from '../errors.js'
import { checkOptionsObject, describeOption, isRecord } from '../options.js'
import type {
  NormalizedSearchQuery,
  SearchFilter,
  SearchQuery,
  VectorQuery,
} from '../search-types.js'
import { geoProblem, toVector } from './extract.js'
import type { ResolvedSearchField, SearchSettings } from './schema.js'
import { searchTerms } from './terms.js'

/** Most items one page may hold, and most neighbours a vector query may ask for. */
export const MAX_SEARCH_LIMIT = 10_000
/** Default page size. */
export const DEFAULT_SEARCH_LIMIT = 10

const QUERY_NAMES = ['text', 'filters', 'vector', 'sort', 'offset', 'limit']
const VECTOR_NAMES = ['field', 'vector', 'k', 'minScore']
const SORT_NAMES = ['field', 'order']
const FILTER_NAMES: Readonly<Record<SearchFilter['op'], readonly string[]>> = {
  eq: ['field', 'op', 'value'],
  ne: ['field', 'op', 'value'],
  gt: ['field', 'op', 'value'],
  ge: ['field', 'op', 'value'],
  lt: ['field', 'op', 'value'],
  le: ['field', 'op', 'value'],
  in: ['field', 'op', 'values'],
  between: ['field', 'op', 'min', 'max'],
  prefix: ['field', 'op', 'value'],
  within: ['field', 'op', 'center', 'radius'],
}
/** The field types each operator applies to. */
const OP_TYPES: Readonly<Record<SearchFilter['op'], readonly string[]>> = {
  eq: ['tag', 'numeric'],
  ne: ['tag', 'numeric'],
  in: ['tag', 'numeric'],
  gt: ['numeric'],
  ge: ['numeric'],
  lt: ['numeric'],
  le: ['numeric'],
  between: ['numeric'],
  prefix: ['tag', 'text'],
  within: ['geo'],
}

function refuse(message: string): never {
  throw new CacheConfigError('INVALID_ARGUMENT', `search(): ${message}`)
}

/**
 * Validates `query` against `settings` and returns it normalised: defaults filled in, the
 * vector as a `Float32Array`, tags folded for case-insensitive fields. Throws
 * `CacheConfigError`: `INVALID_OPTION` for an unknown key (naming the closest known one),
 * `INVALID_ARGUMENT` for anything else (an unknown field, an operator the field's type does
 * not have, a prefix under 2 characters, a limit outside 1-10000, a negative offset, a k
 * outside 1-10000, a vector of the wrong length, a sort on a field that is not sortable).
 */
export function normaliseSearchQuery(
  query: SearchQuery,
  settings: SearchSettings,
): NormalizedSearchQuery {
  if (!isRecord(query as unknown)) refuse(`query must be an object, got ${describeOption(query)}`)
  checkOptionsObject(query as unknown, QUERY_NAMES, 'search() query')
  const schema = settings.schema
  const fieldOf = (name: unknown, where: string): ResolvedSearchField => {
    if (typeof name !== 'string')
      refuse(`${where}.field must be a string, got ${describeOption(name)}`)
    const field = Object.hasOwn(schema, name as string) ? schema[name as string] : undefined
    if (field === undefined) {
      refuse(
        `${where}.field '${name as string}' is not in the schema (fields: ${Object.keys(schema).join(', ')})`,
      )
    }
    return field as ResolvedSearchField
  }
  let text: string | undefined
  if (query.text !== undefined) {
    if (typeof query.text !== 'string')
      refuse(`text must be a string, got ${describeOption(query.text)}`)
    if (searchTerms(query.text).length === 0)
      refuse(`text '${query.text.slice(0, 40)}' has no words to search for`)
    if (!Object.values(schema).some((f) => f.type === 'text'))
      refuse('text needs a TEXT field in the schema, and there is none')
    text = query.text
  }
  const filters: SearchFilter[] = []
  if (query.filters !== undefined) {
    if (!Array.isArray(query.filters))
      refuse(`filters must be an array, got ${describeOption(query.filters)}`)
    query.filters.forEach((filter, i) => {
      filters.push(normaliseFilter(filter, `filters[${i}]`, fieldOf))
    })
  }
  let vector: NormalizedSearchQuery['vector']
  if (query.vector !== undefined) {
    const v = query.vector as unknown
    if (!isRecord(v))
      refuse(`vector must be { field, vector, k, minScore? }, got ${describeOption(v)}`)
    checkOptionsObject(v, VECTOR_NAMES, 'search() query', 'vector.')
    const q = query.vector as VectorQuery
    const field = fieldOf(q.field, 'vector')
    if (field.type !== 'vector')
      refuse(`vector.field '${q.field}' is a ${field.type} field, not a vector field`)
    const values = toVector(q.vector, field.dimensions as number)
    if (typeof values === 'string') refuse(`vector.vector for field '${q.field}' ${values}`)
    if (!Number.isInteger(q.k) || q.k < 1 || q.k > MAX_SEARCH_LIMIT) {
      refuse(
        `vector.k must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${describeOption(q.k)}`,
      )
    }
    if (
      q.minScore !== undefined &&
      (typeof q.minScore !== 'number' || !Number.isFinite(q.minScore))
    ) {
      refuse(`vector.minScore must be a finite number, got ${describeOption(q.minScore)}`)
    }
    vector = {
      field: q.field,
      vector: values as Float32Array,
      k: q.k,
      ...(q.minScore !== undefined ? { minScore: q.minScore } : {}),
    }
  }
  let sort: NormalizedSearchQuery['sort']
  if (query.sort !== undefined) {
    const s = query.sort as unknown
    if (!isRecord(s)) refuse(`sort must be { field, order? }, got ${describeOption(s)}`)
    checkOptionsObject(s, SORT_NAMES, 'search() query', 'sort.')
    const field = fieldOf(query.sort.field, 'sort')
    if (!field.sortable)
      refuse(`sort.field '${query.sort.field}' is not sortable (declare it with sortable: true)`)
    const order = query.sort.order ?? 'asc'
    if (order !== 'asc' && order !== 'desc')
      refuse(`sort.order must be 'asc' or 'desc', got ${describeOption(order)}`)
    sort = { field: query.sort.field, order }
  }
  const offset = query.offset ?? 0
  if (!Number.isInteger(offset) || offset < 0)
    refuse(`offset must be an integer >= 0, got ${describeOption(offset)}`)
  const limit = query.limit ?? DEFAULT_SEARCH_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    refuse(`limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${describeOption(limit)}`)
  }
  return { text, filters, vector, sort, offset, limit, timeoutMs: settings.timeoutMs }
}

function normaliseFilter(
  filter: SearchFilter,
  where: string,
  fieldOf: (name: unknown, where: string) => ResolvedSearchField,
): SearchFilter {
  if (!isRecord(filter as unknown))
    refuse(`${where} must be a filter object, got ${describeOption(filter)}`)
  const known = FILTER_NAMES[filter.op]
  if (known === undefined) {
    refuse(
      `${where}.op must be one of ${Object.keys(FILTER_NAMES).join(', ')}, got ${describeOption(filter.op)}`,
    )
  }
  checkOptionsObject(filter as unknown, known, 'search() query', `${where}.`)
  const field = fieldOf(filter.field, where)
  const name = filter.field
  if (!OP_TYPES[filter.op].includes(field.type)) {
    refuse(
      `${where}: '${filter.op}' does not apply to ${field.type} field '${name}' (it applies to ${OP_TYPES[filter.op].join(', ')})`,
    )
  }
  const fold = (s: string) =>
    field.type === 'tag' && field.caseSensitive !== true ? s.toLowerCase() : s
  const scalar = (value: unknown, what: string): string | number => {
    if (field.type === 'numeric') {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        refuse(
          `${where}.${what} for numeric field '${name}' must be a finite number, got ${describeOption(value)}`,
        )
      }
      return value as number
    }
    if (typeof value !== 'string' || value.length === 0) {
      refuse(
        `${where}.${what} for tag field '${name}' must be a non-empty string, got ${describeOption(value)}`,
      )
    }
    if (/[,\p{Cc}]/u.test(value as string)) {
      refuse(`${where}.${what} for tag field '${name}' contains ',' or a control character`)
    }
    return fold(value as string)
  }
  const finite = (value: unknown, what: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      refuse(
        `${where}.${what} for field '${name}' must be a finite number, got ${describeOption(value)}`,
      )
    }
    return value as number
  }
  switch (filter.op) {
    case 'eq':
    case 'ne':
      return { field: name, op: filter.op, value: scalar(filter.value, 'value') }
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      return { field: name, op: filter.op, value: finite(filter.value, 'value') }
    case 'in': {
      if (!Array.isArray(filter.values) || filter.values.length === 0) {
        refuse(
          `${where}.values for field '${name}' must be a non-empty array, got ${describeOption(filter.values)}`,
        )
      }
      return {
        field: name,
        op: 'in',
        values: filter.values.map((v, i) => scalar(v, `values[${i}]`)),
      }
    }
    case 'between': {
      const min = finite(filter.min, 'min')
      const max = finite(filter.max, 'max')
      if (min > max) refuse(`${where} on field '${name}': min ${min} is above max ${max}`)
      return { field: name, op: 'between', min, max }
    }
    case 'prefix': {
      if (typeof filter.value !== 'string') {
        refuse(
          `${where}.value for field '${name}' must be a string, got ${describeOption(filter.value)}`,
        )
      }
      const value = field.type === 'text' ? filter.value.toLowerCase() : fold(filter.value)
      if (value.length < 2)
        refuse(`${where}: a prefix on field '${name}' needs at least 2 characters, got '${value}'`)
      if (field.type === 'text' && searchTerms(value).join('') !== value) {
        refuse(
          `${where}: a text prefix on field '${name}' must be one word (letters, digits, _), got '${value}'`,
        )
      }
      return { field: name, op: 'prefix', value }
    }
    case 'within': {
      const problem = geoProblem(filter.center)
      if (problem !== undefined) refuse(`${where}.center for field '${name}' ${problem}`)
      const radius = filter.radius
      if (typeof radius !== 'number' || !Number.isFinite(radius) || radius <= 0) {
        refuse(
          `${where}.radius for field '${name}' must be a finite number of metres > 0, got ${describeOption(radius)}`,
        )
      }
      return {
        field: name,
        op: 'within',
        center: { lon: filter.center.lon, lat: filter.center.lat },
        radius,
      }
    }
  }
}

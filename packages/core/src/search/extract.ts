/**
 * Reads a namespace's searchable fields from a value being written and normalises them to
 * what every store indexes alike. A field that is present but cannot be indexed fails the
 * write: nothing unindexable is ever stored.
 */
import { CacheValueError } from '../errors.js'
import { describeOption } from '../options.js'
import type { GeoPoint, SearchDocument, SearchFieldValue } from '../search-types.js'
import type { ResolvedSearchField, SearchSettings } from './schema.js'
import { MAX_GEO_LATITUDE } from './terms.js'

/** Control characters, which no tag may contain (nor `,`). */
const BAD_TAG = /[,\p{Cc}]/u

/** Extracts and normalises the searchable fields of the values written to one namespace. */
export class FieldExtractor {
  readonly #fields: readonly (readonly [string, ResolvedSearchField])[]

  constructor(settings: SearchSettings) {
    this.#fields = Object.entries(settings.schema)
  }

  /**
   * The fields of `value` (only those present). Throws `CacheValueError` (`INVALID_FIELD`)
   * naming the key, the field and the problem when a present field cannot be indexed (a
   * non-finite number, a tag with a comma, a vector of the wrong length, an extractor that
   * throws).
   */
  extract(
    key: string,
    value: unknown,
    /** Raw field values that replace what the extractors read (normalised alike). */
    overrides?: Readonly<Record<string, unknown>>,
  ): SearchDocument {
    const doc: Record<string, SearchFieldValue> = {}
    const plain = value !== null && typeof value === 'object' && !Array.isArray(value)
    for (const [name, field] of this.#fields) {
      let raw: unknown
      if (overrides !== undefined && Object.hasOwn(overrides, name)) {
        raw = overrides[name]
      } else if (field.extract !== undefined) {
        try {
          raw = field.extract(value)
        } catch (error) {
          throw invalid(
            key,
            name,
            `its extractor threw: ${error instanceof Error ? error.message : String(error)}`,
          )
        }
      } else {
        raw =
          plain && Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined
      }
      if (raw === undefined || raw === null) continue
      const normal = normalise(key, name, field, raw)
      if (normal !== undefined) doc[name] = normal
    }
    return doc
  }
}

function invalid(key: string, field: string, problem: string): CacheValueError {
  return new CacheValueError(
    'INVALID_FIELD',
    `search field '${field}' of the value for key '${key}' ${problem}`,
  )
}

function normalise(
  key: string,
  name: string,
  field: ResolvedSearchField,
  raw: unknown,
): SearchFieldValue | undefined {
  switch (field.type) {
    case 'text':
      if (typeof raw === 'string') return raw
      if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw)
      if (typeof raw === 'boolean' || typeof raw === 'bigint') return String(raw)
      throw invalid(key, name, `must be a string (TEXT), got ${describeOption(raw)}`)
    case 'tag':
      return tags(key, name, raw, field.caseSensitive === true)
    case 'numeric': {
      const n = raw instanceof Date ? raw.getTime() : raw
      if (typeof n !== 'number' || !Number.isFinite(n)) {
        throw invalid(key, name, `must be a finite number (NUMERIC), got ${describeOption(raw)}`)
      }
      return n
    }
    case 'geo':
      return geo(key, name, raw)
    case 'vector':
      return vector(key, name, raw, field.dimensions as number)
  }
}

function tags(
  key: string,
  name: string,
  raw: unknown,
  caseSensitive: boolean,
): string | readonly string[] | undefined {
  const one = (t: unknown, where: string): string => {
    const s = typeof t === 'number' && Number.isFinite(t) ? String(t) : t
    if (typeof s !== 'string' || s.length === 0) {
      throw invalid(key, name, `${where}must be a non-empty string (TAG), got ${describeOption(t)}`)
    }
    if (BAD_TAG.test(s)) {
      throw invalid(key, name, `${where}'${s.slice(0, 40)}' contains ',' or a control character`)
    }
    return caseSensitive ? s : s.toLowerCase()
  }
  if (!Array.isArray(raw)) return one(raw, '')
  if (raw.length === 0) return undefined
  const list = raw.map((t, i) => one(t, `[${i}] `))
  return list.length === 1 ? (list[0] as string) : [...new Set(list)]
}

/** Checks a point; `undefined` when it is fine, else the problem. */
export function geoProblem(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object')
    return `must be { lon, lat }, got ${describeOption(raw)}`
  const { lon, lat } = raw as Partial<GeoPoint>
  if (typeof lon !== 'number' || !Number.isFinite(lon) || lon < -180 || lon > 180) {
    return `needs lon as a number from -180 to 180, got ${describeOption(lon)}`
  }
  if (
    typeof lat !== 'number' ||
    !Number.isFinite(lat) ||
    lat < -MAX_GEO_LATITUDE ||
    lat > MAX_GEO_LATITUDE
  ) {
    return `needs lat as a number from -${MAX_GEO_LATITUDE} to ${MAX_GEO_LATITUDE}, got ${describeOption(lat)}`
  }
  return undefined
}

function geo(key: string, name: string, raw: unknown): GeoPoint {
  const problem = geoProblem(raw)
  if (problem !== undefined) throw invalid(key, name, `(GEO) ${problem}`)
  const { lon, lat } = raw as GeoPoint
  return { lon, lat }
}

/** A vector as a new `Float32Array`, or the problem with it. */
export function toVector(raw: unknown, dimensions: number): Float32Array | string {
  const list =
    raw instanceof Float32Array || raw instanceof Float64Array || Array.isArray(raw)
      ? (raw as ArrayLike<unknown>)
      : undefined
  if (list === undefined) {
    return `must be a Float32Array or an array of numbers, got ${describeOption(raw)}`
  }
  if (list.length !== dimensions) {
    return `must have ${dimensions} dimensions, got ${list.length}`
  }
  const out = new Float32Array(dimensions)
  for (let i = 0; i < dimensions; i++) {
    const x = list[i]
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      return `must hold finite numbers, got ${describeOption(x)} at [${i}]`
    }
    out[i] = x
    if (!Number.isFinite(out[i] as number)) return `holds ${x} at [${i}], beyond float32`
  }
  return out
}

function vector(key: string, name: string, raw: unknown, dimensions: number): Float32Array {
  const v = toVector(raw, dimensions)
  if (typeof v === 'string') throw invalid(key, name, `(VECTOR) ${v}`)
  return v
}

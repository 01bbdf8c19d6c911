import {
  type SearchDocument,
  type SearchFieldValue,
  type StoreSearchSchema,
  searchTerms,
} from '@cacheport/core'

/**
 * How a searchable entry's fields are written into its hash: the contract's semantics are
 * applied here, in JavaScript, so that RediSearch only ever sees what it cannot get wrong.
 *
 * - TEXT: the contract's terms (core's `searchTerms`: split at every character that is not a
 *   letter, digit or `_`, lower-cased), joined by single spaces. RediSearch's own tokenizer splits at ASCII
 *   punctuation only and folds case its own way; given only terms and spaces it finds
 *   exactly these terms.
 * - TAG: the tags joined by `,` (the separator declared in FT.CREATE; the contract forbids it
 *   in a tag), lower-cased here unless the field is `caseSensitive` (the index is created
 *   CASESENSITIVE, so the folding is JavaScript's on both sides).
 * - NUMERIC: the number in JavaScript's shortest round-trip notation.
 * - GEO: `lon,lat`.
 * - VECTOR: FLOAT32, little-endian bytes.
 */

/** The separator of TAG values in the hash (declared as `SEPARATOR ,`). */
export const TAG_SEPARATOR = ','

/** The hash field that holds the stored value (tag header + envelope). */
export const VALUE_FIELD = '__v'

/** A tag as indexed: lower-cased unless the field is case-sensitive. */
export function foldTag(tag: string, caseSensitive: boolean): string {
  return caseSensitive ? tag : tag.toLowerCase()
}

/** FLOAT32 little-endian bytes of a vector. */
export function vectorBytes(vector: Float32Array | readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(vector.length * 4)
  for (let i = 0; i < vector.length; i++) out.writeFloatLE(vector[i] as number, i * 4)
  return out
}

/**
 * The hash fields (name, value, name, value, ...) of an entry's searchable fields. Fields the
 * schema does not know, and values that hold nothing to index (no term, no tag), are left out.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function hashFieldsOf(
  schema: StoreSearchSchema,
  fields: SearchDocument | undefined,
): (string | Buffer)[] {
  const out: (string | Buffer)[] = []
  if (fields === undefined) return out
  for (const name in fields) {
    const spec = schema[name]
    const value = fields[name]
    if (spec === undefined || value === undefined || value === null) continue
    const encoded = encodeField(
      spec.type,
      spec.type === 'tag' && spec.caseSensitive === true,
      value,
    )
    if (encoded !== undefined) out.push(name, encoded)
  }
  return out
}

function encodeField(
  type: string,
  caseSensitive: boolean,
  value: SearchFieldValue,
): string | Buffer | undefined {
  switch (type) {
    case 'text': {
      const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(' ') : ''
      const terms = searchTerms(text)
      return terms.length === 0 ? undefined : terms.join(' ')
    }
    case 'tag': {
      const tags = (typeof value === 'string' ? [value] : Array.isArray(value) ? value : [])
        .filter((t): t is string => typeof t === 'string' && t !== '')
        .map((t) => foldTag(t, caseSensitive))
      return tags.length === 0 ? undefined : tags.join(TAG_SEPARATOR)
    }
    case 'numeric':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined
    case 'geo': {
      const point = value as { lon?: unknown; lat?: unknown }
      return typeof point.lon === 'number' && typeof point.lat === 'number'
        ? `${point.lon},${point.lat}`
        : undefined
    }
    case 'vector':
      return value instanceof Float32Array ? vectorBytes(value) : undefined
    default:
      return undefined
  }
}

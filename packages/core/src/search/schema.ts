/**
 * The namespace option `search`, resolved once at open: each field checked and filled with
 * its defaults, the schema a store receives, and the checks that need the provider (the
 * `search` capability, fields in clear beside encrypted values).
 */
import { parseDuration } from '../duration.js'
import { CacheConfigError, CacheUnsupportedError } from '../errors.js'
import { checkKnownKeys, describeOption, isRecord } from '../options.js'
import type { CacheProvider, Transformer } from '../ports.js'
import type {
  SearchFieldSpec,
  SearchFieldType,
  SearchOptions,
  StoreSearchSchema,
  VectorDistance,
} from '../search-types.js'

/** One field of a resolved schema: defaults filled in, the extractor kept apart. */
export interface ResolvedSearchField {
  readonly type: SearchFieldType
  /** TEXT: relative weight (default 1). */
  readonly weight?: number
  readonly sortable: boolean
  /** TAG: compare case-sensitively (default false). */
  readonly caseSensitive?: boolean
  /** VECTOR only. */
  readonly dimensions?: number
  readonly distance?: VectorDistance
  readonly algorithm?: 'flat' | 'hnsw'
  /** The application's extractor, or `undefined` for the default (own property of the name). */
  readonly extract: ((value: unknown) => unknown) | undefined
}

/** The `search` option of a namespace, resolved. */
export interface SearchSettings {
  readonly schema: Readonly<Record<string, ResolvedSearchField>>
  readonly indexPrefix: string
  readonly timeoutMs: number
  readonly allowFieldsInClear: boolean
}

const OPTION_NAMES = ['schema', 'indexPrefix', 'timeout', 'allowFieldsInClear']
const FIELD_NAMES: Readonly<Record<SearchFieldType, readonly string[]>> = {
  text: ['type', 'weight', 'sortable', 'extract'],
  tag: ['type', 'caseSensitive', 'sortable', 'extract'],
  numeric: ['type', 'sortable', 'extract'],
  geo: ['type', 'sortable', 'extract'],
  vector: ['type', 'dimensions', 'distance', 'algorithm', 'sortable', 'extract'],
}
const FIELD_NAME = /^[A-Za-z0-9_]{1,64}$/
const INDEX_PREFIX = /^[\x21-\x7e]{0,128}$/
/** Most dimensions of a VECTOR field. */
export const MAX_VECTOR_DIMENSIONS = 32_768

/**
 * Resolves the namespace option `search`. Throws `CacheConfigError` (`INVALID_OPTION`) naming
 * the field and the problem: an unknown key, a bad field name, type, weight, dimension count,
 * distance or algorithm, or a GEO/VECTOR field marked sortable.
 */
export function resolveSearchSettings(
  namespace: string,
  option: SearchOptions<unknown> | undefined,
): SearchSettings | undefined {
  if (option === undefined) return undefined
  const bad = (message: string): never => {
    throw new CacheConfigError('INVALID_OPTION', `namespace '${namespace}': search.${message}`)
  }
  if (!isRecord(option as unknown)) bad(`search must be an object, got ${describeOption(option)}`)
  checkKnownKeys(
    option as unknown as Record<string, unknown>,
    OPTION_NAMES,
    `namespace '${namespace}' options`,
    'search.',
  )
  const raw = option.schema as unknown
  if (!isRecord(raw)) bad(`schema must be an object of fields, got ${describeOption(raw)}`)
  const names = Object.keys(raw as object)
  if (names.length === 0) bad('schema declares no field')
  const schema: Record<string, ResolvedSearchField> = {}
  for (const name of names) {
    schema[name] = resolveField(namespace, name, (raw as Record<string, unknown>)[name])
  }
  const indexPrefix = option.indexPrefix ?? 'index:'
  if (typeof indexPrefix !== 'string' || !INDEX_PREFIX.test(indexPrefix)) {
    bad(
      `indexPrefix must be 0-128 printable ASCII characters without spaces, got ${describeOption(indexPrefix)}`,
    )
  }
  const allowFieldsInClear = option.allowFieldsInClear ?? false
  if (typeof allowFieldsInClear !== 'boolean') bad('allowFieldsInClear must be a boolean')
  return {
    schema,
    indexPrefix,
    timeoutMs: parseDuration(option.timeout ?? 5_000, 'search.timeout'),
    allowFieldsInClear,
  }
}

function resolveField(namespace: string, name: string, field: unknown): ResolvedSearchField {
  const bad = (message: string): never => {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `namespace '${namespace}': search.schema.${name}: ${message}`,
    )
  }
  if (!FIELD_NAME.test(name) || name.startsWith('__')) {
    bad('a field name must be 1-64 characters of A-Z a-z 0-9 _ and not start with __')
  }
  if (!isRecord(field)) bad(`must be a field object ({ type, ... }), got ${describeOption(field)}`)
  const spec = field as unknown as SearchFieldSpec<unknown>
  const known = FIELD_NAMES[spec.type]
  if (known === undefined) {
    bad(
      `type must be 'text', 'tag', 'numeric', 'geo' or 'vector', got ${describeOption(spec.type)}`,
    )
  }
  checkKnownKeys(
    field as Record<string, unknown>,
    known,
    `namespace '${namespace}' options`,
    `search.schema.${name}.`,
  )
  if (spec.extract !== undefined && typeof spec.extract !== 'function') {
    bad(`extract must be a function, got ${describeOption(spec.extract)}`)
  }
  const sortable = spec.sortable ?? false
  if (typeof sortable !== 'boolean') bad('sortable must be a boolean')
  if (sortable && (spec.type === 'geo' || spec.type === 'vector')) {
    bad(`a ${spec.type} field cannot be sortable`)
  }
  const extract = spec.extract as ((value: unknown) => unknown) | undefined
  switch (spec.type) {
    case 'text': {
      const weight = spec.weight ?? 1
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
        bad(`weight must be a finite number > 0, got ${describeOption(weight)}`)
      }
      return { type: 'text', weight, sortable, extract }
    }
    case 'tag': {
      const caseSensitive = spec.caseSensitive ?? false
      if (typeof caseSensitive !== 'boolean') bad('caseSensitive must be a boolean')
      return { type: 'tag', caseSensitive, sortable, extract }
    }
    case 'vector': {
      const { dimensions, distance } = spec
      if (
        typeof dimensions !== 'number' ||
        !Number.isInteger(dimensions) ||
        dimensions < 1 ||
        dimensions > MAX_VECTOR_DIMENSIONS
      ) {
        bad(
          `dimensions must be an integer from 1 to ${MAX_VECTOR_DIMENSIONS}, got ${describeOption(dimensions)}`,
        )
      }
      if (distance !== 'cosine' && distance !== 'l2' && distance !== 'ip') {
        bad(`distance must be 'cosine', 'l2' or 'ip', got ${describeOption(distance)}`)
      }
      const algorithm = spec.algorithm ?? 'flat'
      if (algorithm !== 'flat' && algorithm !== 'hnsw') {
        bad(`algorithm must be 'flat' or 'hnsw', got ${describeOption(algorithm)}`)
      }
      return { type: 'vector', dimensions, distance, algorithm, sortable, extract }
    }
    default:
      return { type: spec.type, sortable, extract }
  }
}

/** The schema as a store receives it: defaults filled in, no extractors. */
export function storeSchemaOf(settings: SearchSettings): StoreSearchSchema {
  const out: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(settings.schema)) {
    const { extract: _extract, ...spec } = field
    out[name] = spec
  }
  return out as StoreSearchSchema
}

/**
 * The checks of a searchable namespace that need its provider: throws
 * `CacheUnsupportedError` (`search`) when the provider does not declare `search`, and
 * `CacheConfigError` (`INVALID_OPTION`) when a required transformer (encryption) would leave
 * the fields in clear beside the encrypted value and the schema does not allow it.
 */
export function checkSearchable(options: {
  readonly namespace: string
  readonly providerName: string
  readonly provider: CacheProvider
  readonly settings: SearchSettings
  readonly transformers: readonly Transformer[]
}): void {
  const { namespace, providerName, provider, settings } = options
  if (provider.capabilities.search !== true) {
    throw new CacheUnsupportedError(
      'search',
      `namespace '${namespace}' declares a search schema, and provider '${providerName}' (${provider.kind}) does not declare the 'search' capability`,
    )
  }
  const required = options.transformers.find((t) => t.required === true)
  if (required !== undefined && !settings.allowFieldsInClear) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `namespace '${namespace}': transformer '${required.id}' is required (encryption), and the searchable fields would be stored in clear beside the encrypted value; pass search.allowFieldsInClear: true to accept that`,
    )
  }
}

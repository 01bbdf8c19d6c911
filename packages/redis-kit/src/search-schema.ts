import { createHash } from 'node:crypto'
import { CacheConfigError, type StoreSearchSchema } from '@cacheport/core'
import type { RedisArg, RedisCommands } from './client.js'
import { TAG_SEPARATOR } from './search-fields.js'
import { nodeAddress, sendModuleCommand, text } from './search-module.js'

/**
 * The RediSearch index of one searchable namespace: its FT.CREATE arguments, and the rule for
 * an index that already exists. An index carries a fingerprint of everything it was created
 * with (schema, key prefix, storage format) as its `SCORE_FIELD __cacheport_<sha1>`: a hash
 * field no entry has, so documents keep the default score, while FT.INFO shows it. An
 * existing index with the same fingerprint is used as it is; with another one (a changed
 * schema, or an index cacheport did not create), opening is refused with `CacheConfigError`
 * naming the index: cacheport never drops an index by itself.
 */

/** Storage format of searchable entries; part of the fingerprint. */
const FORMAT = 'hash-v1'

const METRICS = { cosine: 'COSINE', l2: 'L2', ip: 'IP' } as const

/** What the index of a namespace is made of. */
export interface SearchIndexDefinition {
  /** The index name on the server (`<keyPrefix><indexName>`). */
  readonly name: string
  /** The key prefix of the namespace's value keys (`<prefix>v{<ns>:`). */
  readonly keyPrefix: string
  readonly schema: StoreSearchSchema
}

/** The `SCHEMA ...` arguments of FT.CREATE, in schema order. */
export function schemaArgs(schema: StoreSearchSchema): RedisArg[] {
  const out: RedisArg[] = []
  for (const [name, spec] of Object.entries(schema)) {
    out.push(name)
    switch (spec.type) {
      case 'text':
        out.push('TEXT', 'NOSTEM', 'WEIGHT', spec.weight ?? 1)
        if (spec.sortable === true) out.push('SORTABLE')
        break
      case 'tag':
        out.push('TAG', 'SEPARATOR', TAG_SEPARATOR, 'CASESENSITIVE')
        if (spec.sortable === true) out.push('SORTABLE')
        break
      case 'numeric':
        out.push('NUMERIC')
        if (spec.sortable === true) out.push('SORTABLE')
        break
      case 'geo':
        out.push('GEO')
        break
      case 'vector':
        out.push(
          'VECTOR',
          spec.algorithm === 'hnsw' ? 'HNSW' : 'FLAT',
          6,
          'TYPE',
          'FLOAT32',
          'DIM',
          spec.dimensions,
          'DISTANCE_METRIC',
          METRICS[spec.distance],
        )
        break
      default:
        throw new CacheConfigError(
          'INVALID_OPTION',
          `search field '${name}' has unknown type '${String((spec as { type: unknown }).type)}'`,
        )
    }
  }
  return out
}

/**
 * The fingerprint field name of a definition (`__cacheport_<sha1 prefix>`).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function fingerprintOf(definition: SearchIndexDefinition): string {
  const canonical = JSON.stringify([
    FORMAT,
    definition.keyPrefix,
    schemaArgs(definition.schema).map(String),
  ])
  return `__cacheport_${createHash('sha1').update(canonical).digest('hex').slice(0, 20)}`
}

/**
 * The whole FT.CREATE argument list (after the command name).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function createArgs(definition: SearchIndexDefinition): RedisArg[] {
  return [
    definition.name,
    'ON',
    'HASH',
    'PREFIX',
    1,
    definition.keyPrefix,
    'SCORE_FIELD',
    fingerprintOf(definition),
    'STOPWORDS',
    0,
    'SCHEMA',
    ...schemaArgs(definition.schema),
  ]
}

/** True for RediSearch's "no such index" replies. */
export function isUnknownIndex(error: unknown): boolean {
  return error instanceof Error && /unknown index name|no such index/i.test(error.message)
}

/** Reads FT.INFO's flat key/value reply into a map of top-level fields. */
function infoFields(reply: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>()
  if (!Array.isArray(reply)) return out
  for (let i = 0; i + 1 < reply.length; i += 2) out.set(text(reply[i]), reply[i + 1])
  return out
}

/** The `score_field` of an FT.INFO reply's index definition, if any. */
function scoreFieldOf(info: Map<string, unknown>): string | undefined {
  const definition = info.get('index_definition')
  if (!Array.isArray(definition)) return undefined
  const fields = infoFields(definition)
  const score = fields.get('score_field')
  return score === undefined ? undefined : text(score)
}

/** How far an index is: `indexing` (background scan running) from FT.INFO. */
async function isIndexing(node: RedisCommands, name: string): Promise<boolean> {
  const info = infoFields(await sendModuleCommand(node, 'FT.INFO', [name]))
  return Number(text(info.get('indexing') ?? '0')) !== 0
}

/**
 * Makes sure `node` has the index of `definition`: creates it when missing (waiting, at most
 * `waitMs`, for its scan of entries already present) and checks the fingerprint of an
 * existing one. Rejects with `CacheConfigError` for an index created with another definition.
 */
export async function ensureIndexOn(
  node: RedisCommands,
  definition: SearchIndexDefinition,
  waitMs: number,
): Promise<void> {
  const expected = fingerprintOf(definition)
  let info: Map<string, unknown> | undefined
  try {
    info = infoFields(await sendModuleCommand(node, 'FT.INFO', [definition.name]))
  } catch (error) {
    if (!isUnknownIndex(error)) throw error
  }
  if (info === undefined) {
    try {
      await sendModuleCommand(node, 'FT.CREATE', createArgs(definition))
    } catch (error) {
      // Another process created it in between: check what it created.
      if (!(error instanceof Error && /already exists/i.test(error.message))) throw error
      info = infoFields(await sendModuleCommand(node, 'FT.INFO', [definition.name]))
    }
  }
  if (info !== undefined) {
    const found = scoreFieldOf(info)
    if (found !== expected) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `search index '${definition.name}' on ${nodeAddress(node)} exists with another schema or key prefix ` +
          `(${found === undefined ? 'not created by cacheport' : `fingerprint ${found}, expected ${expected}`}): ` +
          `drop it (FT.DROPINDEX ${definition.name}) or choose another indexPrefix`,
      )
    }
  }
  // A new index scans the entries already under its prefix in the background.
  const deadline = Date.now() + waitMs
  while ((await isIndexing(node, definition.name)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

import { CacheDecodeError } from '@cacheport/core'
import type { BucketGrouper } from './bucket-groups.js'
import type { RedisCommands } from './client.js'
import type { Recovered } from './deadlines.js'
import type { KeyLayout } from './layout.js'

/**
 * Keys of another Redis type (a list, hash, set, zset or stream another client wrote where a
 * cacheport value lives) are read as unreadable entries: a miss plus an `error` event in the
 * cache, never a failed call. A write overwrites them (SET replaces any type; the scripts
 * read them as untagged).
 */

/** True for a WRONGTYPE reply. */
export function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.includes('WRONGTYPE')
}

/** What a key of another type reads as. */
export function foreignEntry(type = 'another type'): CacheDecodeError {
  return new CacheDecodeError(
    `the key holds a Redis ${type}, not a cacheport entry (written by another client?)`,
  )
}

const FOREIGN: Recovered<CacheDecodeError> = Object.freeze({ value: foreignEntry() })
const ABSENT: Recovered<boolean> = Object.freeze({ value: false })

/** `recover` for a GET: a WRONGTYPE reply reads as an unreadable entry. */
export function foreignAsUnreadable(error: unknown): Recovered<CacheDecodeError> | undefined {
  return isWrongType(error) ? { value: foreignEntry() } : undefined
}

/** `recover` for `has`: a key of another type holds no entry. */
export function foreignAsAbsent(error: unknown): Recovered<boolean> | undefined {
  return isWrongType(error) ? ABSENT : undefined
}

/** The shared unreadable entry (for callers that do not need a fresh error). */
export const FOREIGN_ENTRY = FOREIGN.value

/**
 * Finds, among `valueKeys` (one slot) that MGET answered as missing, those that exist with
 * another type, and marks their places in `out` (indexes in `places`). One EXISTS for the
 * group; a TYPE per key only when some exist.
 */
export async function markForeign(
  client: RedisCommands,
  valueKeys: readonly string[],
  places: readonly number[],
  out: unknown[],
): Promise<void> {
  if (valueKeys.length === 0) return
  const present = Number(await client.exists(...valueKeys))
  if (present === 0) return
  const types = await Promise.all(valueKeys.map((k) => client.type(k)))
  for (let i = 0; i < types.length; i++) {
    const type = types[i] as string
    if (type !== 'none' && type !== 'string') {
      out[places[i] as number] = foreignEntry(type)
    }
  }
}

/**
 * MGET answers a key of another type as missing: among the misses in `out` (for `keys`),
 * finds such keys, one EXISTS per slot and a TYPE per key only when some exist, and puts an
 * unreadable entry in their places. Resolves to `out`.
 */
export async function markForeignAmongMisses<E>(
  client: RedisCommands,
  layout: KeyLayout,
  grouper: BucketGrouper,
  keys: readonly string[],
  out: (E | CacheDecodeError | undefined)[],
): Promise<(E | CacheDecodeError | undefined)[]> {
  const missing: number[] = []
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) missing.push(i)
  const missingKeys = missing.map((i) => keys[i] as string)
  const groups = grouper.group(missingKeys)
  const checks: Promise<void>[] = []
  for (let g = 0; g < groups.count; g++) {
    const prefix = layout.valuePrefix(groups.buckets[g] as number)
    const start = groups.starts[g] as number
    const end = groups.starts[g + 1] as number
    const valueKeys: string[] = []
    const places: number[] = []
    for (let j = start; j < end; j++) {
      const m = groups.order[j] as number
      valueKeys.push(prefix + (missingKeys[m] as string))
      places.push(missing[m] as number)
    }
    checks.push(markForeign(client, valueKeys, places, out))
  }
  await Promise.all(checks)
  return out
}

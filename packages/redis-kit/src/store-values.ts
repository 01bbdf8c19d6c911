import { type CacheDecodeError, CacheTtlError } from '@cacheport/core'
import type { BucketGroups } from './bucket-groups.js'
import { stripTagHeader } from './tag-header.js'

/**
 * What RedisStore does to the values it sends and the replies it gets, as plain functions
 * passed to `Deadlines.bound` (no closure per call): stored bytes to envelopes, MGET replies
 * back in key order, TTLs and Buffers for the client.
 */

/** The envelope of one GET reply (`undefined` for a missing key, an error for a corrupt header). */
export function fromStored(stored: Buffer | null): Uint8Array | CacheDecodeError | undefined {
  return stored === null ? undefined : stripTagHeader(stored)
}

/** Returns its argument (a `map` that keeps the reply as it is). */
export function keep<T>(value: T): T {
  return value
}

/** Always `true` (a write that cannot fail its precondition). */
export function yes(): true {
  return true
}

/** True for a script reply of 1 (written / applied). */
export function isOne(reply: unknown): boolean {
  return Number(reply) === 1
}

/** True when a GET found the key. */
export function isStored(stored: Buffer | null): boolean {
  return stored !== null
}

/** Replaces each stored value with its envelope (absent keys: `undefined`), in place. */
export function unwrapAll(
  replies: (Buffer | null)[],
): (Uint8Array | CacheDecodeError | undefined)[] {
  const out = replies as (Uint8Array | CacheDecodeError | null | undefined)[]
  for (let i = 0; i < out.length; i++) {
    const stored = replies[i]
    out[i] = stored === null || stored === undefined ? undefined : stripTagHeader(stored)
  }
  return out as (Uint8Array | CacheDecodeError | undefined)[]
}

/** Puts the replies of each group's MGET back in the order of the keys asked for. */
export function scatter(
  lists: (Buffer | null)[][],
  groups: BucketGroups,
  n: number,
): (Uint8Array | CacheDecodeError | undefined)[] {
  const out: (Uint8Array | CacheDecodeError | undefined)[] = new Array(n)
  const { starts, order } = groups
  for (let g = 0; g < lists.length; g++) {
    const list = lists[g] as (Buffer | null)[]
    const start = starts[g] as number
    for (let j = 0; j < list.length; j++) {
      const stored = list[j]
      out[order[start + j] as number] =
        stored === null || stored === undefined ? undefined : stripTagHeader(stored)
    }
  }
  return out
}

/** The total of per-group counts. */
export function sum(counts: number[]): number {
  let total = 0
  for (const count of counts) total += count
  return total
}

/** Drops a reply. */
export function ignore(): undefined {
  return undefined
}

/** A Buffer view of `entry` (no copy). */
export function asBuffer(entry: Uint8Array): Buffer {
  return Buffer.isBuffer(entry)
    ? entry
    : Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength)
}

/** Physical TTL in whole ms for PX (0 = none). Throws `CacheTtlError` for invalid values. */
export function physicalTtl(ttl: number | undefined): number {
  if (ttl === undefined) return 0
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new CacheTtlError(`store ttl must be a finite number of ms > 0, got ${String(ttl)}`)
  }
  return Math.ceil(ttl)
}

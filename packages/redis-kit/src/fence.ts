import { randomBytes } from 'node:crypto'
import { CacheDecodeError, type StoreWriteOptions } from '@cacheport/core'
import type { RedisArg } from './client.js'
import type { KeyLayout } from './layout.js'
import { FENCE_BUMP_SCRIPT, FENCE_SCRIPT, FENCED_WRITE_SCRIPT } from './lua.js'
import type { RedisStoreContext } from './redis-store.js'
import { LuaScript } from './scripts.js'
import { asBuffer, isOne, physicalTtl } from './store-values.js'
import { withTagHeader } from './tag-header.js'

const FENCE = new LuaScript(FENCE_SCRIPT)
const FENCED_WRITE = new LuaScript(FENCED_WRITE_SCRIPT)
const FENCE_BUMP = new LuaScript(FENCE_BUMP_SCRIPT)

/**
 * Race-free write-back across processes. Each bucket of a namespace has a fence hash
 * `<prefix>f{<ns>:<b>}` in its values' hash slot, holding generations:
 *
 * - `i`: an incarnation id, set when the hash is first used (a hash that was evicted or
 *   flushed and made again has another one, so no write-back survives its loss);
 * - `c`: bumped in every bucket before `clear()` scans;
 * - `t`: bumped by every tag invalidation's script in the bucket;
 * - `d0`..`d255`: bumped by every delete of a key of that cell.
 *
 * Before a load, `capture` reads the stored value's digest and these generations in one
 * script; the write-back script writes only if all of them (the tag generation only for a
 * tagged entry) are unchanged. A set by another process changes the digest; a delete, tag
 * invalidation or clear changes a generation. One script call per side, each single-slot.
 */
export class RedisFence {
  readonly #layout: KeyLayout
  readonly #c: RedisStoreContext
  readonly #send: <T>(start: () => Promise<T>) => Promise<T>
  readonly #capture: LuaScript

  constructor(
    layout: KeyLayout,
    context: RedisStoreContext,
    send: <T>(start: () => Promise<T>) => Promise<T>,
    /** The capture script: `FENCE_SCRIPT`, or its twin for another value layout. */
    capture: LuaScript = FENCE,
  ) {
    this.#layout = layout
    this.#c = context
    this.#send = send
    this.#capture = capture
  }

  /** The fence of `key` now, as an opaque token for `setIfUnchanged`. */
  capture(key: string): Promise<string> {
    const layout = this.#layout
    const keys = [layout.valueKey(key), layout.fenceKey(layout.bucket(key))]
    const args = [randomBytes(9).toString('base64url'), layout.fenceCell(key)]
    const work = this.#send(() => this.#capture.run(this.#c.client, keys, args))
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, 'fence', toToken)
  }

  /** Writes `entry` only if nothing changed since `fence`; resolves `true` when written. */
  setIfUnchanged(
    key: string,
    entry: Uint8Array,
    fence: string,
    options: StoreWriteOptions | undefined,
  ): Promise<boolean> {
    let work: Promise<unknown>
    try {
      const parts = parseFence(fence)
      const layout = this.#layout
      const ttl = physicalTtl(options?.ttl)
      const tags = options?.tags ?? []
      const bytes = asBuffer(entry)
      const bucket = layout.bucket(key)
      const indexPrefix = layout.indexPrefix(bucket)
      const keys: string[] = [layout.valueKey(key), layout.fenceKey(bucket)]
      const args: RedisArg[] = [
        parts[0] as string,
        parts[1] as string,
        parts[2] as string,
        parts[3] as string,
        layout.fenceCell(key),
        parts[4] as string,
        tags.length === 0 ? bytes : withTagHeader(tags, bytes),
        ttl,
        key,
        indexPrefix,
      ]
      for (const tag of tags) {
        keys.push(indexPrefix + tag)
        args.push(tag)
      }
      work = this.#send(() => FENCED_WRITE.run(this.#c.client, keys, args))
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, 'set', isOne)
  }

  /** Bumps the clear generation of every bucket (before `clear()` removes anything). */
  beforeClear(): Promise<void> {
    const layout = this.#layout
    const bumps: Promise<unknown>[] = []
    for (let b = 0; b < layout.buckets; b++) {
      const keys = [layout.fenceKey(b)]
      bumps.push(this.#send(() => FENCE_BUMP.run(this.#c.client, keys, ['c'])))
    }
    return Promise.all(bumps).then(() => undefined)
  }
}

/**
 * A token's parts: digest, incarnation, clear gen, tag gen, cell gen. Throws
 * `CacheDecodeError` for anything else.
 */
export function parseFence(fence: string): readonly [string, string, string, string, string] {
  const parts = typeof fence === 'string' ? fence.split(' ') : []
  if (parts.length !== 5) throw new CacheDecodeError(`not a fence token: '${String(fence)}'`)
  return parts as unknown as readonly [string, string, string, string, string]
}

/** The capture script's reply as a token: digest, incarnation, clear, tag and cell generations. */
function toToken(reply: unknown): string {
  return (reply as unknown[]).map((part) => String(part)).join(' ')
}

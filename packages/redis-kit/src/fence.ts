import { randomBytes } from 'node:crypto'
import {
  CacheDecodeError,
  type StoreBusEvent,
  type StoreFenceOptions,
  type StoreWriteOptions,
} from '@cacheport/core'
import type { RedisArg } from './client.js'
import type { EntryLayout } from './entry-layout.js'
import { FenceGenerations } from './fence-generations.js'
import type { KeyLayout } from './layout.js'
import { FENCE_BUMP_SCRIPT, FENCED_CREATE_SCRIPT, FENCED_WRITE_SCRIPT } from './lua.js'
import type { RedisStoreContext } from './redis-store.js'
import { LuaScript } from './scripts.js'
import { asBuffer, isOne, physicalTtl } from './store-values.js'
import { withTagHeader } from './tag-header.js'

const FENCED_WRITE = new LuaScript(FENCED_WRITE_SCRIPT)
const FENCED_CREATE = new LuaScript(FENCED_CREATE_SCRIPT)
const FENCE_BUMP = new LuaScript(FENCE_BUMP_SCRIPT)

/**
 * How long generations learned from the server serve captures without a script call (see
 * `FenceGenerations`). The script call that follows also renews the hash's idle expiry.
 */
const LEARNED_MAX_AGE_MS = 1_000

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
 *
 * The cold miss costs less. When the caller has just read the key as absent, the capture reads
 * only the generations (one HMGET, no script); while the namespace's bus is live, and this
 * process learned the bucket's generations in the last second (`FenceGenerations`), it is
 * answered here without a round trip. An untagged write-back of an absent key runs a short
 * script (`FENCED_CREATE_SCRIPT`) whose refusal carries the current generations back.
 */
export class RedisFence {
  readonly #layout: KeyLayout
  readonly #c: RedisStoreContext
  readonly #send: <T>(start: () => Promise<T>) => Promise<T>
  readonly #capture: LuaScript
  /** Generations learned from the server; `undefined` for a layout other than strings. */
  readonly #learned: FenceGenerations | undefined
  /** Whether fences of absent keys may come from `#learned` (the namespace's bus is live). */
  #learning = false

  constructor(
    layout: KeyLayout,
    context: RedisStoreContext,
    send: <T>(start: () => Promise<T>) => Promise<T>,
    /** How entries are stored: its capture script, and whether it learns generations. */
    entries: EntryLayout,
  ) {
    this.#layout = layout
    this.#c = context
    this.#send = send
    this.#capture = entries.fenceScript
    this.#learned = entries.learnsFences
      ? new FenceGenerations({ buckets: layout.buckets, maxAgeMs: LEARNED_MAX_AGE_MS })
      : undefined
  }

  /**
   * The fence of `key` now, as an opaque token for `setIfUnchanged`. For a key the caller just
   * read as absent (`options.absent`): from learned generations while the namespace's bus is
   * live (no round trip), else by one HMGET of the fence hash; otherwise by the capture script.
   */
  capture(key: string, options?: StoreFenceOptions): string | Promise<string> {
    const layout = this.#layout
    const bucket = layout.bucket(key)
    const cell = layout.fenceCellIndex(key)
    const learned = this.#learned
    if (options?.absent === true && learned !== undefined) {
      if (this.#learning) {
        const token = learned.absentToken(bucket, cell)
        if (token !== undefined) return token
      }
      return this.#captureAbsent(key, bucket, cell, learned)
    }
    return this.#captureByScript(key, bucket, cell)
  }

  /**
   * The fence of a key read as absent, by reading the generations alone (the absent value is
   * the caller's read, which came first). A hash without an incarnation id gets one from the
   * capture script instead.
   */
  #captureAbsent(
    key: string,
    bucket: number,
    cell: number,
    learned: FenceGenerations,
  ): Promise<string> {
    const layout = this.#layout
    const fenceKey = layout.fenceKey(bucket)
    const field = layout.fenceCell(key)
    const work = this.#send(() => this.#c.client.hmget(fenceKey, 'i', 'c', 't', field))
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, 'fence').then((f) => {
      const incarnation = f[0] ?? ''
      if (incarnation === '') return this.#captureByScript(key, bucket, cell)
      const seen = { incarnation, clear: f[1] ?? '', tag: f[2] ?? '', cell, cellGen: f[3] ?? '' }
      learned.learn(bucket, seen)
      return `- ${incarnation} ${seen.clear} ${seen.tag} ${seen.cellGen}`
    })
  }

  /** The fence of `key` by the capture script, which also renews the hash's idle expiry. */
  #captureByScript(key: string, bucket: number, cell: number): Promise<string> {
    const layout = this.#layout
    const learned = this.#learned
    const keys = [layout.valueKey(key), layout.fenceKey(bucket)]
    const args = [randomBytes(9).toString('base64url'), layout.fenceCell(key)]
    const work = this.#send(() => this.#capture.run(this.#c.client, keys, args))
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, 'fence', (reply) => {
      const parts = (reply as unknown[]).map((part) => String(part))
      learned?.learn(bucket, {
        incarnation: parts[1] as string,
        clear: parts[2] as string,
        tag: parts[3] as string,
        cell,
        cellGen: parts[4] as string,
      })
      return parts.join(' ')
    })
  }

  /**
   * What the namespace's bus told this process (see `Store.busEvent`): while it is live,
   * fences of absent keys come from learned generations, and the generations of whatever
   * another process changed are forgotten, so that its next load there is captured afresh
   * rather than refused.
   */
  busEvent(event: StoreBusEvent): void {
    const learned = this.#learned
    if (learned === undefined) return
    switch (event.kind) {
      case 'live':
        this.#learning = true
        return
      case 'interrupted':
        this.#learning = false
        return
      case 'keys':
        this.deleting(event.keys)
        return
      case 'everything':
        learned.forgetAll()
        return
    }
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
      if (
        parts[0] === '-' &&
        this.#learned !== undefined &&
        (options?.tags === undefined || options.tags.length === 0)
      ) {
        return this.#create(key, entry, parts, options)
      }
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

  /** `setIfUnchanged` of an untagged value over an absent key (`FENCED_CREATE_SCRIPT`). */
  #create(
    key: string,
    entry: Uint8Array,
    parts: readonly [string, string, string, string, string],
    options: StoreWriteOptions | undefined,
  ): Promise<boolean> {
    const layout = this.#layout
    const bucket = layout.bucket(key)
    const keys = [layout.valueKey(key), layout.fenceKey(bucket)]
    const args: RedisArg[] = [
      layout.fenceCell(key),
      `${parts[1]} ${parts[2]} ${parts[4]}`,
      asBuffer(entry),
      physicalTtl(options?.ttl),
    ]
    const work = this.#send(() => FENCED_CREATE.run(this.#c.client, keys, args))
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, 'set', (reply) => {
      if (!Array.isArray(reply)) return isOne(reply)
      // A generation changed: refused, and what the hash holds now is learned.
      this.#learned?.learn(bucket, {
        incarnation: String(reply[0]),
        clear: String(reply[1]),
        tag: String(reply[2]),
        cell: layout.fenceCellIndex(key),
        cellGen: String(reply[3]),
      })
      return false
    })
  }

  /** Forgets the delete-cell generations of `keys` (this process, or another, deletes them). */
  deleting(keys: readonly string[]): void {
    const learned = this.#learned
    if (learned === undefined) return
    const layout = this.#layout
    for (const key of keys) learned.forgetCell(layout.bucket(key), layout.fenceCellIndex(key))
  }

  /** Forgets the tag generations (this process is invalidating tags). */
  invalidatingTags(): void {
    this.#learned?.forgetTags()
  }

  /** Bumps the clear generation of every bucket (before `clear()` removes anything). */
  beforeClear(): Promise<void> {
    this.#learned?.forgetAll()
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

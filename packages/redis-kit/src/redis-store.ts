import { createHash } from 'node:crypto'
import {
  CacheConflictError,
  CacheDecodeError,
  type MaybePromise,
  type Store,
  type StoreBusEvent,
  type StoreComputeAction,
  type StoreComputeOptions,
  type StoreEntry,
  type StoreExpireOptions,
  type StoreExpireResult,
  type StoreFenceOptions,
  type StoreInspection,
  type StoreWriteOptions,
} from '@cacheport/core'
import { BucketGrouper, type BucketGroups } from './bucket-groups.js'
import type { RedisArg, RedisCommands } from './client.js'
import type { Deadlines } from './deadlines.js'
import { type EntryLayout, STRING_ENTRIES } from './entry-layout.js'
import { RedisFence } from './fence.js'
import { foreignAsAbsent, foreignAsUnreadable, markForeignAmongMisses } from './foreign-keys.js'
import { hashTagOf, type KeyLayout } from './layout.js'
import { WRITE_SCRIPT } from './lua.js'
import { retryOnTopologyChange } from './retry.js'
import { LuaScript } from './scripts.js'
import {
  asBuffer,
  fromStored,
  ignore,
  isOne,
  isStored,
  keep,
  physicalTtl,
  scatter,
  sum,
  unwrapAll,
  yes,
} from './store-values.js'
import { splitTagHeader, stripTagHeader, withTagHeader } from './tag-header.js'

/** Per-operation timeouts, ms. */
export interface RedisTimeouts {
  /** Single-key reads and writes. Default 2,000. */
  readonly operation: number
  /** Scripts and compute. Default 5,000. */
  readonly atomic: number
  /** getMany, setMany, deleteMany, invalidateTags. Default 10,000. */
  readonly bulk: number
  /** clear(). Default 30,000. */
  readonly clear: number
}

/**
 * The timeouts of a Redis-family provider when its options set none, in milliseconds.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export const DEFAULT_TIMEOUTS: RedisTimeouts = {
  operation: 2_000,
  atomic: 5_000,
  bulk: 10_000,
  clear: 30_000,
}

/** What a store shares with its provider. */
export interface RedisStoreContext {
  readonly client: RedisCommands
  readonly deadlines: Deadlines
  readonly timeouts: RedisTimeouts
  /** Nodes holding data: the client itself, or every primary of a cluster. */
  readonly dataNodes: () => Promise<readonly RedisCommands[]>
  readonly allowUnsafeFlush: boolean
  readonly checkOpen: () => void
  /** Members an invalidation script handles per index per call. */
  readonly invalidateBatch: number
  /** Keys per SCAN step and per UNLINK. */
  readonly scanCount: number
  /** Send again commands a cluster refused because its topology changed (see retry.ts). */
  readonly retryTopology: boolean
  /** Reloads a cluster client's slot map before such a retry. */
  readonly refreshTopology: (() => Promise<void>) | undefined
}

const WRITE = new LuaScript(WRITE_SCRIPT)

/**
 * The Store of one namespace on a Redis-protocol server. Binary-safe end to end (Buffers in
 * and out). Untagged writes are a plain `SET ... PX`; tagged writes, deletes and
 * invalidations are Lua scripts confined to one hash slot.
 */
export class RedisStore implements Store<Uint8Array> {
  readonly namespace: string
  readonly kind = 'bytes' as const
  readonly #c: RedisStoreContext
  readonly #layout: KeyLayout
  readonly #grouper: BucketGrouper
  readonly #fence: RedisFence
  readonly #entries: EntryLayout

  /**
   * `entries`: how each entry's stored value is kept, strings (plain namespaces, the default)
   * or hashes (`RedisSearchStore`); chosen once here, never per call.
   */
  constructor(
    layout: KeyLayout,
    context: RedisStoreContext,
    entries: EntryLayout = STRING_ENTRIES,
  ) {
    this.namespace = layout.namespace
    this.#layout = layout
    this.#c = context
    this.#entries = entries
    this.#grouper = new BucketGrouper(layout)
    this.#fence = new RedisFence(layout, context, (start) => this.#send(start), entries)
  }

  /**
   * Captures what a load's write-back must find unchanged (see `RedisFence`): one script
   * call; for a key the caller just read as absent, one HMGET, or no round trip at all while
   * the namespace's bus is live. Rejects with a typed error when the backend fails.
   */
  fence(key: string, options?: StoreFenceOptions): string | Promise<string> {
    this.#c.checkOpen()
    return this.#fence.capture(key, options)
  }

  /** What the namespace's bus told this process (see `Store.busEvent` and `RedisFence`). */
  busEvent(event: StoreBusEvent): void {
    this.#fence.busEvent(event)
  }

  /**
   * Writes `entry` only if, since `fence` was captured, no other write, delete, tag
   * invalidation (for a tagged entry) or clear reached this key; resolves `true` when written.
   * Rejects with `CacheTtlError` for a bad TTL and `CacheDecodeError` for a bad token.
   */
  setIfUnchanged(
    key: string,
    entry: Uint8Array,
    fence: string,
    options?: StoreWriteOptions,
  ): Promise<boolean> {
    this.#c.checkOpen()
    return this.#fence.setIfUnchanged(key, entry, fence, options)
  }

  get(key: string): Promise<Uint8Array | CacheDecodeError | undefined> {
    const c = this.#c
    c.checkOpen()
    const valueKey = this.#layout.valueKey(key)
    const work = c.retryTopology
      ? retryOnTopologyChange(() => c.client.getBuffer(valueKey), c.refreshTopology)
      : c.client.getBuffer(valueKey)
    return c.deadlines.bound(work, c.timeouts.operation, 'get', fromStored, foreignAsUnreadable)
  }

  /**
   * One MGET per bucket (hash slot), all sent at once; replies are unwrapped in place, with
   * no object, closure or promise per key.
   */
  getMany(keys: readonly string[]): Promise<(Uint8Array | CacheDecodeError | undefined)[]> {
    const c = this.#c
    c.checkOpen()
    const n = keys.length
    if (n === 0) return Promise.resolve([])
    let read: Promise<(Uint8Array | CacheDecodeError | undefined)[]>
    if (this.#layout.buckets === 1) {
      const work = this.#mget(keys, this.#layout.valuePrefix(0))
      read = c.deadlines.bound(work, c.timeouts.bulk, 'getMany', unwrapAll)
    } else {
      const groups = this.#grouper.group(keys)
      if (groups.count === 1) {
        const work = this.#mget(keys, this.#layout.valuePrefix(groups.buckets[0] as number))
        read = c.deadlines.bound(work, c.timeouts.bulk, 'getMany', unwrapAll)
      } else {
        const replies: Promise<(Buffer | null)[]>[] = new Array(groups.count)
        for (let g = 0; g < groups.count; g++) {
          replies[g] = this.#mgetGroup(keys, groups, g)
        }
        read = c.deadlines.bound(Promise.all(replies), c.timeouts.bulk, 'getMany', (lists) =>
          scatter(lists, groups, n),
        )
      }
    }
    return read.then((out) => (out.includes(undefined) ? this.#foreignAmongMisses(keys, out) : out))
  }

  set(key: string, entry: Uint8Array, options?: StoreWriteOptions): Promise<void> {
    const c = this.#c
    c.checkOpen()
    const tags = options?.tags
    if (tags === undefined || tags.length === 0) {
      // Untagged: one plain SET, no script, no extra promise.
      const ttl = physicalTtl(options?.ttl)
      const valueKey = this.#layout.valueKey(key)
      const bytes = asBuffer(entry)
      const work = c.retryTopology
        ? retryOnTopologyChange(() => this.#setValue(valueKey, bytes, ttl), c.refreshTopology)
        : this.#setValue(valueKey, bytes, ttl)
      return c.deadlines.bound(work, c.timeouts.operation, 'set', ignore)
    }
    let work: Promise<unknown>
    try {
      work = this.#writeScript(key, entry, options, '')
    } catch (error) {
      return Promise.reject(error)
    }
    return c.deadlines.bound(work, c.timeouts.operation, 'set', ignore)
  }

  setMany(entries: readonly StoreEntry<Uint8Array>[]): Promise<void> {
    this.#c.checkOpen()
    // ioredis writes every command without waiting for earlier replies: this is one pipeline.
    const work = Promise.all(entries.map((e) => this.#write(e.key, e.entry, e)))
    return this.#c.deadlines.bound(work, this.#c.timeouts.bulk, 'setMany', ignore)
  }

  delete(key: string): Promise<boolean> {
    this.#c.checkOpen()
    const work = this.#delete([key], '').then((n) => n > 0)
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, 'delete')
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    this.#c.checkOpen()
    const groups = this.#grouper.group(keys)
    const work: Promise<number>[] = new Array(groups.count)
    for (let g = 0; g < groups.count; g++) {
      const { starts, order } = groups
      const group: string[] = new Array((starts[g + 1] as number) - (starts[g] as number))
      for (let j = 0, i = starts[g] as number; j < group.length; j++, i++) {
        group[j] = keys[order[i] as number] as string
      }
      work[g] = this.#delete(group, '')
    }
    return this.#c.deadlines.bound(Promise.all(work), this.#c.timeouts.bulk, 'deleteMany', sum)
  }

  has(key: string): Promise<boolean> {
    this.#c.checkOpen()
    const work = this.#read(this.#layout.valueKey(key))
    return this.#c.deadlines.bound(
      work,
      this.#c.timeouts.operation,
      'has',
      isStored,
      foreignAsAbsent,
    )
  }

  invalidateTags(tags: readonly string[]): Promise<number> {
    this.#c.checkOpen()
    this.#fence.invalidatingTags()
    const layout = this.#layout
    const script = this.#entries.invalidateScript
    const work = Promise.all(
      Array.from({ length: layout.buckets }, async (_, b) => {
        const indexPrefix = layout.indexPrefix(b)
        const keys = tags.map((t) => indexPrefix + t)
        keys.push(layout.fenceKey(b))
        const args: RedisArg[] = [
          layout.valuePrefix(b),
          indexPrefix,
          this.#c.invalidateBatch,
          ...tags,
        ]
        let removed = 0
        for (;;) {
          const [count, more] = (await this.#send(() =>
            script.run(this.#c.client, keys, args),
          )) as [number, number]
          removed += Number(count)
          if (Number(more) === 0) return removed
        }
      }),
    ).then((counts) => counts.reduce((a, b) => a + b, 0))
    return this.#c.deadlines.bound(work, this.#c.timeouts.bulk, 'invalidateTags')
  }

  clear(): Promise<void> {
    this.#c.checkOpen()
    return this.#c.deadlines.bound(this.#clear(), this.#c.timeouts.clear, 'clear')
  }

  async compute(
    key: string,
    fn: (
      current: Uint8Array | CacheDecodeError | undefined,
    ) => MaybePromise<StoreComputeAction<Uint8Array>>,
    options?: StoreComputeOptions,
  ): Promise<Uint8Array | CacheDecodeError | undefined> {
    const maxRetries = options?.maxRetries ?? 10
    const valueKey = this.#layout.valueKey(key)
    for (let attempt = 0; ; attempt++) {
      this.#c.checkOpen()
      const stored = await this.#c.deadlines.bound<Buffer | null, Buffer | CacheDecodeError | null>(
        this.#read(valueKey),
        this.#c.timeouts.operation,
        'compute',
        keep,
        foreignAsUnreadable,
      )
      // A key of another type is overwritten like a missing one (the scripts read it as absent).
      const foreign = stored instanceof CacheDecodeError
      const expected =
        stored === null || foreign ? '-' : createHash('sha1').update(stored).digest('hex')
      const current = stored === null ? undefined : foreign ? stored : stripTagHeader(stored)
      const action = await fn(current)
      this.#c.checkOpen()
      let applied: boolean
      if (action.action === 'keep') return current
      if (action.action === 'delete') {
        if (stored === null || foreign) return undefined
        applied = (await this.#bounded(this.#delete([key], expected), 'compute')) >= 0
      } else {
        applied = await this.#bounded(
          this.writeExpecting(key, action.entry, action, expected),
          'compute',
        )
      }
      if (applied) return action.action === 'set' ? action.entry : undefined
      if (attempt >= maxRetries) {
        throw new CacheConflictError(
          `compute on key '${key}' lost the race ${attempt + 1} times (maxRetries ${maxRetries})`,
        )
      }
    }
  }

  /** The entry of `key` with the tags its header carries, or `undefined`. */
  inspect(key: string): Promise<StoreInspection<Uint8Array> | undefined> {
    const c = this.#c
    c.checkOpen()
    const valueKey = this.#layout.valueKey(key)
    return c.deadlines
      .bound<Buffer | null, Buffer | CacheDecodeError | null>(
        this.#read(valueKey),
        c.timeouts.operation,
        'inspect',
        keep,
        foreignAsUnreadable,
      )
      .then((stored) => {
        if (stored === null) return undefined
        if (stored instanceof CacheDecodeError) return { entry: stored, tags: undefined }
        const split = splitTagHeader(stored)
        return split instanceof CacheDecodeError
          ? { entry: split, tags: undefined }
          : { entry: split.envelope, tags: split.tags }
      })
  }

  /**
   * Replaces the envelope of `key` and its expiry in one script, while the envelope is still
   * `options.expected`; the tag header stays and the tag indexes follow the new expiry.
   */
  expire(key: string, options: StoreExpireOptions<Uint8Array>): Promise<StoreExpireResult> {
    const c = this.#c
    c.checkOpen()
    let work: Promise<unknown>
    try {
      const ttl = physicalTtl(options.ttl)
      const args: RedisArg[] = [
        createHash('sha1').update(options.expected).digest('hex'),
        asBuffer(options.entry),
        ttl,
        key,
        this.#layout.indexPrefix(this.#layout.bucket(key)),
      ]
      const keys = [this.#layout.valueKey(key)]
      const script = this.#entries.expireScript
      work = this.#send(() => script.run(c.client, keys, args))
    } catch (error) {
      return Promise.reject(error)
    }
    return c.deadlines.bound(work, c.timeouts.atomic, 'expire', (reply): StoreExpireResult => {
      const n = Number(reply)
      return n === 1 ? 'changed' : n === 0 ? 'missing' : 'conflict'
    })
  }

  /**
   * Writes one entry for `compute` while `expected` holds ('-': absent, else the sha1 of the
   * stored value); resolves false when it did not. Throws `CacheTtlError` for a bad TTL. A
   * store whose writes carry more than the value (search fields) overrides it.
   */
  protected writeExpecting(
    key: string,
    entry: Uint8Array,
    options: StoreWriteOptions | undefined,
    expected: string,
  ): Promise<boolean> {
    return this.#write(key, entry, options, expected)
  }

  async *keys(): AsyncGenerator<string> {
    this.#c.checkOpen()
    const seen = new Set<string>()
    for (const node of await this.#c.dataNodes()) {
      let cursor = '0'
      do {
        const [next, found] = await this.#c.deadlines.bound(
          node.scan(cursor, 'MATCH', this.#layout.scanValuesPattern, 'COUNT', this.#c.scanCount),
          this.#c.timeouts.operation,
          'keys',
        )
        cursor = next
        for (const valueKey of found) {
          const key = this.#layout.entryKeyOf(valueKey)
          if (!seen.has(key)) {
            seen.add(key)
            yield key
          }
        }
      } while (cursor !== '0')
    }
  }

  /** Sends a command; on a cluster, again after a topology change refused it unexecuted. */
  #send<T>(start: () => Promise<T>): Promise<T> {
    return this.#c.retryTopology ? retryOnTopologyChange(start, this.#c.refreshTopology) : start()
  }

  /** Reads the stored value (tag header + envelope) at a value key, in this store's layout. */
  #read(valueKey: string): Promise<Buffer | null> {
    return this.#send(() => this.#entries.read(this.#c.client, valueKey))
  }

  /** `SET key value [PX ttl]` (ttl 0: no expiry). */
  #setValue(valueKey: string, bytes: Buffer, ttl: number): Promise<unknown> {
    return ttl === 0
      ? this.#c.client.set(valueKey, bytes)
      : this.#c.client.set(valueKey, bytes, 'PX', ttl)
  }

  /** One MGET of `keys` (all in one bucket) under the bucket's value-key prefix. */
  #mget(keys: readonly string[], prefix: string): Promise<(Buffer | null)[]> {
    const valueKeys: string[] = new Array(keys.length)
    for (let i = 0; i < keys.length; i++) valueKeys[i] = prefix + (keys[i] as string)
    return this.#send(() => this.#c.client.mgetBuffer(...valueKeys))
  }

  /** Marks keys of another type among MGET's misses (see `markForeignAmongMisses`). */
  #foreignAmongMisses(
    keys: readonly string[],
    out: (Uint8Array | CacheDecodeError | undefined)[],
  ): Promise<(Uint8Array | CacheDecodeError | undefined)[]> {
    const work = markForeignAmongMisses(this.#c.client, this.#layout, this.#grouper, keys, out)
    return this.#c.deadlines.bound(work, this.#c.timeouts.bulk, 'getMany')
  }

  /** One MGET of group `g` of a grouped batch. */
  #mgetGroup(keys: readonly string[], groups: BucketGroups, g: number): Promise<(Buffer | null)[]> {
    const prefix = this.#layout.valuePrefix(groups.buckets[g] as number)
    const start = groups.starts[g] as number
    const valueKeys: string[] = new Array((groups.starts[g + 1] as number) - start)
    for (let j = 0; j < valueKeys.length; j++) {
      valueKeys[j] = prefix + (keys[groups.order[start + j] as number] as string)
    }
    return this.#send(() => this.#c.client.mgetBuffer(...valueKeys))
  }

  #bounded<T>(work: Promise<T>, operation: string): Promise<T> {
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, operation)
  }

  /** Writes one entry; resolves false only when `expected` did not hold. */
  #write(
    key: string,
    entry: Uint8Array,
    options: StoreWriteOptions | undefined,
    expected = '',
  ): Promise<boolean> {
    try {
      const tags = options?.tags
      if ((tags === undefined || tags.length === 0) && expected === '') {
        const ttl = physicalTtl(options?.ttl)
        const valueKey = this.#layout.valueKey(key)
        const bytes = asBuffer(entry)
        return this.#send(() => this.#setValue(valueKey, bytes, ttl)).then(yes)
      }
      return this.#writeScript(key, entry, options, expected).then(isOne)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Runs the write script for one entry (tags, or a precondition): resolves to its reply, 1
   * when written. Throws `CacheTtlError` for a bad TTL, `RangeError` for oversized tags.
   */
  #writeScript(
    key: string,
    entry: Uint8Array,
    options: StoreWriteOptions | undefined,
    expected: string,
  ): Promise<unknown> {
    const ttl = physicalTtl(options?.ttl)
    const bytes = asBuffer(entry)
    const tags = options?.tags ?? []
    const valueKey = this.#layout.valueKey(key)
    const indexPrefix = this.#layout.indexPrefix(this.#layout.bucket(key))
    const stored = tags.length === 0 ? bytes : withTagHeader(tags, bytes)
    const scriptKeys: string[] = new Array(tags.length + 1)
    const args: RedisArg[] = new Array(tags.length + 5)
    scriptKeys[0] = valueKey
    args[0] = expected
    args[1] = stored
    args[2] = ttl
    args[3] = key
    args[4] = indexPrefix
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i] as string
      scriptKeys[i + 1] = indexPrefix + tag
      args[i + 5] = tag
    }
    return this.#send(() => WRITE.run(this.#c.client, scriptKeys, args))
  }

  /** Deletes keys of one bucket (bumping their fence cells); -1 when `expected` did not hold. */
  async #delete(keys: readonly string[], expected: string): Promise<number> {
    this.#fence.deleting(keys)
    const layout = this.#layout
    const bucket = layout.bucket(keys[0] as string)
    const valueKeys = keys.map((k) => layout.valueKey(k))
    valueKeys.push(layout.fenceKey(bucket))
    const args = [expected, layout.indexPrefix(bucket), ...keys]
    for (const k of keys) args.push(layout.fenceCell(k))
    const script = this.#entries.deleteScript
    const result = await this.#send(() => script.run(this.#c.client, valueKeys, args))
    return Number(result)
  }

  async #clear(): Promise<void> {
    // Loads in flight must not write back what this clear removes: bump first, then scan.
    await this.#fence.beforeClear()
    const nodes = await this.#c.dataNodes()
    if (this.#c.allowUnsafeFlush) {
      await Promise.all(nodes.map((node) => node.flushdb()))
      return
    }
    await Promise.all(
      nodes.map(async (node) => {
        let cursor = '0'
        do {
          const [next, found] = await node.scan(
            cursor,
            'MATCH',
            this.#layout.scanAllPattern,
            'COUNT',
            this.#c.scanCount,
          )
          cursor = next
          // UNLINK per hash tag: one slot per command, so it is valid on a cluster too.
          const bySlot = new Map<string, string[]>()
          for (const k of found) {
            const tag = hashTagOf(k)
            const list = bySlot.get(tag)
            if (list === undefined) bySlot.set(tag, [k])
            else list.push(k)
          }
          await Promise.all([...bySlot.values()].map((list) => node.unlink(...list)))
        } while (cursor !== '0')
      }),
    )
  }
}

import { createHash } from 'node:crypto'
import {
  CacheConflictError,
  CacheDecodeError,
  type MaybePromise,
  type NormalizedSearchQuery,
  type StoreComputeAction,
  type StoreComputeOptions,
  type StoreEntry,
  type StoreSearchResult,
  type StoreSearchSchema,
  type StoreWriteOptions,
} from '@cacheport/core'
import { BucketGrouper } from './bucket-groups.js'
import type { RedisArg, RedisCommands } from './client.js'
import { parseFence, RedisFence } from './fence.js'
import { foreignAsAbsent, foreignAsUnreadable, foreignEntry, isWrongType } from './foreign-keys.js'
import type { KeyLayout } from './layout.js'
import {
  HASH_DELETE_SCRIPT,
  HASH_EXPIRE_SCRIPT,
  HASH_FENCE_SCRIPT,
  HASH_FENCED_WRITE_SCRIPT,
  HASH_INVALIDATE_SCRIPT,
  HASH_WRITE_SCRIPT,
} from './lua-hash.js'
import { RedisStore, type RedisStoreContext } from './redis-store.js'
import { retryOnTopologyChange } from './retry.js'
import { LuaScript } from './scripts.js'
import { hashFieldsOf, VALUE_FIELD } from './search-fields.js'
import { RedisSearchIndex } from './search-index.js'
import { asBuffer, fromStored, ignore, isOne, isStored, physicalTtl, sum } from './store-values.js'
import { stripTagHeader, withTagHeader } from './tag-header.js'

const WRITE = new LuaScript(HASH_WRITE_SCRIPT)
const DELETE = new LuaScript(HASH_DELETE_SCRIPT)
const INVALIDATE = new LuaScript(HASH_INVALIDATE_SCRIPT)
const EXPIRE = new LuaScript(HASH_EXPIRE_SCRIPT)
const FENCED_WRITE = new LuaScript(HASH_FENCED_WRITE_SCRIPT)
const FENCE = new LuaScript(HASH_FENCE_SCRIPT)

/** A client that can read one hash field as a Buffer (ioredis, iovalkey, the node-redis adapter). */
interface HashReader {
  hgetBuffer(key: string, field: string): Promise<Buffer | null>
}

/** The search part of opening a store: the schema and the index name on the server. */
export interface RedisSearchStoreOptions {
  readonly schema: StoreSearchSchema
  /** The index name on the server (the provider puts its key prefix in front of core's name). */
  readonly indexName: string
}

/**
 * The store of a searchable namespace. Each entry is a hash at its usual value key: `__v`
 * holds exactly what a plain namespace stores in a string (tag header + envelope), and one
 * field per searchable field holds what RediSearch indexes (see `search-fields.ts`). Every
 * write is one script that replaces the hash, sets its expiry and maintains the tag indexes,
 * so the index follows the entry: expiry, delete, eviction, tag invalidation and `clear()`
 * remove the hash and RediSearch drops it. Keys and `clear()` are the string store's (same
 * key names); every other operation reads and writes the hash.
 */
export class RedisSearchStore extends RedisStore {
  readonly #c: RedisStoreContext
  readonly #layout: KeyLayout
  readonly #grouper: BucketGrouper
  readonly #schema: StoreSearchSchema
  readonly #index: RedisSearchIndex
  readonly #fence: RedisFence

  constructor(layout: KeyLayout, context: RedisStoreContext, search: RedisSearchStoreOptions) {
    super(layout, context)
    this.#c = context
    this.#layout = layout
    this.#grouper = new BucketGrouper(layout)
    this.#schema = search.schema
    this.#index = new RedisSearchIndex({
      layout,
      name: search.indexName,
      schema: search.schema,
      dataNodes: context.dataNodes,
      refreshTopology: context.refreshTopology,
      scanWaitMs: context.timeouts.bulk,
    })
    this.#fence = new RedisFence(layout, context, (start) => this.#send(start), FENCE)
    // Create the index now, in the background: search() waits for it and reports a failure.
    this.#index.ensure().catch(() => undefined)
  }

  /** The schema this store was opened with. */
  get schema(): StoreSearchSchema {
    return this.#schema
  }

  /** The RediSearch index of this namespace. */
  get index(): RedisSearchIndex {
    return this.#index
  }

  override get(key: string): Promise<Uint8Array | CacheDecodeError | undefined> {
    const c = this.#c
    c.checkOpen()
    const work = this.#read(this.#layout.valueKey(key))
    return c.deadlines.bound(work, c.timeouts.operation, 'get', fromStored, foreignAsUnreadable)
  }

  override getMany(
    keys: readonly string[],
  ): Promise<(Uint8Array | CacheDecodeError | undefined)[]> {
    const c = this.#c
    c.checkOpen()
    // One HGET per key, all sent at once (one pipeline on an auto-pipelining client).
    const work = Promise.all(
      keys.map((key) =>
        this.#read(this.#layout.valueKey(key)).then(fromStored, (error: unknown) => {
          if (isWrongType(error)) return foreignEntry()
          throw error
        }),
      ),
    )
    return c.deadlines.bound(work, c.timeouts.bulk, 'getMany')
  }

  override set(key: string, entry: Uint8Array, options?: StoreWriteOptions): Promise<void> {
    const c = this.#c
    c.checkOpen()
    let work: Promise<unknown>
    try {
      work = this.#writeScript(key, entry, options, '')
    } catch (error) {
      return Promise.reject(error)
    }
    return c.deadlines.bound(work, c.timeouts.operation, 'set', ignore)
  }

  override setMany(entries: readonly StoreEntry<Uint8Array>[]): Promise<void> {
    this.#c.checkOpen()
    let work: Promise<unknown>
    try {
      work = Promise.all(entries.map((e) => this.#writeScript(e.key, e.entry, e, '')))
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#c.deadlines.bound(work, this.#c.timeouts.bulk, 'setMany', ignore)
  }

  override delete(key: string): Promise<boolean> {
    this.#c.checkOpen()
    const work = this.#delete([key], '').then((n) => n > 0)
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, 'delete')
  }

  override deleteMany(keys: readonly string[]): Promise<number> {
    this.#c.checkOpen()
    const groups = this.#grouper.group(keys)
    const work: Promise<number>[] = []
    for (let g = 0; g < groups.count; g++) {
      const group: string[] = []
      for (let i = groups.starts[g] as number; i < (groups.starts[g + 1] as number); i++) {
        group.push(keys[groups.order[i] as number] as string)
      }
      work.push(this.#delete(group, ''))
    }
    return this.#c.deadlines.bound(Promise.all(work), this.#c.timeouts.bulk, 'deleteMany', sum)
  }

  override has(key: string): Promise<boolean> {
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

  /** As `RedisStore.fence`, reading the digest of the hash's stored value. */
  override fence(key: string): Promise<string> {
    this.#c.checkOpen()
    return this.#fence.capture(key)
  }

  /** As `RedisStore.setIfUnchanged`, writing the entry as a hash with its fields. */
  override setIfUnchanged(
    key: string,
    entry: Uint8Array,
    fence: string,
    options?: StoreWriteOptions,
  ): Promise<boolean> {
    this.#c.checkOpen()
    let work: Promise<unknown>
    try {
      work = this.#writeScript(key, entry, options, '', parseFence(fence))
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, 'set', isOne)
  }

  override invalidateTags(tags: readonly string[]): Promise<number> {
    this.#c.checkOpen()
    const layout = this.#layout
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
            INVALIDATE.run(this.#c.client, keys, args),
          )) as [number, number]
          removed += Number(count)
          if (Number(more) === 0) return removed
        }
      }),
    ).then((counts) => counts.reduce((a, b) => a + b, 0))
    return this.#c.deadlines.bound(work, this.#c.timeouts.bulk, 'invalidateTags')
  }

  override async compute(
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
        (value) => value,
        foreignAsUnreadable,
      )
      const foreign = stored instanceof CacheDecodeError
      const expected =
        stored === null || foreign ? '-' : createHash('sha1').update(stored).digest('hex')
      const current = stored === null ? undefined : foreign ? stored : stripTagHeader(stored)
      const action = await fn(current)
      this.#c.checkOpen()
      if (action.action === 'keep') return current
      let applied: boolean
      if (action.action === 'delete') {
        if (stored === null || foreign) return undefined
        applied = (await this.#atomic(this.#delete([key], expected))) >= 0
      } else {
        applied = isOne(await this.#atomic(this.#writeScript(key, action.entry, action, expected)))
      }
      if (applied) return action.action === 'set' ? action.entry : undefined
      if (attempt >= maxRetries) {
        throw new CacheConflictError(
          `compute on key '${key}' lost the race ${attempt + 1} times (maxRetries ${maxRetries})`,
        )
      }
    }
  }

  /**
   * Runs `query` over this namespace's index (every primary of a cluster). Rejects with
   * `CacheUnsupportedError` when RediSearch 2.4 is not loaded on a node, `CacheConfigError`
   * when the index exists with another schema, `CacheTimeoutError` after `query.timeoutMs`.
   */
  search(query: NormalizedSearchQuery): Promise<StoreSearchResult<Uint8Array>> {
    const c = this.#c
    try {
      c.checkOpen()
    } catch (error) {
      return Promise.reject(error)
    }
    return c.deadlines.bound(this.#index.search(query), query.timeoutMs, 'search')
  }

  /** `HGET key __v`, sent again after a cluster topology change. */
  /** The stored value is the hash's `__v` field (for `inspect`). */
  protected override readStored(valueKey: string): Promise<Buffer | null> {
    return this.#read(valueKey)
  }

  /** The hash layout's TTL change: `__v` rewritten, the search fields and index kept. */
  protected override expireScript(): LuaScript {
    return EXPIRE
  }

  #read(valueKey: string): Promise<Buffer | null> {
    const client = this.#c.client as RedisCommands & Partial<HashReader>
    if (typeof client.hgetBuffer !== 'function') {
      return Promise.reject(new TypeError('search needs a client with hgetBuffer'))
    }
    const reader = client as RedisCommands & HashReader
    return this.#send(() => reader.hgetBuffer(valueKey, VALUE_FIELD))
  }

  #send<T>(start: () => Promise<T>): Promise<T> {
    return this.#c.retryTopology ? retryOnTopologyChange(start, this.#c.refreshTopology) : start()
  }

  #atomic<T>(work: Promise<T>): Promise<T> {
    return this.#c.deadlines.bound(work, this.#c.timeouts.atomic, 'compute')
  }

  /**
   * Runs the hash write script for one entry. Throws `CacheTtlError` for a bad TTL,
   * `RangeError` for oversized tags.
   */
  #writeScript(
    key: string,
    entry: Uint8Array,
    options: StoreWriteOptions | undefined,
    expected: string,
    fence?: readonly [string, string, string, string, string],
  ): Promise<unknown> {
    const ttl = physicalTtl(options?.ttl)
    const bytes = asBuffer(entry)
    const tags = options?.tags ?? []
    const layout = this.#layout
    const valueKey = layout.valueKey(key)
    const indexPrefix = layout.indexPrefix(layout.bucket(key))
    const stored = tags.length === 0 ? bytes : withTagHeader(tags, bytes)
    const scriptKeys: string[] = [valueKey]
    const args: RedisArg[] = [fence?.[0] ?? expected, stored, ttl, key, indexPrefix, tags.length]
    for (const tag of tags) {
      scriptKeys.push(indexPrefix + tag)
      args.push(tag)
    }
    for (const field of hashFieldsOf(this.#schema, options?.fields)) args.push(field)
    if (fence === undefined) return this.#send(() => WRITE.run(this.#c.client, scriptKeys, args))
    // Under a fence: the bucket's fence hash last, then the captured generations.
    scriptKeys.push(layout.fenceKey(layout.bucket(key)))
    args.push(fence[1], fence[2], fence[3], layout.fenceCell(key), fence[4])
    return this.#send(() => FENCED_WRITE.run(this.#c.client, scriptKeys, args))
  }

  /** Deletes keys of one bucket; -1 when `expected` did not hold. */
  async #delete(keys: readonly string[], expected: string): Promise<number> {
    const layout = this.#layout
    const bucket = layout.bucket(keys[0] as string)
    const valueKeys = keys.map((k) => layout.valueKey(k))
    valueKeys.push(layout.fenceKey(bucket))
    const args = [expected, layout.indexPrefix(bucket), ...keys]
    for (const k of keys) args.push(layout.fenceCell(k))
    return Number(await this.#send(() => DELETE.run(this.#c.client, valueKeys, args)))
  }
}

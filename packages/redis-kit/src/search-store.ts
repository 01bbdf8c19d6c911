import type {
  CacheDecodeError,
  NormalizedSearchQuery,
  StoreEntry,
  StoreSearchResult,
  StoreSearchSchema,
  StoreWriteOptions,
} from '@cacheport/core'
import type { RedisArg } from './client.js'
import { HASH_ENTRIES } from './entry-layout.js'
import { parseFence } from './fence.js'
import { foreignAsUnreadable, foreignEntry, isWrongType } from './foreign-keys.js'
import type { KeyLayout } from './layout.js'
import { HASH_FENCED_WRITE_SCRIPT, HASH_WRITE_SCRIPT } from './lua-hash.js'
import { RedisStore, type RedisStoreContext } from './redis-store.js'
import { retryOnTopologyChange } from './retry.js'
import { LuaScript } from './scripts.js'
import { hashFieldsOf } from './search-fields.js'
import { RedisSearchIndex } from './search-index.js'
import { asBuffer, fromStored, ignore, isOne, physicalTtl } from './store-values.js'
import { withTagHeader } from './tag-header.js'

const WRITE = new LuaScript(HASH_WRITE_SCRIPT)
const FENCED_WRITE = new LuaScript(HASH_FENCED_WRITE_SCRIPT)

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
 * remove the hash and RediSearch drops it. Every operation but reads, writes and search is
 * `RedisStore`'s, run with the hash entry layout (`HASH_ENTRIES`: `HGET __v` and the hash
 * twins of its scripts); keys and `clear()` are the same as a plain namespace's.
 */
export class RedisSearchStore extends RedisStore {
  readonly #c: RedisStoreContext
  readonly #layout: KeyLayout
  readonly #schema: StoreSearchSchema
  readonly #index: RedisSearchIndex

  constructor(layout: KeyLayout, context: RedisStoreContext, search: RedisSearchStoreOptions) {
    super(layout, context, HASH_ENTRIES)
    this.#c = context
    this.#layout = layout
    this.#schema = search.schema
    this.#index = new RedisSearchIndex({
      layout,
      name: search.indexName,
      schema: search.schema,
      dataNodes: context.dataNodes,
      refreshTopology: context.refreshTopology,
      scanWaitMs: context.timeouts.bulk,
    })
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

  /** Writes with the hash write script (the entry's search fields with it). */
  protected override writeExpecting(
    key: string,
    entry: Uint8Array,
    options: StoreWriteOptions | undefined,
    expected: string,
  ): Promise<boolean> {
    try {
      return this.#writeScript(key, entry, options, expected).then(isOne)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** `HGET key __v`, sent again after a cluster topology change. */
  #read(valueKey: string): Promise<Buffer | null> {
    return this.#send(() => HASH_ENTRIES.read(this.#c.client, valueKey))
  }

  #send<T>(start: () => Promise<T>): Promise<T> {
    return this.#c.retryTopology ? retryOnTopologyChange(start, this.#c.refreshTopology) : start()
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
}

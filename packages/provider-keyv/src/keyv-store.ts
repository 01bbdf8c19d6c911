import { randomBytes } from 'node:crypto'
import {
  type BytesStore,
  type CacheDecodeError,
  CacheUnsupportedError,
  type Clock,
  type StoreEntry,
  type StoreWriteOptions,
} from '@cacheport/core'
import type { KeyvAdapter } from './adapter.js'
import type { AdapterCalls } from './adapter-calls.js'
import type { KeyLayout } from './key-layout.js'
import { readRecord, writeRecord } from './record.js'

/** What every store of one provider shares. */
export interface KeyvStoreHost {
  readonly adapter: KeyvAdapter
  readonly calls: AdapterCalls
  readonly layout: KeyLayout
  readonly clock: Clock
  readonly kind: string
}

type Read = Uint8Array | CacheDecodeError | undefined

/**
 * One namespace on a Keyv adapter. Entry keys carry the namespace's current generation (a
 * random token stored under its own key), so `clear()` is one write of a new generation: the
 * old entries become unreachable and leave by their TTL or the backend's eviction. Every
 * operation reads the generation first, so a clear by another process is seen at once.
 */
export class KeyvBytesStore implements BytesStore {
  readonly kind = 'bytes' as const
  readonly namespace: string
  readonly #host: KeyvStoreHost
  #creating: Promise<string> | undefined

  constructor(namespace: string, host: KeyvStoreHost) {
    this.namespace = namespace
    this.#host = host
  }

  async get(key: string): Promise<Read> {
    const [entry] = await this.#readMany([key])
    return entry
  }

  getMany(keys: readonly string[]): Promise<Read[]> {
    if (keys.length === 0) return Promise.resolve([])
    return this.#readMany(keys)
  }

  async set(key: string, entry: Uint8Array, options?: StoreWriteOptions): Promise<void> {
    this.#refuseTags(options?.tags)
    const generation = await this.#generation()
    await this.#write(key, entry, options?.ttl, generation)
  }

  async setMany(entries: readonly StoreEntry<Uint8Array>[]): Promise<void> {
    for (const e of entries) this.#refuseTags(e.tags)
    if (entries.length === 0) return
    const generation = await this.#generation()
    await Promise.all(entries.map((e) => this.#write(e.key, e.entry, e.ttl, generation)))
  }

  async delete(key: string): Promise<boolean> {
    return (await this.deleteMany([key])) === 1
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0
    const { adapter, calls, layout } = this.#host
    const generation = await this.#generation()
    const unique = [...new Set(keys)]
    // Count only live entries: an adapter may still hold an entry that expired logically.
    const present = await this.#readMany(unique, generation)
    const removed = await Promise.all(
      unique.map((key, i) =>
        calls
          .run('delete', () => adapter.delete(layout.entryKey(this.namespace, generation, key)))
          .then((done) => done && present[i] !== undefined),
      ),
    )
    return removed.filter(Boolean).length
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined
  }

  invalidateTags(): never {
    throw new CacheUnsupportedError('tags', `${this.#host.kind}: a Keyv adapter has no tag index`)
  }

  async clear(): Promise<void> {
    const { adapter, calls, layout } = this.#host
    const next = newGeneration()
    await calls.run('clear', () =>
      adapter.set(layout.generationKey(this.namespace), JSON.stringify(next)),
    )
  }

  #refuseTags(tags: readonly string[] | undefined): void {
    if (tags !== undefined && tags.length > 0) this.invalidateTags()
  }

  async #write(
    key: string,
    entry: Uint8Array,
    ttl: number | undefined,
    generation: string,
  ): Promise<void> {
    const { adapter, calls, layout, clock } = this.#host
    const text = writeRecord(entry, ttl === undefined ? undefined : clock.now() + ttl)
    // Whole seconds plus one: adapters such as memcache round the TTL down to seconds, and the
    // record's own expiry hides the entry on time.
    const nativeTtl = ttl === undefined ? undefined : Math.ceil(ttl / 1000) * 1000 + 1000
    const target = layout.entryKey(this.namespace, generation, key)
    await calls.run('set', () => adapter.set(target, text, nativeTtl))
  }

  async #readMany(keys: readonly string[], known?: string): Promise<Read[]> {
    const { adapter, calls, layout, clock } = this.#host
    const generation = known ?? (await this.#generation())
    const targets = keys.map((k) => layout.entryKey(this.namespace, generation, k))
    const getMany = adapter.getMany?.bind(adapter)
    const raw =
      getMany !== undefined && targets.length > 1
        ? await calls.run('getMany', () => getMany(targets))
        : await Promise.all(targets.map((t) => calls.run('get', () => adapter.get(t))))
    const now = clock.now()
    return keys.map((_, i) => readRecord(raw[i], now))
  }

  /** The namespace's current generation, created when missing (first use, or evicted). */
  async #generation(): Promise<string> {
    const { adapter, calls, layout } = this.#host
    const raw = await calls.run('get', () => adapter.get(layout.generationKey(this.namespace)))
    const current = generationOf(raw)
    if (current !== undefined) return current
    this.#creating ??= (async () => {
      const created = newGeneration()
      await calls.run('set', () =>
        adapter.set(layout.generationKey(this.namespace), JSON.stringify(created)),
      )
      return created
    })().finally(() => {
      this.#creating = undefined
    })
    return this.#creating
  }
}

/** A fresh random generation token (base64url, 12 chars). */
function newGeneration(): string {
  return randomBytes(9).toString('base64url')
}

/**
 * The generation in what the adapter answered. memcache parses values as JSON, so a token is
 * written as a JSON string and read either way.
 */
function generationOf(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined
  const token = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
  return /^[A-Za-z0-9_-]{12}$/.test(token) ? token : undefined
}

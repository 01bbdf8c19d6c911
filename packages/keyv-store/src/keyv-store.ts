import { EventEmitter } from 'node:events'
import { type Cache, checkOptionsObject, invalidOption } from '@cacheport/core'

/** Options of `cacheportKeyvStore`. */
export interface CacheportKeyvStoreOptions {
  /**
   * `true` when this cacheport namespace holds the keys of this store only (one Keyv
   * namespace): `clear()` is then the namespace's own `clear()`. Default `false`: `clear()`
   * deletes the keys under the Keyv namespace's prefix, which needs a provider that can
   * list keys (`iterate`: memory and the Redis family can).
   */
  readonly exclusive?: boolean
}

const KNOWN = ['exclusive'] as const

/** How many keys one `deleteMany` of `clear()` removes at a time. */
const CLEAR_BATCH = 500

/**
 * A Keyv storage adapter (keyv 5's `KeyvStoreAdapter`) over one cacheport namespace. Keyv
 * hands it keys already prefixed with the Keyv namespace (`keyv:foo`) and values already
 * serialized (a string, with the Keyv expiry inside); the store keeps them as cacheport
 * values under the Keyv TTL, so the namespace's L1/L2, encoder, compression and encryption
 * apply. Create it with {@link cacheportKeyvStore}.
 */
export class CacheportKeyvStore extends EventEmitter {
  /** What Keyv reads from an adapter (`dialect` names it in Keyv's messages). */
  readonly opts: { readonly dialect: 'cacheport'; readonly url: string; ttlSupport: true }
  /** Set by Keyv: the namespace this store's keys are prefixed with. */
  namespace?: string | undefined
  /** Keyv reads this: the store expires entries by itself. */
  readonly ttlSupport = true
  readonly #cache: Cache<unknown>
  readonly #exclusive: boolean

  constructor(cache: Cache<unknown>, options?: CacheportKeyvStoreOptions) {
    super()
    const raw: unknown = options
    checkOptionsObject(raw, KNOWN, 'cacheportKeyvStore')
    if (options?.exclusive !== undefined && typeof options.exclusive !== 'boolean')
      invalidOption('cacheportKeyvStore: `exclusive` must be a boolean')
    this.#cache = cache
    this.#exclusive = options?.exclusive ?? false
    this.opts = { dialect: 'cacheport', url: `cacheport://${cache.namespace}`, ttlSupport: true }
  }

  /** The cacheport namespace behind this store (for tags, `getOrSet`, stats). */
  get cache(): Cache<unknown> {
    return this.#cache
  }

  /** The stored (serialized) value of `key`, `undefined` when missing. */
  async get(key: string): Promise<unknown> {
    return this.#cache.get(key)
  }

  /** Stored values in key order, `undefined` where missing. */
  async getMany(keys: string[]): Promise<unknown[]> {
    return this.#cache.getMany(keys)
  }

  /**
   * Stores `value` for `ttl` ms; with no `ttl`, the namespace's default TTL applies. Keyv
   * serializes before it calls this, so `value` is a string unless Keyv's serializer is off.
   */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    await this.#cache.set(key, value, ttl === undefined ? {} : { ttl })
    return true
  }

  /** Stores several entries (Keyv 5's `setMany`). */
  async setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<void> {
    await this.#cache.setMany(
      entries.map((e) => ({
        key: e.key,
        value: e.value,
        ...(e.ttl === undefined ? {} : { ttl: e.ttl }),
      })),
    )
  }

  /** True when the key was removed. */
  async delete(key: string): Promise<boolean> {
    return this.#cache.delete(key)
  }

  /** True when every key was removed (Keyv's contract for `delete([...])`). */
  async deleteMany(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false
    return (await this.#cache.deleteMany(keys)) === new Set(keys).size
  }

  async has(key: string): Promise<boolean> {
    return this.#cache.has(key)
  }

  /** Whether each key is present. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((k) => this.#cache.has(k)))
  }

  /**
   * Removes this Keyv namespace's keys: the whole cacheport namespace when `exclusive` or when
   * Keyv has no namespace, else every key under `{namespace}:` (listed with the namespace's
   * `keys()`; throws `CacheUnsupportedError` on a provider that cannot list keys).
   */
  async clear(): Promise<void> {
    if (this.#exclusive || this.namespace === undefined) {
      await this.#cache.clear()
      return
    }
    const prefix = `${this.namespace}:`
    let batch: string[] = []
    for await (const key of this.#cache.keys()) {
      if (!key.startsWith(prefix)) continue
      batch.push(key)
      if (batch.length >= CLEAR_BATCH) {
        await this.#cache.deleteMany(batch)
        batch = []
      }
    }
    if (batch.length > 0) await this.#cache.deleteMany(batch)
  }

  /** Yields `[key, storedValue]` for the keys under `{namespace}:` (or every key). */
  async *iterator(namespace?: string): AsyncGenerator<[string, unknown], void> {
    const prefix = namespace === undefined ? '' : `${namespace}:`
    for await (const key of this.#cache.keys()) {
      if (!key.startsWith(prefix)) continue
      const value = await this.#cache.get(key)
      if (value !== undefined) yield [key, value]
    }
  }

  /** Keyv calls this on `keyv.disconnect()`. The cache service is the application's to close. */
  async disconnect(): Promise<void> {}
}

/**
 * A Keyv storage adapter backed by the cacheport namespace `cache`: pass it to
 * `new Keyv({ store })`, cache-manager's `createCache({ stores: [new Keyv({ store })] })` or
 * NestJS's `CacheModule`. Throws `CacheConfigError` (`INVALID_OPTION`) on a bad option.
 */
export function cacheportKeyvStore(
  cache: Cache<unknown>,
  options?: CacheportKeyvStoreOptions,
): CacheportKeyvStore {
  return new CacheportKeyvStore(cache, options)
}

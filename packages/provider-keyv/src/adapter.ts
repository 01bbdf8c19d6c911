/**
 * The part of a Keyv storage adapter (`KeyvStoreAdapter` of keyv 5) this provider calls. Every
 * `@keyv/*` adapter satisfies it structurally: `@keyv/memcache`, `@keyv/postgres`,
 * `@keyv/mysql`, `@keyv/mongo`, `@keyv/etcd`, a SQLite adapter, and so on.
 */
export interface KeyvAdapter {
  /** The stored value, `undefined`/`null` when missing (some adapters answer a record). */
  get(key: string): Promise<unknown>
  /** Writes `value`; `ttl` in ms, when the adapter can expire entries itself. */
  set(key: string, value: string, ttl?: number): Promise<unknown>
  /** True when a key was removed. */
  delete(key: string): Promise<boolean>
  /** Values in key order, when the adapter can read many keys in one call. */
  getMany?(keys: string[]): Promise<readonly unknown[]>
  /** Releases the adapter's connections. */
  disconnect?(): Promise<void>
  /** Keyv adapters are event emitters; the provider listens to `error`. */
  on?(event: 'error', listener: (error: unknown) => void): unknown
}

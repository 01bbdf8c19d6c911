import {
  type BytesStore,
  type CacheProvider,
  type Clock,
  checkOptionsObject,
  integerOption,
  invalidOption,
  type OpenStoreOptions,
  type ProviderCapabilities,
  type ProviderHealth,
} from '@cacheport/core'
import type { KeyvAdapter } from './adapter.js'
import { AdapterCalls } from './adapter-calls.js'
import { KeyLayout } from './key-layout.js'
import { KeyvBytesStore, type KeyvStoreHost } from './keyv-store.js'

/** Options of `keyvProvider`. */
export interface KeyvProviderOptions {
  /** The Keyv storage adapter, e.g. `new KeyvMemcache('127.0.0.1:11211')`. Required. */
  readonly store: KeyvAdapter
  /** Prefix of every key this provider writes. Default `cacheport:`. */
  readonly keyPrefix?: string
  /**
   * Whether the adapter expires entries by itself (memcache, redis: `true`; SQL adapters:
   * `false`, the default). Either way an expired entry reads as a miss.
   */
  readonly nativeTtl?: boolean
  /** Timeout of every adapter call, ms. Default 5,000. */
  readonly timeoutMs?: number
  /**
   * Longest adapter key, in characters; longer keys are replaced by their SHA-256. Default 200
   * (memcached allows 250, `@keyv/postgres` 255 by default).
   */
  readonly maxKeyLength?: number
  /** Short name for messages and `kind`. Default `keyv`. */
  readonly name?: string
  /** Call `store.disconnect()` on `close()`. Default `true`. */
  readonly disconnectOnClose?: boolean
  /** Time source for the entries' expiry. Default `Date`. */
  readonly clock?: Clock
}

const KNOWN = [
  'store',
  'keyPrefix',
  'nativeTtl',
  'timeoutMs',
  'maxKeyLength',
  'name',
  'disconnectOnClose',
  'clock',
] as const

/**
 * A cacheport provider over any Keyv storage adapter. Entries are envelope bytes (base64 in a
 * small JSON record), so compression, encryption and every encoder work as on Redis. It
 * declares `tags`, `compute`, `iterate`, `bus`, `lock` and `search` as `false` (a Keyv adapter
 * offers no atomic read-modify-write, tag index, pub/sub or key listing that works everywhere),
 * so those calls are refused with `CacheUnsupportedError`. As an L2 under an L1 it has no bus:
 * set `l1: { provider, maxTtl }` and let the L1 TTL bound how stale another process's copy can be.
 * Throws `CacheConfigError` (`INVALID_OPTION`) on a missing adapter or a bad option.
 */
export function keyvProvider(options: KeyvProviderOptions): CacheProvider {
  checkOptionsObject(options, KNOWN, 'keyvProvider')
  if (options === undefined) invalidOption('keyvProvider: options with a `store` are required')
  const adapter = options.store
  if (
    adapter === null ||
    typeof adapter !== 'object' ||
    typeof adapter.get !== 'function' ||
    typeof adapter.set !== 'function' ||
    typeof adapter.delete !== 'function'
  ) {
    invalidOption('keyvProvider: `store` must be a Keyv storage adapter (get, set and delete)')
  }
  const name = stringOption(options.name, 'keyv', 'name')
  const keyPrefix = stringOption(options.keyPrefix, 'cacheport:', 'keyPrefix', true)
  if (options.nativeTtl !== undefined && typeof options.nativeTtl !== 'boolean')
    invalidOption('keyvProvider: `nativeTtl` must be a boolean')
  if (options.disconnectOnClose !== undefined && typeof options.disconnectOnClose !== 'boolean')
    invalidOption('keyvProvider: `disconnectOnClose` must be a boolean')
  const timeoutMs = integerOption(options.timeoutMs, 5000, 1, 600_000, 'keyvProvider: `timeoutMs`')
  const maxKeyLength = integerOption(
    options.maxKeyLength,
    200,
    keyPrefix.length + 60,
    1_000_000,
    'keyvProvider: `maxKeyLength`',
  )
  const calls = new AdapterCalls(name, timeoutMs)
  // A Keyv adapter emits `error`; without a listener an EventEmitter would crash the process.
  adapter.on?.('error', () => {})
  const host: KeyvStoreHost = {
    adapter,
    calls,
    layout: new KeyLayout(keyPrefix, maxKeyLength),
    clock: options.clock ?? Date,
    kind: name,
  }
  const capabilities: ProviderCapabilities = {
    values: 'bytes',
    nativeTtl: options.nativeTtl ?? false,
    tags: false,
    compute: false,
    iterate: false,
    bus: false,
    lock: false,
    search: false,
  }
  const stores = new Map<string, KeyvBytesStore>()
  const disconnect = options.disconnectOnClose ?? true
  let closing: Promise<void> | undefined
  return {
    kind: name,
    capabilities,
    openStore({ namespace }: OpenStoreOptions): BytesStore {
      calls.checkOpen()
      let store = stores.get(namespace)
      if (store === undefined) {
        store = new KeyvBytesStore(namespace, host)
        stores.set(namespace, store)
      }
      return store
    },
    async health(): Promise<ProviderHealth> {
      const started = performance.now()
      try {
        await calls.run('health', () => adapter.get(`${keyPrefix}health`))
        return { healthy: true, latencyMs: performance.now() - started }
      } catch (error) {
        return { healthy: false, details: error instanceof Error ? error.message : String(error) }
      }
    },
    close(): Promise<void> {
      closing ??= (async () => {
        calls.close()
        if (disconnect) await adapter.disconnect?.()
      })()
      return closing
    },
  }
}

function stringOption(value: unknown, fallback: string, name: string, allowEmpty = false): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > 100)
    invalidOption(`keyvProvider: \`${name}\` must be a string of at most 100 characters`)
  return value
}

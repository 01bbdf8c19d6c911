import { createCacheService, isPromise, type LiveEntry, type LiveStore } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { mulberry32 } from '@cacheport/test-harness'
import { LRUCache } from 'lru-cache'
import type { Bench, Round, Subject } from './harness.js'
import { OBSERVED_LABEL, type Observed, observe } from './observability.js'

/** Distinct keys, all present: every lookup is a hit. */
export const KEY_COUNT = 100_000
/** Length of the pre-generated lookup sequence (a power of two, walked cyclically). */
const SEQUENCE_LENGTH = 1 << 20

interface Product {
  readonly id: number
  readonly name: string
  readonly price: number
}

/** The data every subject gets: the keys with their values, and the lookup sequence. */
function dataset(seed: number): { entries: [string, Product][]; lookups: string[] } {
  const entries: [string, Product][] = []
  for (let id = 0; id < KEY_COUNT; id++) {
    entries.push([`p:${id}`, { id, name: `Product ${id}`, price: 5 + (id % 9500) / 100 }])
  }
  const random = mulberry32(seed)
  const lookups = Array.from(
    { length: SEQUENCE_LENGTH },
    () => entries[Math.floor(random() * KEY_COUNT)]![0],
  )
  return { entries, lookups }
}

/** A synchronous round over `lookups`, resuming where the previous round stopped. */
function syncRound(lookups: readonly string[], get: (key: string) => unknown): Round {
  let cursor = 0
  return (ops) => {
    let found = 0
    const mask = SEQUENCE_LENGTH - 1
    for (let i = 0; i < ops; i++) {
      if (get(lookups[(cursor + i) & mask] as string) !== undefined) found++
    }
    cursor = (cursor + ops) & mask
    return found
  }
}

/** An awaited, sequential round: how a caller of a promise-returning `get` uses it. */
function awaitedRound(lookups: readonly string[], get: (key: string) => Promise<unknown>): Round {
  let cursor = 0
  return async (ops) => {
    let found = 0
    const mask = SEQUENCE_LENGTH - 1
    for (let i = 0; i < ops; i++) {
      if ((await get(lookups[(cursor + i) & mask] as string)) !== undefined) found++
    }
    cursor = (cursor + ops) & mask
    return found
  }
}

const subjects: Subject[] = [
  {
    name: 'Map.get',
    opsPerRound: 10_000_000,
    setup(seed) {
      const { entries, lookups } = dataset(seed)
      const map = new Map(entries)
      return syncRound(lookups, (k) => map.get(k))
    },
  },
  {
    name: 'lru-cache get',
    opsPerRound: 5_000_000,
    setup(seed) {
      const { entries, lookups } = dataset(seed)
      const lru = new LRUCache<string, Product>({ max: KEY_COUNT })
      for (const [k, v] of entries) lru.set(k, v)
      return syncRound(lookups, (k) => lru.get(k))
    },
  },
  {
    name: 'cacheport store.get (live)',
    opsPerRound: 2_000_000,
    setup(seed) {
      const { entries, lookups } = dataset(seed)
      const provider = memoryProvider({ values: 'live', maximumSize: KEY_COUNT })
      const store = provider.openStore({ namespace: 'bench' })
      if (store.kind !== 'live') throw new Error('expected a live store')
      const live: LiveStore = store
      const createdAt = Date.now()
      for (const [k, value] of entries) {
        const entry: LiveEntry<Product> = {
          value,
          createdAt,
          expiresAt: undefined,
          staleUntil: undefined,
          negative: false,
        }
        live.set(k, entry)
      }
      // The memory store answers synchronously; the port's type allows a promise.
      if (isPromise(live.get(entries[0]![0]))) throw new Error('expected a synchronous store')
      return syncRound(lookups, (k) => live.get(k) as LiveEntry | undefined)
    },
  },
  {
    name: 'cacheport Cache.peek (live)',
    opsPerRound: 2_000_000,
    async setup(seed) {
      const { entries, lookups } = dataset(seed)
      const caches = createCacheService({
        providers: { local: memoryProvider({ values: 'live', maximumSize: KEY_COUNT }) },
      })
      const cache = caches.namespace<Product>('bench')
      await cache.setMany(entries.map(([key, value]) => ({ key, value })))
      return syncRound(lookups, (k) => cache.peek(k))
    },
  },
  {
    name: 'cacheport Cache.peek (bytes)',
    opsPerRound: 200_000,
    async setup(seed) {
      const { entries, lookups } = dataset(seed)
      const caches = createCacheService({
        providers: { local: memoryProvider({ values: 'bytes', maximumSize: KEY_COUNT }) },
        encoder: jsonEncoder(),
      })
      const cache = caches.namespace<Product>('bench')
      await cache.setMany(entries.map(([key, value]) => ({ key, value })))
      return syncRound(lookups, (k) => cache.peek(k))
    },
  },
  {
    name: 'Map.get + await',
    opsPerRound: 3_000_000,
    setup(seed) {
      const { entries, lookups } = dataset(seed)
      const map = new Map(entries)
      return awaitedRound(lookups, (k) => Promise.resolve(map.get(k)))
    },
  },
  {
    name: 'cacheport Cache.get (live)',
    opsPerRound: 1_000_000,
    async setup(seed) {
      const { entries, lookups } = dataset(seed)
      const caches = createCacheService({
        providers: { local: memoryProvider({ values: 'live', maximumSize: KEY_COUNT }) },
      })
      const cache = caches.namespace<Product>('bench')
      await cache.setMany(entries.map(([key, value]) => ({ key, value })))
      return awaitedRound(lookups, (k) => cache.get(k))
    },
  },
  ...(['off', 'none', 'metrics', 'metrics+durations', 'traces'] as const).map(observedSubject),
  {
    name: 'cacheport Cache.get (bytes)',
    opsPerRound: 200_000,
    async setup(seed) {
      const { entries, lookups } = dataset(seed)
      const caches = createCacheService({
        providers: { local: memoryProvider({ values: 'bytes', maximumSize: KEY_COUNT }) },
        encoder: jsonEncoder(),
      })
      const cache = caches.namespace<Product>('bench')
      await cache.setMany(entries.map(([key, value]) => ({ key, value })))
      return awaitedRound(lookups, (k) => cache.get(k))
    },
  },
]

/** Cache.get (live) L1-less hits, with the diagnostics channels off, unobserved, or observed. */
function observedSubject(observed: Observed): Subject {
  return {
    name: `Cache.get (live, ${OBSERVED_LABEL[observed]})`,
    opsPerRound: 1_000_000,
    async setup(seed) {
      const { entries, lookups } = dataset(seed)
      const caches = createCacheService({
        providers: { local: memoryProvider({ values: 'live', maximumSize: KEY_COUNT }) },
        diagnostics: observed !== 'off',
      })
      observe(caches, observed)
      const cache = caches.namespace<Product>('bench')
      await cache.setMany(entries.map(([key, value]) => ({ key, value })))
      return awaitedRound(lookups, (k) => cache.get(k))
    },
  }
}

export const memoryGetBench: Bench = {
  name: 'memory-get',
  description: `get hits over ${KEY_COUNT.toLocaleString('en-US')} keys (uniform, seeded)`,
  subjects,
  baselines: {
    'vs Map': 'Map.get',
    'vs lru-cache': 'lru-cache get',
    'vs diagnostics off': 'Cache.get (live, diagnostics off)',
  },
}

import { createCacheService, type LiveEntry, type LiveStore } from '@cacheport/core'
import { memoryProvider } from '@cacheport/provider-memory'
import { mulberry32 } from '@cacheport/test-harness'
import { LRUCache } from 'lru-cache'
import type { Bench, Round, Subject } from './harness.js'

/** Length of the pre-generated access sequence (a power of two, walked cyclically). */
const SEQUENCE_LENGTH = 1 << 20

export type Distribution = 'uniform' | 'zipf'
export type Operation = 'get-hit' | 'set' | 'mix'

/** Keyspace per distribution: 100k uniform keys, or zipf(0.99) over 1M keys. */
export const KEYSPACE: Record<Distribution, number> = { uniform: 100_000, zipf: 1_000_000 }
const ZIPF_EXPONENT = 0.99

interface Value {
  readonly id: number
  readonly name: string
}

/** Keys `k:<id>` (flat strings) and a seeded access sequence over them. */
function dataset(distribution: Distribution, seed: number): { keys: string[]; sequence: string[] } {
  const n = KEYSPACE[distribution]
  const keys = Array.from({ length: n }, (_, i) => `k:${i}`)
  const random = mulberry32(seed)
  const sequence = new Array<string>(SEQUENCE_LENGTH)
  if (distribution === 'uniform') {
    for (let i = 0; i < SEQUENCE_LENGTH; i++) sequence[i] = keys[Math.floor(random() * n)]!
    return { keys, sequence }
  }
  // Zipf: rank r has weight 1 / r^s. Ranks map to keys through a seeded shuffle, so hot keys
  // are not simply the first inserted.
  const cdf = new Float64Array(n)
  let sum = 0
  for (let r = 0; r < n; r++) {
    sum += 1 / (r + 1) ** ZIPF_EXPONENT
    cdf[r] = sum
  }
  const byRank = keys.slice()
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = byRank[i]!
    byRank[i] = byRank[j]!
    byRank[j] = t
  }
  for (let i = 0; i < SEQUENCE_LENGTH; i++) {
    const u = random() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid]! < u) lo = mid + 1
      else hi = mid
    }
    sequence[i] = byRank[lo]!
  }
  return { keys, sequence }
}

const makeValue = (id: number): Value => ({ id, name: `value ${id}` })
const entryOf = (value: unknown): LiveEntry => ({
  value,
  createdAt: 0,
  expiresAt: undefined,
  staleUntil: undefined,
  negative: false,
})

/** Somewhere results go, so no engine can drop the work. */
export let sink = 0

/**
 * A synchronous round. `get` must hit; `set` writes one of two alternating values.
 * Every operation counts as found, so the harness's "every lookup hit" check holds.
 */
function syncRound(
  operation: Operation,
  sequence: readonly string[],
  get: (key: string) => unknown,
  set: (key: string, flip: number) => void,
): Round {
  let cursor = 0
  const mask = SEQUENCE_LENGTH - 1
  return (ops) => {
    let found = 0
    for (let i = 0; i < ops; i++) {
      const key = sequence[(cursor + i) & mask] as string
      if (operation === 'get-hit' || (operation === 'mix' && i % 10 !== 9)) {
        if (get(key) !== undefined) found++
      } else {
        set(key, i & 1)
        found++
      }
    }
    cursor = (cursor + ops) & mask
    sink ^= found
    return found
  }
}

function awaitedRound(
  operation: Operation,
  sequence: readonly string[],
  get: (key: string) => Promise<unknown>,
  set: (key: string, flip: number) => Promise<void>,
): Round {
  let cursor = 0
  const mask = SEQUENCE_LENGTH - 1
  return async (ops) => {
    let found = 0
    for (let i = 0; i < ops; i++) {
      const key = sequence[(cursor + i) & mask] as string
      if (operation === 'get-hit' || (operation === 'mix' && i % 10 !== 9)) {
        if ((await get(key)) !== undefined) found++
      } else {
        await set(key, i & 1)
        found++
      }
    }
    cursor = (cursor + ops) & mask
    return found
  }
}

function subjects(distribution: Distribution, operation: Operation): Subject[] {
  const n = KEYSPACE[distribution]
  const scale = distribution === 'zipf' ? 0.5 : 1
  const sized = (ops: number) => Math.max(100_000, Math.round(ops * scale))
  const values = [makeValue(1), makeValue(2)]
  const entries = [entryOf(values[0]), entryOf(values[1])]
  return [
    {
      name: 'Map',
      opsPerRound: sized(operation === 'set' ? 3_000_000 : 6_000_000),
      setup(seed) {
        const { keys, sequence } = dataset(distribution, seed)
        const map = new Map<string, Value>()
        for (let i = 0; i < n; i++) map.set(keys[i]!, makeValue(i))
        return syncRound(
          operation,
          sequence,
          (k) => map.get(k),
          (k, f) => {
            map.set(k, values[f]!)
          },
        )
      },
    },
    {
      name: 'lru-cache',
      opsPerRound: sized(3_000_000),
      setup(seed) {
        const { keys, sequence } = dataset(distribution, seed)
        const lru = new LRUCache<string, Value>({ max: n })
        for (let i = 0; i < n; i++) lru.set(keys[i]!, makeValue(i))
        return syncRound(
          operation,
          sequence,
          (k) => lru.get(k),
          (k, f) => {
            lru.set(k, values[f]!)
          },
        )
      },
    },
    {
      name: 'cacheport store (live)',
      opsPerRound: sized(3_000_000),
      setup(seed) {
        const { keys, sequence } = dataset(distribution, seed)
        const provider = memoryProvider({ values: 'live', maximumSize: n })
        const store = provider.openStore({ namespace: 'bench' }) as LiveStore
        for (let i = 0; i < n; i++) store.set(keys[i]!, entryOf(makeValue(i)))
        if (provider.size !== n) throw new Error(`store holds ${provider.size} of ${n}`)
        return syncRound(
          operation,
          sequence,
          (k) => store.get(k) as LiveEntry | undefined,
          (k, f) => {
            store.set(k, entries[f]!)
          },
        )
      },
    },
    {
      name: 'cacheport Cache (live)',
      opsPerRound: sized(500_000),
      async setup(seed) {
        const { keys, sequence } = dataset(distribution, seed)
        const caches = createCacheService({
          providers: { local: memoryProvider({ values: 'live', maximumSize: n }) },
        })
        const cache = caches.namespace<Value>('bench')
        const batch = 10_000
        for (let i = 0; i < n; i += batch) {
          await cache.setMany(
            keys.slice(i, i + batch).map((key, j) => ({ key, value: makeValue(i + j) })),
          )
        }
        return awaitedRound(
          operation,
          sequence,
          (k) => cache.get(k),
          (k, f) => cache.set(k, values[f]!),
        )
      },
    },
  ]
}

function bench(distribution: Distribution, operation: Operation): Bench {
  const what = {
    'get-hit': 'get hits',
    set: 'set (overwrite of a present key)',
    mix: '90% get hits / 10% sets',
  }[operation]
  const keys =
    distribution === 'uniform'
      ? `${KEYSPACE.uniform.toLocaleString('en-US')} keys, uniform`
      : `${KEYSPACE.zipf.toLocaleString('en-US')} keys, zipf(${ZIPF_EXPONENT})`
  return {
    name: `memory-throughput-${distribution}-${operation}`,
    description: `${what} over ${keys} (seeded); every structure holds every key`,
    subjects: subjects(distribution, operation),
    baselines: { 'vs lru-cache': 'lru-cache', 'vs Map': 'Map' },
  }
}

/** get-hit, set and 90/10 mix, on 100k uniform keys and on zipf(0.99) over 1M keys. */
export const memoryThroughputBenches: readonly Bench[] = (['uniform', 'zipf'] as const).flatMap(
  (d) => (['get-hit', 'set', 'mix'] as const).map((op) => bench(d, op)),
)

// ---- memory per entry --------------------------------------------------------------------

/** Structures whose footprint `measureMemory` can report. */
export const MEMORY_SUBJECTS = [
  'Map',
  'lru-cache',
  'cacheport store (shared entry)',
  'cacheport store (entry per key)',
] as const
export type MemorySubject = (typeof MEMORY_SUBJECTS)[number]

export interface MemoryResult {
  readonly subject: string
  readonly entries: number
  /** (heapUsed + arrayBuffers) growth per entry, in bytes. */
  readonly bytesPerEntry: number
  /** heapUsed growth per entry (JS heap only: typed arrays live outside it). */
  readonly heapBytesPerEntry: number
  /** arrayBuffers growth per entry (typed arrays). */
  readonly arrayBytesPerEntry: number
}

/**
 * Child side (run with --expose-gc): grows one structure to `entries` keys and reports what it
 * added to the heap and to array buffers. The keys are allocated before the baseline, and all
 * entries share one value, so only the structure is measured ("entry per key" adds the
 * LiveEntry a live store needs per value).
 */
export function measureMemory(subject: MemorySubject, entries = 1_000_000): MemoryResult {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('measureMemory needs node --expose-gc')
  const keys = Array.from({ length: entries }, (_, i) => `k:${i}`)
  const value = makeValue(0)
  const shared = entryOf(value)
  const usage = () => {
    gc()
    gc()
    const m = process.memoryUsage()
    return { heap: m.heapUsed, arrays: m.arrayBuffers }
  }
  const before = usage()
  let keep: unknown
  if (subject === 'Map') {
    const map = new Map<string, Value>()
    for (const k of keys) map.set(k, value)
    keep = map
  } else if (subject === 'lru-cache') {
    const lru = new LRUCache<string, Value>({ max: entries })
    for (const k of keys) lru.set(k, value)
    keep = lru
  } else {
    const provider = memoryProvider({ values: 'live', maximumSize: entries })
    const store = provider.openStore({ namespace: 'm' }) as LiveStore
    const perKey = subject === 'cacheport store (entry per key)'
    for (const k of keys) store.set(k, perKey ? entryOf(value) : shared)
    keep = provider
  }
  const after = usage()
  sink ^= keep === undefined ? 1 : keys.length
  return {
    subject,
    entries,
    bytesPerEntry: (after.heap - before.heap + after.arrays - before.arrays) / entries,
    heapBytesPerEntry: (after.heap - before.heap) / entries,
    arrayBytesPerEntry: (after.arrays - before.arrays) / entries,
  }
}

export function formatMemory(results: readonly MemoryResult[]): string {
  const header = ['structure', 'entries', 'bytes/entry', 'JS heap', 'typed arrays']
  const rows = results.map((r) => [
    r.subject,
    r.entries.toLocaleString('en-US'),
    r.bytesPerEntry.toFixed(1),
    r.heapBytesPerEntry.toFixed(1),
    r.arrayBytesPerEntry.toFixed(1),
  ])
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((c) => (c[i] as string).length)),
  )
  const line = (c: readonly string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

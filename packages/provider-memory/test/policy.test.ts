import { createManualClock } from '@cacheport/conformance'
import { CacheConfigError, type CacheError, type LiveEntry, type Store } from '@cacheport/core'
import {
  type DeletionEvent,
  MemoryProvider,
  type MemoryProviderOptions,
  memoryProvider,
} from '@cacheport/provider-memory'
import { describe, expect, it } from 'vitest'
import type { MemoryStore } from '../src/memory-store.js'

const live = (value: unknown): LiveEntry => ({
  value,
  createdAt: 0,
  expiresAt: undefined,
  staleUntil: undefined,
  negative: false,
})

const liveStore = (p: MemoryProvider, namespace = 'n') =>
  p.openStore({ namespace }) as unknown as MemoryStore<LiveEntry>

function configError(make: () => unknown): CacheError {
  let error: unknown
  try {
    make()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(CacheConfigError)
  expect((error as CacheError).code).toBe('INVALID_OPTION')
  return error as CacheError
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('bounds: options', () => {
  const refused: [string, MemoryProviderOptions][] = [
    ['maximumSize with maximumWeight', { maximumSize: 10, maximumWeight: 10, weigher: () => 1 }],
    ['maximumWeight without weigher', { maximumWeight: 10 }],
    ['weigher without maximumWeight', { weigher: () => 1 }],
    ['negative maximumWeight', { maximumWeight: -1, weigher: () => 1 }],
    ['infinite maximumWeight', { maximumWeight: Number.POSITIVE_INFINITY, weigher: () => 1 }],
    ['NaN maximumWeight', { maximumWeight: Number.NaN, weigher: () => 1 }],
    ['infinite maximumSize', { maximumSize: Number.POSITIVE_INFINITY }],
    ['non-function weigher', { maximumWeight: 10, weigher: 3 as unknown as () => number }],
    ['non-function onDeletion', { onDeletion: 'x' as never }],
  ]
  it.each(refused)('refuses %s', (_label, options) => {
    configError(() => memoryProvider(options))
  })

  it('refuses a bad resize and a bad weigher result', () => {
    const p = memoryProvider({ maximumSize: 10, values: 'live' })
    configError(() => p.resize(0))
    configError(() => p.resize(-5))
    configError(() => p.resize(Number.NaN))
    configError(() => p.resize(2.5))
    const w = memoryProvider({ maximumWeight: 10, weigher: () => -1, values: 'live' })
    configError(() => liveStore(w).set('k', live(1)))
    expect(w.size).toBe(0)
  })
})

describe('eviction (W-TinyLFU)', () => {
  it('never exceeds maximumSize under random traffic in several namespaces', () => {
    const p = new MemoryProvider({ maximumSize: 64, values: 'live', tuning: { seed: 1 } })
    const stores = [liveStore(p, 'a'), liveStore(p, 'b'), liveStore(p, 'c')]
    const next = random(7)
    for (let i = 0; i < 20_000; i++) {
      const s = stores[i % 3]!
      const key = `k${Math.floor(next() ** 2 * 500)}`
      if (s.get(key) === undefined) s.set(key, live(i))
      expect(p.size).toBeLessThanOrEqual(64)
    }
    expect(p.size).toBe(64)
    expect(stores.reduce((n, s) => n + s.size, 0)).toBe(64)
    const r = p.stats
    expect(r.window + r.probation + r.protected).toBe(64)
  })

  it('evicts from the right namespace when a second one opens after the first has entries', () => {
    // The namespace column is allocated only when a second namespace opens: the slots filled
    // before must still belong to the first.
    const p = new MemoryProvider({ maximumSize: 50, values: 'live', tuning: { seed: 2 } })
    const a = liveStore(p, 'a')
    for (let i = 0; i < 50; i++) a.set(`a${i}`, live(i))
    const b = liveStore(p, 'b')
    for (let i = 0; i < 200; i++) b.set(`b${i}`, live(i))
    expect(p.size).toBe(50)
    expect(a.size + b.size).toBe(50)
    let found = 0
    for (let i = 0; i < 50; i++) if (a.get(`a${i}`) !== undefined) found++
    expect(found).toBe(a.size)
  })

  it('keeps every slot column at the grown capacity (no entry lost across growth)', () => {
    const p = new MemoryProvider({ maximumSize: 20_000, values: 'live', tuning: { seed: 4 } })
    const s = liveStore(p)
    for (let i = 0; i < 20_000; i++) s.set(`k${i}`, live(i))
    for (let i = 0; i < 20_000; i += 997) expect(s.get(`k${i}`)?.value).toBe(i)
    expect(p.size).toBe(20_000)
  })

  it('loses no slot from the queues when a sampled hit moves the window', () => {
    // Phases that favour a small window (a loop larger than the cache) and a large one (a
    // drifting working set) make the tuner move the window both ways. A hit of a sampled key
    // can end a tuner period and relink the hit slot itself: its queue bits must survive.
    const p = new MemoryProvider({ maximumSize: 125, values: 'live', tuning: { seed: 42 } })
    const s = liveStore(p)
    const next = random(11)
    let smallest = Number.POSITIVE_INFINITY
    let largest = 0
    for (let i = 0; i < 80_000; i++) {
      const loop = Math.floor(i / 20_000) % 2 === 0
      const key = loop ? `l${i % 1011}` : `w${Math.floor(i / 40) + Math.floor(next() * 100)}`
      if (s.get(key) === undefined) s.set(key, live(i))
      if (i % 1000 === 999) {
        const r = p.stats
        expect(r.window + r.probation + r.protected).toBe(p.size)
        smallest = Math.min(smallest, r.windowMaximum)
        largest = Math.max(largest, r.windowMaximum)
      }
    }
    expect(p.size).toBe(125)
    expect(smallest).toBeLessThan(10)
    expect(largest).toBeGreaterThan(50)
  })

  it('a hot key survives a scan of one-hit wonders', () => {
    const p = memoryProvider({ maximumSize: 100, values: 'live', tuning: { seed: 3 } })
    const s = liveStore(p)
    for (let i = 0; i < 100; i++) s.set(`warm${i}`, live(i))
    s.set('hot', live('hot'))
    for (let i = 0; i < 20; i++) expect(s.get('hot')).toBeDefined()
    // 10,000 keys seen once each. The hot key is read only every 250 of them: more than the
    // cache holds, so LRU would have evicted it before each read.
    for (let i = 0; i < 10_000; i++) {
      if (s.get(`scan${i}`) === undefined) s.set(`scan${i}`, live(i))
      if (i % 250 === 249) expect((s.get('hot') as LiveEntry).value).toBe('hot')
    }
    expect((s.get('hot') as LiveEntry).value).toBe('hot')
    expect(p.size).toBe(100)
  })

  it('beats LRU on a loop larger than the cache (frequency admission)', () => {
    const p = memoryProvider({ maximumSize: 100, values: 'live', tuning: { seed: 5 } })
    const s = liveStore(p)
    let hits = 0
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 150; i++) {
        if (s.get(`k${i}`) !== undefined) hits++
        else s.set(`k${i}`, live(i))
      }
    }
    // LRU would hit nothing here; an admission filter keeps most of the cache resident.
    expect(hits / (50 * 150)).toBeGreaterThan(0.4)
  })

  it('grows the window on a recency-heavy workload (hill climbing)', () => {
    const p = memoryProvider({ maximumSize: 200, values: 'live', tuning: { seed: 9 } })
    const s = liveStore(p)
    const start = p.stats.windowMaximum
    // A sliding working set: keys are reused soon after first use, then never again.
    for (let i = 0; i < 200_000; i++) {
      const key = `k${Math.floor(i / 4) - (i % 4) * 40}`
      if (s.get(key) === undefined) s.set(key, live(i))
    }
    expect(p.stats.windowMaximum).toBeGreaterThan(start)
  })
})

describe('weights', () => {
  it('bounds the total weight and evicts by weight', () => {
    const p = memoryProvider({
      maximumWeight: 100,
      weigher: (_key, entry) => (entry as LiveEntry<string>).value.length,
      values: 'live',
    })
    const s = liveStore(p)
    const next = random(11)
    for (let i = 0; i < 5000; i++) {
      s.set(`k${Math.floor(next() * 300)}`, live('x'.repeat(1 + Math.floor(next() * 20))))
      expect(p.weightedSize).toBeLessThanOrEqual(100)
    }
    expect(p.maximumWeight).toBe(100)
    expect(p.maximumSize).toBeUndefined()
    let total = 0
    for (let i = 0; i < 300; i++) {
      const e = s.get(`k${i}`) as LiveEntry<string> | undefined
      if (e !== undefined) total += e.value.length
    }
    expect(total).toBe(p.weightedSize)
  })

  it('an overwrite re-weighs, and an entry heavier than the bound is not kept', () => {
    const events: DeletionEvent[] = []
    const p = memoryProvider({
      maximumWeight: 10,
      weigher: (_key, entry) => (entry as LiveEntry<number>).value,
      values: 'live',
      onDeletion: (e) => events.push(e),
    })
    const s = liveStore(p)
    s.set('a', live(4))
    s.set('a', live(6))
    expect(p.weightedSize).toBe(6)
    s.set('huge', live(11))
    expect(s.get('huge')).toBeUndefined()
    expect(p.weightedSize).toBeLessThanOrEqual(10)
    expect(events).toContainEqual({ namespace: 'n', key: 'huge', cause: 'evicted' })
  })

  it('passes key, entry and namespace to the weigher', () => {
    const seen: string[] = []
    const p = memoryProvider({
      maximumWeight: 10,
      weigher: (key, _entry, namespace) => {
        seen.push(`${namespace}/${key}`)
        return 1
      },
      values: 'live',
    })
    liveStore(p, 'ns1').set('k', live(1))
    expect(seen).toEqual(['ns1/k'])
  })
})

describe('resize', () => {
  it('evicts down to a smaller bound and fills up to a larger one', () => {
    const events: DeletionEvent[] = []
    const p = memoryProvider({
      maximumSize: 100,
      values: 'live',
      onDeletion: (e) => events.push(e),
    })
    const s = liveStore(p)
    for (let i = 0; i < 100; i++) s.set(`k${i}`, live(i))
    p.resize(10)
    expect(p.size).toBe(10)
    expect(p.maximumSize).toBe(10)
    expect(events).toHaveLength(90)
    expect(events.every((e) => e.cause === 'evicted')).toBe(true)
    p.resize(1000)
    for (let i = 0; i < 500; i++) s.set(`n${i}`, live(i))
    expect(p.size).toBe(510)
  })

  it('resizes a weight bound', () => {
    const p = memoryProvider({ maximumWeight: 50, weigher: () => 5, values: 'live' })
    const s = liveStore(p)
    for (let i = 0; i < 10; i++) s.set(`k${i}`, live(i))
    expect(p.weightedSize).toBe(50)
    p.resize(20)
    expect(p.weightedSize).toBe(20)
    expect(p.size).toBe(4)
  })
})

describe('expiry (timer wheel, manual clock)', () => {
  it('never returns an expired entry, at any TTL scale', () => {
    const clock = createManualClock()
    const p = memoryProvider({ values: 'live', clock })
    const s = liveStore(p)
    const ttls = [5, 999, 1500, 70_000, 3_600_000, 2 * 86_400_000, 30 * 86_400_000]
    for (const ttl of ttls) s.set(`t${ttl}`, live(ttl), { ttl })
    let elapsed = 0
    for (const ttl of ttls) {
      clock.advance(ttl - 1 - elapsed)
      elapsed = ttl - 1
      expect(s.get(`t${ttl}`)).toBeDefined()
      clock.advance(1)
      elapsed = ttl
      expect(s.get(`t${ttl}`)).toBeUndefined()
      expect(s.has(`t${ttl}`)).toBe(false)
    }
  })

  it('sweeps expired entries on writes without reading them', () => {
    const clock = createManualClock()
    const events: DeletionEvent[] = []
    const p = memoryProvider({ values: 'live', clock, onDeletion: (e) => events.push(e) })
    const s = liveStore(p)
    for (let i = 0; i < 1000; i++) s.set(`short${i}`, live(i), { ttl: 1000 + i * 10 })
    for (let i = 0; i < 1000; i++) s.set(`long${i}`, live(i), { ttl: 86_400_000 })
    expect(p.stats.scheduled).toBe(2000)
    clock.advance(60_000)
    s.set('trigger', live(0))
    expect(p.size).toBe(1001)
    expect(s.size).toBe(1001)
    expect(p.stats.scheduled).toBe(1000)
    expect(events.filter((e) => e.cause === 'expired')).toHaveLength(1000)
    clock.advance(86_400_000)
    p.cleanUp()
    expect(p.size).toBe(1)
    expect(p.stats.scheduled).toBe(0)
  })

  it('a plain overwrite of a tagged entry drops it from the tag index (no fast path skips it)', () => {
    const p = new MemoryProvider({ maximumSize: 10, values: 'live' })
    const s = liveStore(p)
    s.set('k', live(1), { tags: ['t'] })
    s.set('k', live(2))
    expect(s.tagMemberships).toBe(0)
    expect(s.invalidateTags(['t'])).toBe(0)
    expect(s.get('k')?.value).toBe(2)
    s.set('k', live(3))
    expect(s.get('k')?.value).toBe(3)
  })

  it('an overwrite reschedules or clears the TTL', () => {
    const clock = createManualClock()
    const p = memoryProvider({ values: 'live', clock })
    const s = liveStore(p)
    s.set('a', live(1), { ttl: 1000 })
    s.set('a', live(2), { ttl: 5000 })
    clock.advance(2000)
    expect((s.get('a') as LiveEntry).value).toBe(2)
    s.set('a', live(3))
    expect(p.stats.scheduled).toBe(0)
    clock.advance(10_000_000)
    expect((s.get('a') as LiveEntry).value).toBe(3)
  })

  it('keeps TTL and tags of an entry apart from its hit count (one access byte per slot)', () => {
    const clock = createManualClock()
    const p = memoryProvider({ values: 'live', clock })
    const s = liveStore(p)
    const hit = (key: string, times: number) => {
      for (let i = 0; i < times; i++) expect(s.get(key)).toBeDefined()
    }
    s.set('both', live(1), { ttl: 1000, tags: ['t'] })
    s.set('tagged', live(2), { tags: ['u'] })
    s.set('plain', live(3))
    // Far more hits than the deferred counter holds: it must saturate, not spill over.
    for (const key of ['both', 'tagged', 'plain']) hit(key, 40)
    s.set('both', live(4), { ttl: 5000, tags: ['t'] })
    s.set('tagged', live(5), { ttl: 3000 })
    s.set('plain', live(6), { tags: ['v'] })
    hit('both', 40)
    hit('tagged', 40)
    hit('plain', 40)
    expect(s.tagMemberships).toBe(2)
    expect(p.stats.scheduled).toBe(2)
    expect(s.invalidateTags(['u'])).toBe(0)
    clock.advance(3000)
    expect(s.get('tagged')).toBeUndefined()
    expect((s.get('both') as LiveEntry).value).toBe(4)
    expect(s.invalidateTags(['t'])).toBe(1)
    expect(s.get('both')).toBeUndefined()
    clock.advance(10_000_000)
    expect((s.get('plain') as LiveEntry).value).toBe(6)
    expect(s.invalidateTags(['v'])).toBe(1)
    expect(s.size).toBe(0)
    expect(s.tagMemberships).toBe(0)
    expect(p.stats.scheduled).toBe(0)
  })
})

describe('deletion listener', () => {
  it('reports explicit, replaced, expired and evicted with the namespace and key', async () => {
    const clock = createManualClock()
    const events: DeletionEvent[] = []
    const p = memoryProvider({
      maximumSize: 2,
      values: 'live',
      clock,
      onDeletion: (e) => events.push(e),
    })
    const s = liveStore(p, 'ns')
    s.set('a', live(1))
    s.set('a', live(2))
    expect(events).toEqual([{ namespace: 'ns', key: 'a', cause: 'replaced' }])
    s.delete('a')
    expect(events.at(-1)).toEqual({ namespace: 'ns', key: 'a', cause: 'explicit' })
    s.set('t', live(1), { ttl: 10 })
    clock.advance(10)
    expect(s.get('t')).toBeUndefined()
    expect(events.at(-1)).toEqual({ namespace: 'ns', key: 't', cause: 'expired' })
    s.set('x', live(1), { tags: ['g'] })
    s.set('y', live(1))
    s.set('z', live(1))
    expect(events.at(-1)?.cause).toBe('evicted')
    events.length = 0
    s.set('w', live(1), { tags: ['g'] })
    const before = events.length
    s.invalidateTags(['g'])
    expect(events.slice(before).every((e) => e.cause === 'explicit')).toBe(true)
    s.clear()
    expect(p.size).toBe(0)
    await s.compute?.('c', () => ({ action: 'set', entry: live(1) }))
    await s.compute?.('c', () => ({ action: 'set', entry: live(2) }))
    await s.compute?.('c', () => ({ action: 'delete' }))
    expect(events.slice(-2)).toEqual([
      { namespace: 'ns', key: 'c', cause: 'replaced' },
      { namespace: 'ns', key: 'c', cause: 'explicit' },
    ])
  })

  it('may call back into the cache, and a throwing listener breaks nothing', () => {
    const seen: string[] = []
    const p: MemoryProvider = memoryProvider({
      maximumSize: 5,
      values: 'live',
      onDeletion: (e) => {
        seen.push(e.key)
        if (e.namespace === 'n') {
          // Writing back from the listener is allowed (this write may evict in turn).
          const log = p.openStore({ namespace: 'log' }) as Store<LiveEntry>
          log.set(`evicted:${e.key}`, live(e.cause))
        }
        throw new Error('listener failure')
      },
    })
    const s = liveStore(p)
    for (let i = 0; i < 50; i++) s.set(`k${i}`, live(i))
    expect(p.size).toBe(5)
    expect(seen.length).toBeGreaterThan(40)
  })

  it('is not called for an identical re-set nor on close', async () => {
    const events: DeletionEvent[] = []
    const p = memoryProvider({ values: 'live', onDeletion: (e) => events.push(e) })
    const s = liveStore(p)
    const e = live(1)
    s.set('a', e)
    s.set('a', e)
    await p.close()
    expect(events).toEqual([])
  })
})

describe('bookkeeping after churn', () => {
  it('keeps maps, tag index and timers bounded by live entries', () => {
    const clock = createManualClock()
    let deletions = 0
    const p = memoryProvider({
      maximumSize: 200,
      values: 'live',
      clock,
      onDeletion: () => {
        deletions++
      },
    })
    const stores = [liveStore(p, 'a'), liveStore(p, 'b')]
    const next = random(13)
    for (let i = 0; i < 100_000; i++) {
      const s = stores[i & 1]!
      const key = `k${Math.floor(next() * 5000)}`
      const op = next()
      const tags = [`t${Math.floor(next() * 3000)}`, `u${i % 7}`]
      if (op < 0.6) s.set(key, live(i), { tags, ttl: next() < 0.5 ? 1 + next() * 5000 : undefined })
      else if (op < 0.9) s.get(key)
      else if (op < 0.97) s.delete(key)
      else s.invalidateTags([`t${Math.floor(next() * 3000)}`])
      if (i % 100 === 0) clock.advance(50)
    }
    expect(deletions).toBeGreaterThan(10_000)
    expect(p.size).toBeLessThanOrEqual(200)
    const held = stores.reduce((n, s) => n + s.size, 0)
    expect(held).toBe(p.size)
    for (const s of stores) {
      expect(s.tagMemberships).toBe(2 * s.size)
      expect(s.tagCount).toBeLessThanOrEqual(2 * s.size)
    }
    expect(p.stats.scheduled).toBeLessThanOrEqual(p.size)
    const r = p.stats
    expect(r.window + r.probation + r.protected).toBe(p.size)
    for (const s of stores) s.invalidateTags([...Array(7).keys()].map((i) => `u${i}`))
    expect(p.size).toBe(0)
    for (const s of stores) {
      expect(s.tagCount).toBe(0)
      expect(s.size).toBe(0)
    }
    expect(p.stats.scheduled).toBe(0)
  })
})

import {
  CacheConfigError,
  type CacheEventMap,
  CacheLockTimeoutError,
  CacheTimeoutError,
  CacheUnavailableError,
  CacheUnsupportedError,
  createCacheService,
  type LiveEntry,
  type NamespaceOptions,
} from '@cacheport/core'
import { describe, expect, it, vi } from 'vitest'
import { testJson } from './helpers/codecs.js'
import { type MapProvider, mapProvider } from './helpers/map-provider.js'
import { BusHub, TestLocks, withPorts } from './helpers/ports.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const tick = () => new Promise((r) => setImmediate(r))

/** One shared L2 backend and bus hub; `process()` opens a "process": its own L1 and bus. */
function fleet(options: { async?: boolean } = {}) {
  const l2 = mapProvider('bytes')
  l2.async = options.async ?? true
  const hub = new BusHub()
  const locks = new TestLocks()
  let time = 1_000_000
  const clock = { now: () => time }
  const processes: { l1: MapProvider; bus: ReturnType<BusHub['bus']> }[] = []
  const process = (
    name: string,
    ns: NamespaceOptions<string, 'local' | 'redis'> = {},
    extra: { random?: () => number } = {},
  ) => {
    const l1 = mapProvider('live')
    const bus = hub.bus(name)
    processes.push({ l1, bus })
    const service = createCacheService({
      providers: { redis: withPorts(l2, { bus, lock: locks.lock() }), local: l1 },
      defaultProvider: 'redis',
      encoder: testJson,
      clock,
      random: extra.random,
      defaults: { jitter: 0 },
    })
    // Every L2 hit is copied into L1, so tests can see a copy after one read
    // (the default admits a key on its second L2 read: tested apart).
    const cache = service.namespace<string>('ns', {
      ttl: '1m',
      l1: { provider: 'local', admit: 'always' },
      ...ns,
    })
    return { service, cache, l1, bus, l1raw: () => l1.raw('ns') as Map<string, LiveEntry> }
  }
  return {
    l2,
    hub,
    locks,
    process,
    l2raw: () => l2.raw('ns'),
    advance: (ms: number) => {
      time += ms
    },
    now: () => time,
  }
}

/** A fleet with processes `a` and `b`, both subscribed. */
async function twoProcesses() {
  const f = fleet()
  const a = f.process('a')
  const b = f.process('b')
  await Promise.all([a.cache.ready(), b.cache.ready()])
  return { f, a, b }
}

describe('multilevel namespaces', () => {
  it('serves L1 hits without touching L2, and back-fills L1 from L2 with the remaining TTL', async () => {
    const { f, a, b } = await twoProcesses()
    await a.cache.set('k', 'v1', { ttl: 10_000 })
    expect(a.l1raw().get('k')?.value).toBe('v1')
    f.advance(4_000)
    const readsBefore = f.l2.reads
    expect(await b.cache.get('k')).toBe('v1')
    expect(f.l2.reads).toBe(readsBefore + 1)
    // Back-filled with the entry's own expiry, not a new TTL.
    expect(b.l1raw().get('k')?.expiresAt).toBe(f.now() + 6_000)
    expect(await b.cache.get('k')).toBe('v1')
    expect(f.l2.reads).toBe(readsBefore + 1)
  })

  it('counts requests and hits per tier, and joined and stale hits apart', async () => {
    const f = fleet()
    const a = f.process('a', { grace: '10m' })
    await a.cache.ready()
    const b = f.process('b')
    await b.cache.ready()
    await a.cache.set('k', 'v', { ttl: 1_000 })
    expect(await b.cache.get('k')).toBe('v') // L1 miss, L2 hit
    expect(await b.cache.get('k')).toBe('v') // L1 hit
    expect(await b.cache.get('absent')).toBeUndefined() // L1 miss, L2 miss
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const loader = async () => {
      await gate
      return 'loaded'
    }
    const first = b.cache.getOrSet('slow', loader)
    const joined = b.cache.getOrSet('slow', loader)
    release()
    expect(await Promise.all([first, joined])).toEqual(['loaded', 'loaded'])
    expect(b.cache.stats()).toMatchObject({
      hits: 3,
      misses: 2,
      joinedHits: 1,
      staleHits: 0,
      tiers: { l1: { requests: 4, hits: 1 }, l2: { requests: 3, hits: 1 } },
    })
    f.advance(2_000)
    expect(await a.cache.getOrSet('k', async () => 'v2')).toBe('v')
    expect(a.cache.stats()).toMatchObject({ hits: 1, staleHits: 1, tiers: { l1: { hits: 1 } } })
  })

  it('by default copies a key into L1 on its second L2 read, not its first', async () => {
    const f = fleet()
    const a = f.process('a')
    const b = f.process('b', { l1: 'local' })
    await Promise.all([a.cache.ready(), b.cache.ready()])
    await a.cache.setMany([
      { key: 'once', value: 'v' },
      { key: 'twice', value: 'v' },
    ])
    expect(await b.cache.get('once')).toBe('v')
    expect(b.l1raw().has('once')).toBe(false)
    expect(await b.cache.get('twice')).toBe('v')
    expect(await b.cache.get('twice')).toBe('v')
    expect(b.l1raw().has('twice')).toBe(true)
    const reads = f.l2.reads
    expect(await b.cache.get('twice')).toBe('v')
    expect(f.l2.reads).toBe(reads)
    // Batch reads follow the same rule.
    await a.cache.setMany([
      { key: 'm1', value: 'v' },
      { key: 'm2', value: 'v' },
    ])
    await b.cache.getMany(['m1', 'm2'])
    expect(b.l1raw().has('m1')).toBe(false)
    await b.cache.getMany(['m1'])
    expect(b.l1raw().has('m1')).toBe(true)
    // Writes from this process always reach L1.
    await b.cache.set('mine', 'v')
    expect(b.l1raw().has('mine')).toBe(true)
  })

  it('deduplicates concurrent L2 reads of one key', async () => {
    const { f, a, b } = await twoProcesses()
    await a.cache.set('k', 'v')
    const before = f.l2.reads
    const values = await Promise.all(Array.from({ length: 20 }, () => b.cache.get('k')))
    expect(values).toEqual(Array(20).fill('v'))
    expect(f.l2.reads).toBe(before + 1)
  })

  it('writes L2, then L1, then the bus; other processes drop their copy', async () => {
    const { f, a, b } = await twoProcesses()
    await a.cache.set('k', 'old')
    expect(await b.cache.get('k')).toBe('old')
    const invalidated: CacheEventMap['invalidate'][] = []
    b.cache.on('invalidate', (e) => invalidated.push(e))
    await a.cache.set('k', 'new')
    await tick()
    expect(f.hub.published.at(-1)).toMatchObject({ namespace: 'ns', keys: ['k'], origin: 'a' })
    expect(b.l1raw().has('k')).toBe(false)
    expect(invalidated).toEqual([
      expect.objectContaining({ reason: 'remote', keys: ['k'], namespace: 'ns' }),
    ])
    expect(await b.cache.get('k')).toBe('new')
    // A process ignores its own messages: a's fresh L1 copy stayed.
    expect(a.l1raw().get('k')?.value).toBe('new')
  })

  it('sends the publish right behind the L2 write only when the bus is ordered', async () => {
    const f = fleet()
    const a = f.process('a')
    await a.cache.ready()
    const unordered = a.cache.set('k', 'v1')
    expect(a.bus.publishCalls).toBe(0)
    await unordered
    expect(a.bus.publishCalls).toBe(1)
    a.bus.ordered = true
    const ordered = a.cache.set('k', 'v2')
    expect(a.bus.publishCalls).toBe(2)
    await ordered
    const deleted = a.cache.delete('k')
    expect(a.bus.publishCalls).toBe(3)
    expect(await deleted).toBe(true)
    expect(a.bus.publishCalls).toBe(3)
  })

  it('propagates delete, deleteMany, setMany, tags and clear', async () => {
    const { a, b } = await twoProcesses()
    const warm = async () => {
      await a.cache.setMany([
        { key: 'x', value: '1', tags: ['t'] },
        { key: 'y', value: '2' },
      ])
      await tick()
      expect(await b.cache.getMany(['x', 'y'])).toEqual(['1', '2'])
      expect(b.l1raw().size).toBe(2)
    }
    await warm()
    await a.cache.delete('x')
    await tick()
    expect([...b.l1raw().keys()]).toEqual(['y'])
    expect(await b.cache.get('x')).toBeUndefined()
    await warm()
    await a.cache.deleteMany(['x', 'y'])
    await tick()
    expect(b.l1raw().size).toBe(0)
    await warm()
    expect(await a.cache.invalidateTags(['t'])).toBe(1)
    await tick()
    // L1 copies do not know their tags: a tag invalidation empties every L1 of the namespace.
    expect(b.l1raw().size).toBe(0)
    expect(await b.cache.getMany(['x', 'y'])).toEqual([undefined, '2'])
    await warm()
    await a.cache.clear()
    await tick()
    expect(b.l1raw().size).toBe(0)
    expect(a.l1raw().size).toBe(0)
    expect(await b.cache.get('y')).toBeUndefined()
  })

  it('does not back-fill a value an invalidation overtook while the L2 read was in flight', async () => {
    const { f, a, b } = await twoProcesses()
    await a.cache.set('k', 'old')
    let open!: () => void
    f.l2.gate = new Promise<void>((r) => {
      open = r
    })
    const read = b.cache.get('k')
    f.l2.gate = undefined
    // a's write and its message land while b's read of the old bytes is still in flight.
    f.l2.raw('ns').set('k', f.l2raw().get('k'))
    await a.cache.set('k', 'new')
    await tick()
    open()
    await read
    expect(b.l1raw().has('k')).toBe(false)
    expect(await b.cache.get('k')).toBe('new')
  })

  it('bypasses and empties L1 while the bus is interrupted, and starts clean when it resumes', async () => {
    const { a, b } = await twoProcesses()
    const states: string[] = []
    b.cache.on('bus', (e) => states.push(e.state))
    await a.cache.set('k', 'old')
    expect(await b.cache.get('k')).toBe('old')
    b.bus.interrupt()
    expect(b.l1raw().size).toBe(0)
    // Messages are lost while down: b must not trust, or fill, its L1.
    await a.cache.set('k', 'new')
    await tick()
    expect(await b.cache.get('k')).toBe('new')
    expect(b.l1raw().size).toBe(0)
    b.bus.resume()
    expect(states).toEqual(['interrupted', 'resumed'])
    expect(await b.cache.get('k')).toBe('new')
    expect(b.l1raw().get('k')?.value).toBe('new')
  })

  it('reports a failed publish as an error event without failing the write', async () => {
    const f = fleet()
    const a = f.process('a')
    await a.cache.ready()
    const errors: CacheEventMap['error'][] = []
    a.cache.on('error', (e) => errors.push(e))
    a.bus.failPublish = new CacheUnavailableError('bus down')
    await a.cache.set('k', 'v')
    expect(f.l2raw().has('k')).toBe(true)
    expect(errors).toEqual([expect.objectContaining({ operation: 'bus', key: 'k' })])
  })

  it('retries a failed publish until it reaches the other process', async () => {
    const { a, b } = await twoProcesses()
    await a.cache.set('k', 'v1')
    expect(await b.cache.get('k')).toBe('v1')
    expect(b.l1raw().has('k')).toBe(true)
    a.bus.failPublish = new CacheUnavailableError('bus down')
    await a.cache.set('k', 'v2')
    // The invalidation did not go out: b still holds its copy.
    expect(b.l1raw().has('k')).toBe(true)
    a.bus.failPublish = undefined
    for (let i = 0; i < 50 && b.l1raw().has('k'); i++) await sleep(20)
    expect(b.l1raw().has('k')).toBe(false)
    expect(await b.cache.get('k')).toBe('v2')
  })

  it('gives up a publish after its tries, and reports that other processes may be stale', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] })
    try {
      const { a } = await twoProcesses()
      const errors: CacheEventMap['error'][] = []
      a.cache.on('error', (e) => errors.push(e))
      a.bus.failPublish = new CacheUnavailableError('bus down')
      await a.cache.set('k', 'v')
      const calls = a.bus.publishCalls
      await vi.advanceTimersByTimeAsync(60_000)
      // 8 tries in all: the first publish and 7 retries.
      expect(a.bus.publishCalls - calls).toBe(7)
      const last = errors.at(-1)
      expect(last?.operation).toBe('bus')
      expect(last?.error.message).toMatch(/invalidation of keys k given up after 8 tries/)
      expect(last?.error.message).toMatch(/other processes may serve their L1 copies/)
    } finally {
      vi.useRealTimers()
    }
  })

  it('bounds the retry queue and reports what it drops', async () => {
    const { a } = await twoProcesses()
    const errors: CacheEventMap['error'][] = []
    a.cache.on('error', (e) => errors.push(e))
    a.bus.failPublish = new CacheUnavailableError('bus down')
    for (let i = 0; i < 1_001; i++) await a.cache.set(`k${i}`, String(i))
    const dropped = errors.filter((e) => /retry queue is full/.test(e.error.message))
    expect(dropped).toHaveLength(1)
    expect(dropped[0]?.key).toBe('k0')
    await a.service.close()
  })

  it('caps the L1 TTL with l1.maxTtl', async () => {
    const f = fleet()
    const a = f.process('a', {
      l1: { provider: 'local', maxTtl: '5s', admit: 'always' },
      bus: false,
    })
    await a.cache.set('k', 'v', { ttl: '1m' })
    await a.cache.set('forever', 'v', { ttl: null })
    await a.cache.set('short', 'v', { ttl: 2_000 })
    expect(a.l1.ttls).toEqual([5_000, 5_000, 2_000])
    expect(f.l2.ttls).toEqual([60_000, undefined, 2_000])
  })

  it('refuses configurations that cannot work', () => {
    const l2 = mapProvider('bytes')
    const l1 = mapProvider('live')
    const service = createCacheService({
      providers: { redis: l2, local: l1 },
      defaultProvider: 'redis',
      encoder: testJson,
    })
    expect(() => service.namespace('a', { l1: 'local' })).toThrow(/bus: false/)
    expect(() => service.namespace('b', { l1: 'redis' })).toThrow(CacheConfigError)
    // @ts-expect-error an unknown provider does not compile either
    expect(() => service.namespace('c', { l1: 'nope' })).toThrow(/unknown provider 'nope'/)
    expect(() => service.namespace('d', { lock: true })).toThrow(CacheUnsupportedError)
    expect(() => service.namespace('e', { lock: { onTimeout: 'x' as 'load' } })).toThrow(
      /onTimeout/,
    )
    expect(() => service.namespace('f', { breaker: { failures: 0 } })).toThrow(/failures/)
    expect(() => service.namespace('g', { refreshAhead: { beta: -1 } })).toThrow(/beta/)
    expect(() => service.namespace('h', { grace: Number.NaN })).toThrow(/grace/)
    expect(() => service.namespace('i', { lock: { wait: -5 } })).toThrow(/lock.wait/)
    const bytesL1 = createCacheService({
      providers: { live: mapProvider('live'), bytes: mapProvider('bytes') },
      defaultProvider: 'live',
    })
    expect(() => bytesL1.namespace('j', { l1: 'bytes', bus: false })).toThrow(/needs an L2/)
  })
})

describe('grace (stale-while-revalidate)', () => {
  function graceful(ns: NamespaceOptions<string, 'local' | 'redis'> = {}) {
    const f = fleet()
    const a = f.process('a', { grace: '10m', ...ns })
    return { f, a }
  }

  it('serves the stale value at once and refreshes in the background', async () => {
    const { f, a } = graceful()
    await a.cache.ready()
    await a.cache.set('k', 'v1', { ttl: 1_000 })
    f.advance(2_000)
    let release!: () => void
    const loaded = new Promise<void>((r) => {
      release = r
    })
    let calls = 0
    const loader = async () => {
      calls++
      await loaded
      return 'v2'
    }
    const stale: string[] = []
    a.cache.on('stale', (e) => stale.push(e.key))
    expect(await a.cache.getOrSet('k', loader)).toBe('v1')
    expect(await a.cache.getOrSet('k', loader)).toBe('v1')
    expect(calls).toBe(1)
    expect(stale).toEqual(['k', 'k'])
    release()
    await sleep(5)
    expect(await a.cache.getOrSet('k', loader)).toBe('v2')
    expect(calls).toBe(1)
    // Stale values are for getOrSet, which can refresh them; get reports a miss.
    f.advance(120_000)
    expect(await a.cache.get('k')).toBeUndefined()
  })

  it('keeps entries physically for ttl + grace', async () => {
    const { f, a } = graceful()
    await a.cache.set('k', 'v', { ttl: 1_000 })
    await a.cache.set('forever', 'v', { ttl: null })
    expect(f.l2.ttls).toEqual([1_000 + 600_000, undefined])
    // L1 keeps it as long: a stale value must be servable from L1 too.
    expect(a.l1.ttls).toEqual([1_000 + 600_000, undefined])
  })

  it('waits up to the soft timeout for the refresh', async () => {
    const { f, a } = graceful({ softTimeout: 200 })
    await a.cache.set('k', 'v1', { ttl: 1_000 })
    f.advance(2_000)
    expect(await a.cache.getOrSet('k', async () => 'v2')).toBe('v2')
    f.advance(2_000)
    const started = performance.now()
    const slow = async () => {
      await sleep(1_000)
      return 'v3'
    }
    expect(await a.cache.getOrSet('k', slow)).toBe('v2')
    expect(performance.now() - started).toBeLessThan(900)
  })

  it('serves stale on a failed refresh, reports it, and backs off before the next try', async () => {
    const { f, a } = graceful({ graceBackoff: '30s' })
    await a.cache.set('k', 'v1', { ttl: 1_000 })
    f.advance(2_000)
    const errors: CacheEventMap['error'][] = []
    a.cache.on('error', (e) => errors.push(e))
    let calls = 0
    const failing = async (): Promise<string> => {
      calls++
      throw new Error('db down')
    }
    expect(await a.cache.getOrSet('k', failing)).toBe('v1')
    await sleep(5)
    expect(errors.map((e) => e.operation)).toContain('refresh')
    expect(await a.cache.getOrSet('k', failing)).toBe('v1')
    await sleep(5)
    expect(calls).toBe(1)
    f.advance(30_001)
    expect(await a.cache.getOrSet('k', failing)).toBe('v1')
    await sleep(5)
    expect(calls).toBe(2)
  })

  it('fails a caller with nothing stale after the hard timeout, and still caches the late value', async () => {
    const { a } = graceful({ hardTimeout: 50 })
    const slow = async () => {
      await sleep(150)
      return 'late'
    }
    await expect(a.cache.getOrSet('k', slow)).rejects.toBeInstanceOf(CacheTimeoutError)
    await sleep(200)
    expect(await a.cache.get('k')).toBe('late')
  })
})

describe('refresh-ahead (XFetch)', () => {
  it('refreshes a fresh entry close to expiry, in the background, weighted by load time', async () => {
    const f = fleet()
    // random() -> 1 - 1e-9: -ln(1 - r) is about 20.7, so the lead is ~20.7 x load time.
    const a = f.process('a', { refreshAhead: true }, { random: () => 1 - 1e-9 })
    await a.cache.ready()
    let calls = 0
    const loader = async () => {
      calls++
      await sleep(20)
      return `v${calls}`
    }
    expect(await a.cache.getOrSet('k', loader, { ttl: 60_000 })).toBe('v1')
    // Far from expiry: no refresh.
    expect(await a.cache.getOrSet('k', loader)).toBe('v1')
    await sleep(30)
    expect(calls).toBe(1)
    // 100 ms before expiry, with a ~20 ms load: inside the lead window.
    f.advance(59_900)
    expect(await a.cache.getOrSet('k', loader)).toBe('v1')
    await sleep(40)
    expect(calls).toBe(2)
    expect(await a.cache.getOrSet('k', loader)).toBe('v2')
  })
})

describe('refresh-ahead across processes', () => {
  it('refreshes once in the fleet: the lock dedupes early refreshes', async () => {
    const f = fleet()
    const random = { random: () => 1 - 1e-9 }
    const procs = ['a', 'b', 'c'].map((n) =>
      f.process(n, { refreshAhead: true, lock: { wait: '1s' } }, random),
    )
    await Promise.all(procs.map((p) => p.cache.ready()))
    let calls = 0
    const loader = async () => {
      calls++
      await sleep(20)
      return `v${calls}`
    }
    // Each process learns its load time once (only one of them really loads).
    for (const p of procs) await p.cache.getOrSet('k', loader, { ttl: 60_000 })
    for (const p of procs) await p.cache.getOrSet(`warm-${procs.indexOf(p)}`, loader)
    const before = calls
    f.advance(59_990)
    await Promise.all(procs.map((p) => p.cache.getOrSet('k', loader)))
    await sleep(60)
    expect(calls).toBe(before + 1)
  })
})

describe('distributed stampede lock', () => {
  it('runs the loader once across processes', async () => {
    const f = fleet()
    const procs = ['a', 'b', 'c'].map((n) => f.process(n, { lock: { wait: '2s' } }))
    await Promise.all(procs.map((p) => p.cache.ready()))
    let calls = 0
    const loader = async () => {
      calls++
      await sleep(30)
      return 'v'
    }
    const results = await Promise.all(
      procs.flatMap((p) => Array.from({ length: 10 }, () => p.cache.getOrSet('cold', loader))),
    )
    expect(results).toEqual(Array(30).fill('v'))
    expect(calls).toBe(1)
  })

  it('after the wait runs the loader itself, or fails with onTimeout: error', async () => {
    const f = fleet()
    const a = f.process('a', { lock: { wait: 30 } })
    const b = f.process('b', { lock: { wait: 30, onTimeout: 'error' } })
    await Promise.all([a.cache.ready(), b.cache.ready()])
    const held = await f.locks.lock().acquire('ns', 'k', { ttlMs: 5_000, waitMs: 0 })
    expect(held).toBeDefined()
    expect(await a.cache.getOrSet('k', async () => 'anyway')).toBe('anyway')
    await expect(b.cache.getOrSet('k2', async () => 'x')).resolves.toBe('x')
    const k3 = await f.locks.lock().acquire('ns', 'k3', { ttlMs: 5_000, waitMs: 0 })
    expect(k3).toBeDefined()
    await expect(b.cache.getOrSet('k3', async () => 'x')).rejects.toBeInstanceOf(
      CacheLockTimeoutError,
    )
  })
})

describe('L2 circuit breaker', () => {
  it('opens after N consecutive failures, serves L1 or the loader, then probes and closes', async () => {
    const f = fleet()
    const a = f.process('a', { breaker: { failures: 3, cooldown: '5s' } })
    await a.cache.ready()
    await a.cache.set('warm', 'w')
    const states: string[] = []
    a.cache.on('breaker', (e) => states.push(e.state))
    // Misses are not failures.
    for (let i = 0; i < 5; i++) expect(await a.cache.get(`missing${i}`)).toBeUndefined()
    expect(a.cache.breakerState).toBe('closed')
    f.l2.failReads = new CacheUnavailableError('connection refused')
    for (let i = 0; i < 3; i++) await expect(a.cache.get(`x${i}`)).rejects.toThrow(/refused/)
    expect(states).toEqual(['open'])
    const reads = f.l2.reads
    expect(await a.cache.get('warm')).toBe('w')
    expect(await a.cache.get('other')).toBeUndefined()
    expect(await a.cache.getOrSet('loaded', async () => 'from-loader')).toBe('from-loader')
    expect(f.l2.reads).toBe(reads)
    await expect(a.cache.set('k', 'v')).rejects.toBeInstanceOf(CacheUnavailableError)
    f.advance(5_000)
    f.l2.failReads = undefined
    expect(await a.cache.get('other')).toBeUndefined()
    expect(states).toEqual(['open', 'half-open', 'closed'])
    expect(f.l2.reads).toBe(reads + 1)
  })

  it('lets a getMany be the half-open probe on a single-level namespace', async () => {
    const l2 = mapProvider('bytes')
    l2.async = true
    let time = 0
    const service = createCacheService({
      providers: { redis: l2 },
      encoder: testJson,
      clock: { now: () => time },
    })
    const cache = service.namespace<string>('solo', { breaker: { failures: 1, cooldown: 1_000 } })
    await cache.set('a', 'A')
    l2.failReads = new CacheUnavailableError('down')
    await expect(cache.getMany(['a', 'b'])).rejects.toThrow(/down/)
    expect(cache.breakerState).toBe('open')
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined])
    l2.failReads = undefined
    time += 1_000
    expect(await cache.getMany(['a', 'b'])).toEqual(['A', undefined])
    expect(cache.breakerState).toBe('closed')
  })

  it('reopens when the half-open probe fails', async () => {
    const f = fleet()
    const a = f.process('a', { breaker: { failures: 1, cooldown: 1_000 } })
    await a.cache.ready()
    const states: string[] = []
    a.cache.on('breaker', (e) => states.push(e.state))
    f.l2.failReads = new CacheUnavailableError('down')
    await expect(a.cache.get('x')).rejects.toThrow(/down/)
    f.advance(1_000)
    await expect(a.cache.get('x')).rejects.toThrow(/down/)
    expect(states).toEqual(['open', 'half-open', 'open'])
    expect(a.cache.breakerState).toBe('open')
  })
})

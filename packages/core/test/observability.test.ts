import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel'
import {
  CacheConfigError,
  type CacheLogger,
  type CacheOperationMessage,
  CacheUnavailableError,
  CHANNEL_NAMES,
  createCacheService,
  LOAD_DURATION_BUCKETS_MS,
} from '@cacheport/core'
import { afterEach, describe, expect, it } from 'vitest'
import { testJson } from './helpers/codecs.js'
import { mapProvider } from './helpers/map-provider.js'
import { BusHub, TestLocks, withPorts } from './helpers/ports.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A logger that records every line. */
function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = []
  const at =
    (level: string) =>
    (message: string, fields: Readonly<Record<string, unknown>>): void => {
      lines.push({ level, message, fields: { ...fields } })
    }
  const logger: CacheLogger = { warn: at('warn'), error: at('error'), info: at('info') }
  return { logger, lines }
}

function twoTier(
  options: { logger?: CacheLogger; lock?: boolean; breaker?: boolean; now?: () => number } = {},
) {
  const l2 = mapProvider('bytes')
  l2.async = true
  const hub = new BusHub()
  const bus = hub.bus('a')
  const locks = new TestLocks()
  const service = createCacheService({
    providers: {
      redis: withPorts(l2, { bus, ...(options.lock ? { lock: locks.lock() } : {}) }),
      local: mapProvider('live'),
    },
    defaultProvider: 'redis',
    encoder: testJson,
    defaults: { jitter: 0 },
    ...(options.now ? { clock: { now: options.now } } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  })
  const cache = service.namespace<string>('obs', {
    ttl: '1m',
    l1: { provider: 'local', admit: 'always' },
    ...(options.breaker ? { breaker: { failures: 1, cooldown: 1_000 } } : {}),
    ...(options.lock ? { lock: { wait: 30, onTimeout: 'load' as const } } : {}),
  })
  return { l2, hub, bus, locks, service, cache }
}

describe('stats', () => {
  it('counts writes, deletes, invalidations, loads by duration bucket and errors by code', async () => {
    const { cache } = twoTier()
    await cache.ready()
    await cache.set('a', 'A', { tags: ['t'] })
    await cache.setMany([{ key: 'b', value: 'B' }])
    await cache.delete('a')
    await cache.deleteMany(['b', 'c'])
    await cache.invalidateTags(['t'])
    await cache.clear()
    await cache.getOrSet('l', () => 'L')
    await cache.getOrSet('slow', async () => {
      await sleep(30)
      return 'S'
    })
    await expect(
      cache.getOrSet('bad', () => {
        throw new Error('db down')
      }),
    ).rejects.toThrow('db down')
    const s = cache.stats()
    expect(s).toMatchObject({
      writes: 4,
      deletes: 3,
      invalidations: { tags: 1, clear: 1, remote: 0 },
      loads: 3,
      loadErrors: 1,
      errors: { LOADER_ERROR: 1 },
      breaker: { state: 'none' },
      bus: { published: 8, received: 0 },
    })
    expect(s.loadDuration.bucketsMs).toEqual(LOAD_DURATION_BUCKETS_MS)
    expect(s.loadDuration.counts.reduce((a, b) => a + b, 0)).toBe(3)
    expect(s.loadDuration.count).toBe(3)
    // The 30 ms load is in a bucket above 25 ms.
    const above25 = s.loadDuration.counts.slice(LOAD_DURATION_BUCKETS_MS.indexOf(25) + 1)
    expect(above25.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1)
    cache.resetStats()
    expect(cache.stats()).toMatchObject({ writes: 0, loads: 0, errors: {} })
  })

  it('counts breaker transitions, bus interruptions and received invalidations', async () => {
    let time = 0
    const { cache, l2, bus, hub } = twoTier({ breaker: true, now: () => time })
    await cache.ready()
    expect(cache.stats().breaker).toEqual({ state: 'closed', opened: 0, halfOpened: 0, closed: 0 })
    l2.failReads = new CacheUnavailableError('down')
    await expect(cache.get('x')).rejects.toThrow('down')
    expect(cache.stats().breaker).toMatchObject({ state: 'open', opened: 1 })
    l2.failReads = undefined
    time += 1_000
    await cache.get('x')
    expect(cache.stats().breaker).toEqual({ state: 'closed', opened: 1, halfOpened: 1, closed: 1 })
    bus.interrupt()
    bus.resume()
    hub.deliver({ namespace: 'obs', origin: 'b', keys: ['k'] })
    expect(cache.stats().bus).toMatchObject({ interruptions: 1, resumptions: 2, received: 1 })
    expect(cache.stats().invalidations.remote).toBe(1)
  })

  it('counts refresh-ahead refreshes apart from stale refreshes', async () => {
    let time = 1_000_000
    const service = createCacheService({
      providers: { m: mapProvider('live') },
      clock: { now: () => time },
      defaults: { jitter: 0 },
    })
    const cache = service.namespace<string>('ra', {
      ttl: 1_000,
      grace: '1m',
      refreshAhead: { beta: 1_000 },
    })
    await cache.getOrSet('k', async () => {
      await sleep(20)
      return 'v1'
    })
    time += 990
    await cache.getOrSet('k', () => 'v2')
    await sleep(5)
    time += 5_000
    await cache.getOrSet('k', () => 'v3')
    await sleep(5)
    expect(cache.stats().refreshes).toEqual({ ahead: 1, stale: 1 })
  })

  it('counts lock acquisitions, waits and timeouts', async () => {
    const { cache, locks } = twoTier({ lock: true })
    await cache.ready()
    await cache.getOrSet('k', () => 'v')
    expect(cache.stats().lock).toMatchObject({ acquired: 1, waits: 0, timeouts: 0 })
    locks.held.set('obs\0other', { token: -1, until: Date.now() + 60_000 })
    expect(await cache.getOrSet('other', () => 'loaded anyway')).toBe('loaded anyway')
    expect(cache.stats().lock).toMatchObject({ acquired: 1, waits: 1, timeouts: 1 })
  })
})

describe('diagnostics channels', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const c of cleanups.splice(0)) c()
  })

  function record(name: string) {
    const seen: { phase: string; message: CacheOperationMessage }[] = []
    const ch = tracingChannel<unknown, CacheOperationMessage>(name)
    const handlers = {
      start: (m: CacheOperationMessage) => seen.push({ phase: 'start', message: { ...m } }),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (m: CacheOperationMessage) => seen.push({ phase: 'asyncEnd', message: { ...m } }),
      error: (m: CacheOperationMessage) => seen.push({ phase: 'error', message: { ...m } }),
    }
    ch.subscribe(handlers)
    cleanups.push(() => ch.unsubscribe(handlers))
    return seen
  }

  it('publishes each operation with namespace, key, tier and hit/miss', async () => {
    const { cache } = twoTier()
    await cache.ready()
    const gets = record(CHANNEL_NAMES.operation('get'))
    const getOrSets = record(CHANNEL_NAMES.operation('getOrSet'))
    const loads = record(CHANNEL_NAMES.load)
    const sets = record('cacheport:cache.set')
    const many = record('cacheport:cache.getMany')
    await cache.set('a', 'A')
    expect(await cache.get('a')).toBe('A')
    expect(await cache.get('zz')).toBeUndefined()
    expect(await cache.getOrSet('b', async () => 'B')).toBe('B')
    expect(await cache.getMany(['a', 'nope'])).toEqual(['A', undefined])
    expect(sets.map((s) => s.phase)).toEqual(['start', 'asyncEnd'])
    const ends = gets.filter((g) => g.phase === 'asyncEnd').map((g) => g.message)
    expect(ends[0]).toMatchObject({
      namespace: 'obs',
      operation: 'get',
      key: 'a',
      hit: true,
      tier: 'l1',
    })
    expect(ends[1]).toMatchObject({ key: 'zz', hit: false })
    expect(ends[1]?.tier).toBeUndefined()
    expect(getOrSets.at(-1)?.message).toMatchObject({ key: 'b', hit: false, result: 'B' })
    expect(loads.map((l) => l.message)).toMatchObject([
      { namespace: 'obs', operation: 'load', key: 'b' },
      { result: 'B' },
    ])
    expect(many.at(-1)?.message).toMatchObject({ keys: ['a', 'nope'], hits: 1, misses: 1 })
  })

  it('marks joiners and errors', async () => {
    const { cache } = twoTier()
    await cache.ready()
    const seen = record('cacheport:cache.getOrSet')
    const slow = async () => {
      await sleep(5)
      return 'v'
    }
    await Promise.all([cache.getOrSet('j', slow), cache.getOrSet('j', slow)])
    const ends = seen.filter((s) => s.phase === 'asyncEnd').map((s) => s.message)
    expect(ends.filter((m) => m.joined === true)).toHaveLength(1)
    expect(ends.filter((m) => m.hit === false)).toHaveLength(1)
    await expect(cache.getOrSet('e', () => Promise.reject(new Error('x')))).rejects.toThrow('x')
    expect(seen.some((s) => s.phase === 'error' && s.message.key === 'e')).toBe(true)
  })

  it('publishes breaker, bus and error messages on plain channels', async () => {
    const { cache, l2, bus } = twoTier({ breaker: true })
    await cache.ready()
    const got: unknown[] = []
    const listen = (m: unknown, name: string | symbol) => got.push([name, m])
    for (const n of [CHANNEL_NAMES.breaker, CHANNEL_NAMES.bus, CHANNEL_NAMES.error]) {
      subscribe(n, listen)
      cleanups.push(() => unsubscribe(n, listen))
    }
    l2.failReads = new CacheUnavailableError('down')
    await expect(cache.get('x')).rejects.toThrow()
    bus.interrupt()
    l2.failReads = undefined
    l2.raw('obs').set('bad', new Uint8Array([1, 2, 3]))
    await cache.getOrSet('y', () => 'Y').catch(() => {})
    expect(got).toContainEqual([
      'cacheport:breaker',
      { namespace: 'obs', state: 'open', failures: 1 },
    ])
    expect(got).toContainEqual(['cacheport:bus', { namespace: 'obs', event: 'interrupted' }])
  })

  it('publishes nothing with diagnostics: false', async () => {
    const service = createCacheService({
      providers: { m: mapProvider('live') },
      diagnostics: false,
    })
    const cache = service.namespace<string>('quiet')
    const seen = record('cacheport:cache.get')
    await cache.set('a', 'A')
    await cache.get('a')
    expect(seen).toEqual([])
    expect(() =>
      createCacheService({ providers: { m: mapProvider('live') }, diagnostics: 'no' as never }),
    ).toThrow(CacheConfigError)
  })
})

describe('logger', () => {
  it('refuses a logger without warn and error', () => {
    for (const bad of [{}, { warn() {} }, { warn() {}, error: 1 }, 'console', null]) {
      expect(() =>
        createCacheService({ providers: { m: mapProvider('live') }, logger: bad as never }),
      ).toThrow(CacheConfigError)
    }
    expect(() =>
      createCacheService({ providers: { m: mapProvider('live') }, logger: console }),
    ).not.toThrow()
  })

  it('logs breaker open and close, bus interrupted and resumed', async () => {
    let time = 0
    const { logger, lines } = recordingLogger()
    const { cache, l2, bus } = twoTier({ logger, breaker: true, now: () => time })
    await cache.ready()
    l2.failReads = new CacheUnavailableError('down')
    await expect(cache.get('x')).rejects.toThrow()
    l2.failReads = undefined
    time += 1_000
    await cache.get('x')
    bus.interrupt()
    bus.resume()
    const said = lines.map((l) => `${l.level} ${l.message}`)
    expect(said.some((l) => /^warn .*breaker opened/.test(l))).toBe(true)
    expect(said.some((l) => /^info .*breaker closed/.test(l))).toBe(true)
    expect(said.some((l) => /^warn .*bus is interrupted/.test(l))).toBe(true)
    expect(said.some((l) => /^info .*bus resumed/.test(l))).toBe(true)
  })

  it('logs lock timeouts', async () => {
    const { logger, lines } = recordingLogger()
    const { cache, locks } = twoTier({ logger, lock: true })
    await cache.ready()
    locks.held.set('obs\0k', { token: -1, until: Date.now() + 60_000 })
    await cache.getOrSet('k', () => 'v')
    expect(lines.filter((l) => /lock of key 'k'/.test(l.message))).toHaveLength(1)
  })

  it('rate-limits decode failures per namespace, then says how many it suppressed', async () => {
    let time = 0
    const { logger, lines } = recordingLogger()
    const provider = mapProvider('bytes')
    const service = createCacheService({
      providers: { m: provider },
      encoder: testJson,
      logger,
      logRateLimit: { lines: 3, intervalMs: 1_000 },
      clock: { now: () => time },
    })
    const cache = service.namespace<string>('corrupt')
    for (let i = 0; i < 20; i++) provider.raw('corrupt').set(`k${i}`, new Uint8Array([9, 9, 9, i]))
    for (let i = 0; i < 10; i++) expect(await cache.get(`k${i}`)).toBeUndefined()
    expect(lines.filter((l) => /cannot be decoded/.test(l.message))).toHaveLength(3)
    time += 1_000
    await cache.get('k10')
    expect(lines.some((l) => /suppressed 7 similar lines/.test(l.message))).toBe(true)
    expect(lines.filter((l) => /cannot be decoded/.test(l.message))).toHaveLength(4)
  })

  it('logs write-back failures as errors and counts failed publishes', async () => {
    const { logger, lines } = recordingLogger()
    const { cache, l2, bus } = twoTier({ logger })
    await cache.ready()
    l2.failWrites = new CacheUnavailableError('read-only replica')
    expect(await cache.getOrSet('w', () => 'W')).toBe('W')
    l2.failWrites = undefined
    expect(
      lines.some(
        (l) => l.level === 'error' && /writing a loaded value back failed/.test(l.message),
      ),
    ).toBe(true)
    bus.failPublish = new CacheUnavailableError('bus down')
    await cache.set('p', 'P')
    expect(cache.stats().bus.publishFailures).toBe(1)
  })
})

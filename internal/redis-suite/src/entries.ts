import { type CacheEventMap, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import type { RedisFamilyProvider } from '@cacheport/redis-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, rawCommand, scanAll, startBackend, stopBackend } from './backend.js'
import type { RedisFamilySuiteOptions } from './suite.js'

/** Waits (event-driven where it can, polling otherwise) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * Entries and TTLs against a real server or cluster (a backend of its own): `getEntry` with
 * the tags of the value's header, `ttl`, `expire`/`touch` changing value key, envelope and tag
 * index expiries in one script, a lost race retried, L1 copies dropped in other processes,
 * and the removals this process reports.
 */
export function describeRedisEntries(options: RedisFamilySuiteOptions): void {
  describe(`${options.name} on ${options.server} (${options.topology}): entries and TTLs`, {
    timeout: 60_000,
  }, () => {
    let backend: Backend
    let provider: RedisFamilyProvider
    let peer: RedisFamilyProvider
    beforeAll(async () => {
      backend = await startBackend(options.server, options.topology)
      provider = await options.connect(backend, { keyPrefix: 'ent:' })
      peer = await options.connect(backend, { keyPrefix: 'ent:' })
    }, 60_000)
    afterAll(async () => {
      await provider?.close()
      await peer?.close()
      await stopBackend(backend)
    }, 60_000)

    const open = (name: string, p = provider) =>
      createCacheService({
        providers: { redis: p },
        encoder: jsonEncoder(),
        defaults: { jitter: 0 },
      }).namespace<{ n: number }>(name)

    /** PTTL of a server key (-1 none, -2 missing). */
    const pttl = async (key: string) => Number(await rawCommand(backend, 'PTTL', key))

    it('getEntry returns metadata and the tags kept in the value header; ttl counts down', async () => {
      const c = open('meta')
      const before = Date.now()
      await c.set('k', { n: 1 }, { ttl: 60_000, tags: ['a', 'b'] })
      const entry = await c.getEntry('k')
      expect(entry).toMatchObject({
        value: { n: 1 },
        stale: false,
        negative: false,
        tags: ['a', 'b'],
        tier: 'provider',
      })
      expect(entry?.createdAt).toBeGreaterThanOrEqual(before)
      expect(entry?.expiresAt).toBe((entry?.createdAt ?? 0) + 60_000)
      await c.set('plain', { n: 2 }, { ttl: null })
      expect((await c.getEntry('plain'))?.tags).toBeUndefined()
      const left = await c.ttl('k')
      expect(left).toBeGreaterThan(50_000)
      expect(left).toBeLessThanOrEqual(60_000)
      expect(await c.ttl('plain')).toBeNull()
      expect(await c.ttl('absent')).toBeUndefined()
      expect(await c.getEntry('absent')).toBeUndefined()
      expect(c.stats().hits + c.stats().misses).toBe(0)
    })

    it('expire rewrites the logical expiry, the key TTL and the tag index expiries in one step', async () => {
      const c = open('exp')
      await c.set('k', { n: 1 }, { ttl: 2_000, tags: ['t1', 't2'] })
      const valueKey = (await scanAll(backend, 'ent:v{exp:*')).find((k) => k.endsWith('k'))
      expect(valueKey).toBeDefined()
      const indexes = await scanAll(backend, 'ent:t{exp:*')
      expect(indexes).toHaveLength(2)
      expect(await c.expire('k', '1h')).toBe(true)
      expect(await pttl(valueKey as string)).toBeGreaterThan(3_500_000)
      for (const idx of indexes) {
        expect(await pttl(idx)).toBeGreaterThan(3_500_000)
        const score = Number(await rawCommand(backend, 'ZSCORE', idx, 'k'))
        expect(score).toBeGreaterThan(Date.now() + 3_500_000)
      }
      const ttl = await c.ttl('k')
      expect(ttl).toBeGreaterThan(3_500_000)
      expect((await c.getEntry('k'))?.tags).toEqual(['t1', 't2'])
      // Past the old TTL the value is still there, and tag invalidation still finds it.
      await new Promise((r) => setTimeout(r, 2_200))
      expect(await c.get('k')).toEqual({ n: 1 })
      expect(await c.invalidateTags(['t2'])).toBe(1)
      expect(await c.get('k')).toBeUndefined()
      expect(await c.expire('k', 1_000)).toBe(false)
    })

    it('expire(null) persists value and indexes; a short expire then lets both go', async () => {
      const c = open('persist')
      await c.set('k', { n: 1 }, { ttl: 5_000, tags: ['t'] })
      const [valueKey] = await scanAll(backend, 'ent:v{persist:*')
      const [idx] = await scanAll(backend, 'ent:t{persist:*')
      expect(await c.expire('k', null)).toBe(true)
      expect(await pttl(valueKey as string)).toBe(-1)
      expect(await pttl(idx as string)).toBe(-1)
      expect(await c.ttl('k')).toBeNull()
      expect(await c.expire('k', 300)).toBe(true)
      await until(async () => (await pttl(valueKey as string)) === -2)
      await until(async () => (await pttl(idx as string)) === -2)
      expect(await c.get('k')).toBeUndefined()
    })

    it('touch re-applies the namespace TTL', async () => {
      const service = createCacheService({
        providers: { redis: provider },
        encoder: jsonEncoder(),
        defaults: { jitter: 0 },
      })
      const c = service.namespace<number>('touch', { ttl: '10m' })
      await c.set('k', 1, { ttl: 1_000 })
      expect(await c.touch('k')).toBe(true)
      expect(await c.ttl('k')).toBeGreaterThan(590_000)
      expect(await c.touch('absent')).toBe(false)
    })

    it('an expire that loses the race to another write retries on the new value, never restores the old one', async () => {
      const c = open('race')
      const other = open('race', peer)
      await c.set('k', { n: 1 }, { ttl: 60_000 })
      // Many concurrent expire and set calls from two processes: every set must survive.
      const ops: Promise<unknown>[] = []
      for (let i = 0; i < 40; i++) {
        ops.push(c.expire('k', 120_000 + i))
        ops.push(other.set('k', { n: 100 + i }, { ttl: 60_000 }))
      }
      const settled = await Promise.allSettled(ops)
      for (const s of settled) {
        // An expire may give up after computeRetries lost races; nothing else may fail.
        if (s.status === 'rejected') expect((s.reason as Error).name).toBe('CacheConflictError')
      }
      expect(await c.get('k')).toEqual({ n: 139 })
    })

    it('on a multilevel namespace, expire drops the L1 copy of every process through the bus', async () => {
      const process = (p: RedisFamilyProvider) =>
        createCacheService({
          providers: { redis: p, local: memoryProvider({ values: 'live' }) },
          defaultProvider: 'redis',
          encoder: jsonEncoder(),
          defaults: { jitter: 0 },
        }).namespace<number>('ml', { l1: { provider: 'local', admit: 'always' } })
      const a = process(provider)
      const b = process(peer)
      await Promise.all([a.ready(), b.ready()])
      await a.set('k', 1, { ttl: 60_000 })
      // b's read back-fills its L1 (once a's own invalidation of the write has gone by).
      await until(async () => (await b.get('k')) === 1 && b.peek('k') === 1)
      expect((await b.getEntry('k'))?.tier).toBe('l1')
      expect(await a.expire('k', 120_000)).toBe(true)
      await until(() => b.peek('k') === undefined)
      const entry = await b.getEntry('k')
      expect(entry?.tier).toBe('provider')
      expect((entry?.expiresAt ?? 0) - Date.now()).toBeGreaterThan(100_000)
    })

    it('peek refuses a namespace whose first tier is Redis', async () => {
      const c = open('peek')
      expect(() => c.peek('k')).toThrow(/in-process first tier/)
    })

    it('reports the removals this process made: explicit, tag and clear', async () => {
      const c = open('rm')
      const events: CacheEventMap['removal'][] = []
      c.on('removal', (e) => events.push(e))
      await c.setMany([
        { key: 'a', value: { n: 1 } },
        { key: 'b', value: { n: 2 }, tags: ['t'] },
        { key: 'c', value: { n: 3 } },
        { key: 'd', value: { n: 4 } },
      ])
      expect(await c.delete('a')).toBe(true)
      expect(await c.delete('a')).toBe(false)
      expect(await c.invalidateTags(['t'])).toBe(1)
      expect(await c.deleteMany(['c', 'zz'])).toBe(1)
      await c.compute('d', () => ({ action: 'delete' }))
      await c.clear()
      expect(events.map((e) => [e.key, e.cause, e.tags])).toEqual([
        ['a', 'explicit', undefined],
        [undefined, 'tag', ['t']],
        [undefined, 'explicit', undefined],
        ['d', 'explicit', undefined],
        [undefined, 'clear', undefined],
      ])
    })
  })
}

import {
  bytesKeys,
  CacheClosedError,
  type CacheEventMap,
  CacheKeyError,
  CacheUnsupportedError,
  createCacheService,
  type Transformer,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { describe, expect, it } from 'vitest'

/** A clock the test moves by hand, shared by the provider and the service. */
function manualClock(start = 1_000_000) {
  let now = start
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    },
  }
}

function setup(options: { values?: 'live' | 'bytes'; maximumSize?: number } = {}) {
  const clock = manualClock()
  const provider = memoryProvider({
    values: options.values ?? 'live',
    maximumSize: options.maximumSize ?? 1000,
    clock,
  })
  const service = createCacheService({
    providers: { local: provider },
    encoder: jsonEncoder(),
    clock,
  })
  return { clock, provider, service }
}

/** A synchronous transformer that flips every byte (enough to need a transformer to read). */
const flip: Transformer = {
  id: 'flip',
  priority: 100,
  encode: (bytes) => ({ bytes: bytes.map((b) => b ^ 0xff) }),
  decode: (bytes) => bytes.map((b) => b ^ 0xff),
}

describe.each(['live', 'bytes'] as const)('entries and TTLs on provider-memory (%s)', (values) => {
  it('getEntry returns the value with its metadata and tags, without counting a read', async () => {
    const { clock, service } = setup({ values })
    const c = service.namespace<{ n: number }>('e', { ttl: '1m', grace: '30s', jitter: 0 })
    const t0 = clock.now()
    await c.set('k', { n: 1 }, { tags: ['a', 'b'] })
    const entry = await c.getEntry('k')
    expect(entry).toEqual({
      value: { n: 1 },
      createdAt: t0,
      expiresAt: t0 + 60_000,
      staleUntil: t0 + 90_000,
      stale: false,
      negative: false,
      tags: ['a', 'b'],
      tier: 'provider',
    })
    expect(c.stats().hits + c.stats().misses).toBe(0)
    await c.getEntry('k', { countAsRead: true })
    await c.getEntry('absent', { countAsRead: true })
    expect(c.stats()).toMatchObject({ hits: 1, misses: 1 })
    clock.advance(70_000)
    expect(await c.getEntry('k')).toMatchObject({ stale: true, value: { n: 1 } })
    clock.advance(30_000)
    expect(await c.getEntry('k')).toBeUndefined()
    await service.close()
  })

  it('ttl: remaining ms, null without expiry, undefined when missing or expired', async () => {
    const { clock, service } = setup({ values })
    const c = service.namespace<number>('t', { jitter: 0 })
    await c.set('short', 1, { ttl: 10_000 })
    await c.set('forever', 2, { ttl: null })
    expect(await c.ttl('short')).toBe(10_000)
    clock.advance(4_000)
    expect(await c.ttl('short')).toBe(6_000)
    expect(await c.ttl('forever')).toBeNull()
    expect(await c.ttl('absent')).toBeUndefined()
    clock.advance(6_000)
    expect(await c.ttl('short')).toBeUndefined()
    await service.close()
  })

  it('expire changes the TTL in place: value, tags and creation time stay', async () => {
    const { clock, provider, service } = setup({ values })
    const c = service.namespace<string>('x', { jitter: 0 })
    await c.set('k', 'v', { ttl: 1_000, tags: ['t'] })
    const before = await c.getEntry('k')
    clock.advance(500)
    expect(await c.expire('k', '1h')).toBe(true)
    expect(await c.ttl('k')).toBe(3_600_000)
    clock.advance(10_000)
    expect(await c.get('k')).toBe('v')
    const after = await c.getEntry('k')
    expect(after?.createdAt).toBe(before?.createdAt)
    expect(after?.tags).toEqual(['t'])
    expect(provider.usage().removals.replaced).toBe(0)
    // The tag index still reaches the entry.
    expect(await c.invalidateTags(['t'])).toBe(1)
    expect(await c.expire('k', 1_000)).toBe(false)
    await c.set('p', 'q', { ttl: 5_000 })
    expect(await c.expire('p', null)).toBe(true)
    expect(await c.ttl('p')).toBeNull()
    clock.advance(1e9)
    expect(await c.get('p')).toBe('q')
    expect(await c.expire('p', 100)).toBe(true)
    clock.advance(101)
    expect(await c.get('p')).toBeUndefined()
    await service.close()
  })

  it('touch re-applies the namespace TTL, and the negative TTL to a cached "not found"', async () => {
    const { clock, service } = setup({ values })
    const c = service.namespace<string>('touch', { ttl: 10_000, negativeTtl: 2_000, jitter: 0 })
    await c.set('k', 'v', { ttl: 100 })
    clock.advance(50)
    expect(await c.touch('k')).toBe(true)
    expect(await c.ttl('k')).toBe(10_000)
    expect(await c.getOrSet('nf', (ctx) => ctx.notFound())).toBeUndefined()
    clock.advance(1_000)
    expect(await c.touch('nf')).toBe(true)
    expect(await c.ttl('nf')).toBe(2_000)
    expect(await c.getEntry('nf')).toMatchObject({ negative: true, value: undefined })
    expect(await c.touch('absent')).toBe(false)
    await service.close()
  })

  it('entries() lists the fresh values beside keys()', async () => {
    const { clock, service } = setup({ values })
    const c = service.namespace<number>('it', { jitter: 0 })
    await c.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 100 },
      { key: 'c', value: 3 },
    ])
    clock.advance(200)
    const seen: [string, number][] = []
    for await (const pair of c.entries()) seen.push(pair)
    expect(seen.sort()).toEqual([
      ['a', 1],
      ['c', 3],
    ])
    // More keys than one read batch (100).
    await c.setMany(Array.from({ length: 250 }, (_, i) => ({ key: `many:${i}`, value: i })))
    let sum = 0
    let count = 0
    for await (const [, value] of c.entries()) {
      sum += value
      count++
    }
    expect(count).toBe(252)
    expect(sum).toBe(4 + (249 * 250) / 2)
    await service.close()
  })

  it('computeIfAbsent runs only for an absent key; computeIfPresent only for a present one', async () => {
    const { service } = setup({ values })
    const c = service.namespace<number>('cv', { jitter: 0 })
    let calls = 0
    const make = () => {
      calls++
      return { action: 'set' as const, value: 7, ttl: 5_000, tags: ['seven'] }
    }
    expect(await c.computeIfAbsent('k', make)).toBe(7)
    expect(await c.computeIfAbsent('k', make)).toBe(7)
    expect(calls).toBe(1)
    expect(await c.getEntry('k')).toMatchObject({ tags: ['seven'] })
    expect(await c.ttl('k')).toBe(5_000)
    expect(await c.computeIfPresent('absent', () => ({ action: 'set', value: 1 }))).toBeUndefined()
    expect(await c.get('absent')).toBeUndefined()
    expect(await c.computeIfPresent('k', (n) => ({ action: 'set', value: n + 1, ttl: null }))).toBe(
      8,
    )
    expect(await c.ttl('k')).toBeNull()
    expect(await c.computeIfPresent('k', () => ({ action: 'delete' }))).toBeUndefined()
    expect(await c.get('k')).toBeUndefined()
    expect(await c.computeIfAbsent('k', () => ({ action: 'keep' }))).toBeUndefined()
    expect(await c.has('k')).toBe(false)
    await service.close()
  })

  it('removal events carry every cause, with the key', async () => {
    const { clock, service } = setup({ values, maximumSize: 3 })
    const c = service.namespace<number>('rm', { jitter: 0 })
    const events: CacheEventMap['removal'][] = []
    c.on('removal', (e) => events.push(e))
    await c.set('a', 1, { ttl: 100, tags: ['t'] })
    await c.set('a', 2, { tags: ['t'] })
    await c.set('b', 1, { ttl: 100 })
    await c.delete('a')
    clock.advance(200)
    expect(await c.get('b')).toBeUndefined()
    await c.set('c', 1, { tags: ['t'] })
    await c.invalidateTags(['t'])
    await c.set('d', 1)
    await c.clear()
    await c.compute('e', () => ({ action: 'set', value: 1 }))
    await c.compute('e', () => ({ action: 'delete' }))
    for (let i = 0; i < 50; i++) await c.set(`f${i}`, i)
    const causes = events.map((e) => `${e.key}:${e.cause}`)
    expect(causes.slice(0, 7)).toEqual([
      'a:replaced',
      'a:explicit',
      'b:expired',
      'c:tag',
      'd:clear',
      'e:explicit',
      expect.stringMatching(/^f\d+:evicted$/),
    ])
    expect(events.every((e) => e.namespace === 'rm')).toBe(true)
    await service.close()
  })
})

describe('removal events on provider-memory', () => {
  it('are built only while someone listens, and the provider-wide counters still count', async () => {
    const { provider, service } = setup()
    const c = service.namespace<number>('quiet')
    await c.set('a', 1)
    await c.delete('a')
    const events: CacheEventMap['removal'][] = []
    const stop = c.on('removal', (e) => events.push(e))
    await c.set('b', 1)
    await c.delete('b')
    stop()
    await c.set('c', 1)
    await c.delete('c')
    expect(events.map((e) => e.key)).toEqual(['b'])
    expect(provider.usage().removals.explicit).toBe(3)
    await service.close()
  })

  it('reach a listener on the service too, per namespace', async () => {
    const { service } = setup()
    const events: string[] = []
    service.on('removal', (e) => events.push(`${e.namespace}/${e.key}:${e.cause}`))
    const a = service.namespace<number>('a')
    const b = service.namespace<number>('b')
    await a.set('k', 1)
    await b.set('k', 1)
    await a.set('k', 2)
    await b.clear()
    expect(events).toEqual(['a/k:replaced', 'b/k:clear'])
    await service.close()
  })
})

describe('peek: a synchronous read of the in-process tier', () => {
  it('reads a live single tier: the value, undefined when missing, expired or not found', async () => {
    const { clock, service } = setup({ values: 'live' })
    const c = service.namespace<{ n: number }>('p', { jitter: 0 })
    await c.set('k', { n: 1 }, { ttl: 1_000 })
    expect(c.peek('k')).toEqual({ n: 1 })
    expect(c.peek('absent')).toBeUndefined()
    await c.getOrSet('nf', (ctx) => ctx.notFound())
    expect(c.peek('nf')).toBeUndefined()
    clock.advance(1_000)
    expect(c.peek('k')).toBeUndefined()
    expect(c.stats().hits + c.stats().misses).toBe(1)
    expect(() => c.peek('')).toThrow(CacheKeyError)
    expect(() => c.peek('x'.repeat(5_000))).toThrow(CacheKeyError)
    expect(() => c.peek(42 as unknown as string)).toThrow(CacheKeyError)
    const closing = service.close()
    expect(() => c.peek('k')).toThrow(CacheClosedError)
    await closing
  })

  it('encodes typed keys with the namespace key codec, and iterates them decoded', async () => {
    const { service } = setup({ values: 'live' })
    const c = service.namespace<string, Uint8Array>('typed', { keyCodec: bytesKeys() })
    const key = new Uint8Array([1, 2, 255])
    await c.set(key, 'bytes-key')
    expect(c.peek(key)).toBe('bytes-key')
    expect(c.peek(new Uint8Array([9]))).toBeUndefined()
    expect(() => c.peek('not bytes' as unknown as Uint8Array)).toThrow(CacheKeyError)
    const seen: [Uint8Array, string][] = []
    for await (const pair of c.entries()) seen.push(pair)
    expect(seen).toEqual([[key, 'bytes-key']])
    await service.close()
  })

  it('decodes a bytes single tier synchronously, and refuses one with transformers', async () => {
    const { service } = setup({ values: 'bytes' })
    const c = service.namespace<{ n: number }>('b')
    await c.set('k', { n: 2 })
    expect(c.peek('k')).toEqual({ n: 2 })
    const clock = manualClock()
    const withTransformer = createCacheService({
      providers: { local: memoryProvider({ values: 'bytes', clock }) },
      encoder: jsonEncoder(),
      transformers: [flip],
      clock,
    })
    const t = withTransformer.namespace<number>('t')
    await t.set('k', 1)
    expect(await t.get('k')).toBe(1)
    expect(() => t.peek('k')).toThrow(CacheUnsupportedError)
    expect(() => t.peek('k')).toThrow(/transformers/)
    await withTransformer.close()
    await service.close()
  })

  it('reads L1 of a multilevel namespace, never L2; getEntry names the tier', async () => {
    const clock = manualClock()
    const l2 = memoryProvider({ values: 'bytes', clock })
    const service = createCacheService({
      providers: { remote: l2, local: memoryProvider({ values: 'live', clock }) },
      defaultProvider: 'remote',
      encoder: jsonEncoder(),
      clock,
    })
    const c = service.namespace<number>('ml', {
      l1: { provider: 'local', admit: 'always' },
      bus: false,
    })
    await c.set('k', 1, { tags: ['t'] })
    expect(c.peek('k')).toBe(1)
    expect(await c.getEntry('k')).toMatchObject({ value: 1, tier: 'l1' })
    expect((await c.getEntry('k'))?.tags).toBeUndefined()
    // Written to L2 by "another process": L1 does not have it, so peek does not see it.
    const other = createCacheService({
      providers: { remote: l2 },
      encoder: jsonEncoder(),
      clock,
    })
    await other.namespace<number>('ml').set('only-l2', 2, { tags: ['t'] })
    expect(c.peek('only-l2')).toBeUndefined()
    expect(await c.getEntry('only-l2')).toMatchObject({ value: 2, tier: 'provider', tags: ['t'] })
    // expire changes L2 and drops the L1 copy.
    expect(await c.expire('k', 5_000)).toBe(true)
    expect(c.peek('k')).toBeUndefined()
    expect(await c.getEntry('k')).toMatchObject({ tier: 'provider', tags: ['t'] })
    expect(await c.get('k')).toBe(1)
    expect(c.peek('k')).toBe(1)
    await other.close()
    await service.close()
  })
})

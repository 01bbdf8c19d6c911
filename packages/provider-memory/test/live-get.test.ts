import { tracingChannel } from 'node:diagnostics_channel'
import {
  CacheClosedError,
  type CacheEventMap,
  CacheKeyError,
  type CacheStats,
  createCacheService,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { describe, expect, it } from 'vitest'

/**
 * `Cache.get` on a namespace whose only tier is a live memory store reads that store directly
 * (no tier handler hop). A bytes memory namespace takes the handler's path: the same calls
 * must give the same answers, counters, events and diagnostics on both.
 */
function setup(values: 'live' | 'bytes') {
  let now = 1_000_000
  const clock = { now: () => now }
  const provider = memoryProvider({ values, maximumSize: 1_000, clock })
  const service = createCacheService({
    providers: { local: provider },
    encoder: jsonEncoder(),
    clock,
  })
  const cache = service.namespace<{ n: number }>('direct', { jitter: 0, ttl: 10_000 })
  const events: string[] = []
  for (const name of ['hit', 'miss'] as const) {
    cache.on(name, (e: CacheEventMap['hit']) => events.push(`${name}:${e.key}`))
  }
  return {
    service,
    cache,
    events,
    advance: (ms: number) => {
      now += ms
    },
  }
}

/** The same script on a live and a bytes namespace: what each get answered, and the stats. */
async function script(values: 'live' | 'bytes') {
  const { service, cache, events, advance } = setup(values)
  const answers: unknown[] = []
  await cache.set('a', { n: 1 })
  await cache.set('short', { n: 2 }, { ttl: 1_000 })
  await cache.getOrSet('nf', (ctx) => ctx.notFound())
  answers.push(await cache.get('a'))
  answers.push(await cache.get('absent'))
  answers.push(await cache.get('nf'))
  answers.push(await cache.get('short'))
  advance(1_000)
  answers.push(await cache.get('short'))
  for (const bad of ['', 'x'.repeat(2_000), 'lone \ud800', 42 as unknown as string]) {
    const read = cache.get(bad)
    expect(read).toBeInstanceOf(Promise)
    answers.push(await read.then(undefined, (error: unknown) => error?.constructor.name))
  }
  const stats: CacheStats = cache.stats()
  const closing = service.close()
  const closed = cache.get('a')
  answers.push(await closed.then(undefined, (error: unknown) => error instanceof CacheClosedError))
  await closing
  return { answers, events, stats }
}

describe('get on a single live in-process tier', () => {
  it('answers, counts and emits as the tier handler does', async () => {
    const live = await script('live')
    const bytes = await script('bytes')
    expect(live.answers).toEqual([
      { n: 1 },
      undefined,
      undefined,
      { n: 2 },
      undefined,
      'CacheKeyError',
      'CacheKeyError',
      'CacheKeyError',
      'CacheKeyError',
      true,
    ])
    expect(live.answers).toEqual(bytes.answers)
    expect(live.events).toEqual([
      'miss:nf',
      'hit:a',
      'miss:absent',
      'hit:nf',
      'hit:short',
      'miss:short',
    ])
    expect(live.events).toEqual(bytes.events)
    // getOrSet's miss on 'nf', then five gets; the store drops 'short' once it expired.
    expect(live.stats).toMatchObject({
      hits: 3,
      misses: 3,
      tiers: { l2: { requests: 6, hits: 3 } },
    })
    expect(live.stats.tiers).toEqual(bytes.stats.tiers)
    expect(live.stats.hits).toBe(bytes.stats.hits)
    expect(live.stats.misses).toBe(bytes.stats.misses)
  })

  it('marks the tier and outcome of each get on its diagnostics channel', async () => {
    const { service, cache } = setup('live')
    await cache.set('a', { n: 1 })
    const ends: Record<string, unknown>[] = []
    const channel = tracingChannel('cacheport:cache.get')
    const handlers = {
      start() {},
      end() {},
      asyncStart() {},
      asyncEnd(message: unknown) {
        ends.push({ ...(message as Record<string, unknown>) })
      },
      error() {},
    }
    channel.subscribe(handlers)
    try {
      expect(await cache.get('a')).toEqual({ n: 1 })
      expect(await cache.get('b')).toBeUndefined()
      await expect(cache.get('')).rejects.toBeInstanceOf(CacheKeyError)
    } finally {
      channel.unsubscribe(handlers)
    }
    expect(ends[0]).toMatchObject({ key: 'a', hit: true, tier: 'l2' })
    expect(ends[1]).toMatchObject({ key: 'b', hit: false })
    expect(ends[1]?.tier).toBeUndefined()
    await service.close()
  })
})

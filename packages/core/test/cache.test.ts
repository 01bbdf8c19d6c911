import {
  CacheClosedError,
  type CacheEventMap,
  createCacheService,
  NOT_FOUND,
  readEnvelope,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { testJson } from './helpers/codecs.js'
import { type MapProvider, mapProvider } from './helpers/map-provider.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function setup(options: { async?: boolean; values?: 'bytes' | 'live'; now?: () => number } = {}) {
  const provider: MapProvider = mapProvider(options.values ?? 'bytes')
  provider.async = options.async ?? false
  let time = 1_000_000
  const clock = { now: options.now ?? (() => time) }
  const service = createCacheService({
    providers: { main: provider },
    encoder: testJson,
    clock,
    defaults: { jitter: 0 },
  })
  return {
    provider,
    service,
    cache: service.namespace<string>('ns', { ttl: '1m' }),
    advance: (ms: number) => {
      time += ms
    },
  }
}

describe('Cache', () => {
  for (const async of [false, true]) {
    describe(async ? 'on an asynchronous store' : 'on a synchronous store', () => {
      it('runs one loader for concurrent getOrSet calls', async () => {
        const { cache } = setup({ async })
        let calls = 0
        const values = await Promise.all(
          Array.from({ length: 50 }, () =>
            cache.getOrSet('k', async () => {
              calls++
              await sleep(5)
              return 'v'
            }),
          ),
        )
        expect(new Set(values)).toEqual(new Set(['v']))
        expect(calls).toBe(1)
        // Callers that joined the load reached no loader: they count as hits.
        expect(cache.stats()).toMatchObject({ hits: 49, misses: 1, loads: 1 })
      })

      it('hides logically expired entries even if the store still holds them', async () => {
        const { cache, provider, advance } = setup({ async })
        await cache.set('k', 'v', { ttl: 1000 })
        advance(999)
        expect(await cache.get('k')).toBe('v')
        advance(1)
        expect(await cache.get('k')).toBeUndefined()
        expect(provider.raw('ns').has('k')).toBe(true)
      })
    })
  }

  it('writes created-at and logical expiry into the envelope', async () => {
    const { cache, provider } = setup()
    await cache.set('k', 'v', { ttl: '10s' })
    const envelope = readEnvelope(provider.raw('ns').get('k') as Uint8Array)
    expect(envelope.createdAt).toBe(1_000_000)
    expect(envelope.expiresAt).toBe(1_010_000)
    await cache.set('forever', 'v', { ttl: null })
    expect(readEnvelope(provider.raw('ns').get('forever') as Uint8Array).expiresAt).toBeUndefined()
  })

  it('lets the loader set the TTL, the tags, skip caching, or report not found', async () => {
    const { cache, provider } = setup()
    await cache.getOrSet('ttl', (ctx) => {
      ctx.setTtl('5s')
      return 'v'
    })
    expect(readEnvelope(provider.raw('ns').get('ttl') as Uint8Array).expiresAt).toBe(1_005_000)
    expect(
      await cache.getOrSet('skip', (ctx) => {
        ctx.skipCache()
        return 'fresh'
      }),
    ).toBe('fresh')
    expect(provider.raw('ns').has('skip')).toBe(false)
    expect(await cache.getOrSet('nf', (ctx) => ctx.notFound())).toBeUndefined()
    expect(readEnvelope(provider.raw('ns').get('nf') as Uint8Array).negative).toBe(true)
    expect(await cache.get('nf')).toBeUndefined()
    expect(cache.stats().hits).toBe(1)
  })

  for (const [what, overtake] of [
    ['a delete', (c: ReturnType<typeof setup>['cache']) => c.delete('k')],
    ['a clear', (c: ReturnType<typeof setup>['cache']) => c.clear()],
    ['a set', (c: ReturnType<typeof setup>['cache']) => c.set('k', 'newer')],
  ] as const) {
    it(`does not write back a load that ${what} overtook`, async () => {
      const { cache } = setup({ async: true })
      let release: () => void = () => {}
      const gate = new Promise<void>((r) => {
        release = r
      })
      const loading = cache.getOrSet('k', async () => {
        await gate
        return 'stale from before'
      })
      await new Promise((r) => setTimeout(r, 1))
      await overtake(cache)
      const after = await cache.get('k')
      release()
      expect(await loading).toBe('stale from before')
      expect(await cache.get('k')).toBe(after)
    })
  }

  it('returns the loaded value and emits an error when the write-back fails', async () => {
    const { cache, provider, service } = setup({ async: true })
    const errors: CacheEventMap['error'][] = []
    service.on('error', (e) => errors.push(e))
    provider.failWrites = new Error('READONLY replica')
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded')
    expect(errors.map((e) => e.operation)).toEqual(['set'])
    await expect(cache.set('k', 'v')).rejects.toThrow('READONLY')
  })

  it('getOrSetMany caches NOT_FOUND entries and skips keys the loader left out', async () => {
    const { cache, provider } = setup()
    const result = await cache.getOrSetMany(['a', 'b', 'c'], () => [
      ['a', 'A'],
      ['b', NOT_FOUND],
    ])
    expect(result).toEqual(['A', undefined, undefined])
    expect(readEnvelope(provider.raw('ns').get('b') as Uint8Array).negative).toBe(true)
    expect(provider.raw('ns').has('c')).toBe(false)
  })

  it('getOrSetMany shares a loader failure with every waiter', async () => {
    const { cache } = setup({ async: true })
    const failing = async (): Promise<Map<string, string>> => {
      await sleep(5)
      throw new Error('bulk down')
    }
    const joined = Promise.all([
      cache.getOrSetMany(['a', 'b'], failing),
      sleep(1).then(() => cache.getOrSet('a', () => 'single')),
    ])
    await expect(joined).rejects.toThrow('bulk down')
    expect(cache.stats().loadErrors).toBe(1)
  })

  it('emits hit, miss, set, delete and invalidate events', async () => {
    const { cache } = setup()
    const seen: string[] = []
    for (const name of ['hit', 'miss', 'set', 'delete', 'invalidate'] as const) {
      cache.on(name, (e) => seen.push(`${name}:${'key' in e ? e.key : e.reason}`))
    }
    await cache.get('k')
    await cache.set('k', 'v', { tags: ['t'] })
    await cache.get('k')
    await cache.invalidateTags(['t'])
    await cache.delete('k')
    await cache.clear()
    expect(seen).toEqual([
      'miss:k',
      'set:k',
      'hit:k',
      'invalidate:tags',
      'delete:k',
      'invalidate:clear',
    ])
  })

  it('serialises compute calls on one key in this process', async () => {
    const { cache } = setup({ async: true })
    const counter = cache as unknown as import('@cacheport/core').Cache<number>
    await Promise.all(
      Array.from({ length: 20 }, () =>
        counter.compute('n', async (n) => {
          await sleep(1)
          return { action: 'set', value: (n ?? 0) + 1 }
        }),
      ),
    )
    expect(await counter.get('n')).toBe(20)
  })

  it('works on a live store without encoding', async () => {
    const { cache, provider } = setup({ values: 'live' })
    const value = 'live value'
    await cache.set('k', value)
    expect((provider.raw('ns').get('k') as { value: string }).value).toBe(value)
    expect(await cache.get('k')).toBe(value)
  })

  it('rejects every call once the service is closed', async () => {
    const { cache, service } = setup()
    await service.close()
    await expect(cache.get('k')).rejects.toBeInstanceOf(CacheClosedError)
    await expect(cache.clear()).rejects.toBeInstanceOf(CacheClosedError)
    expect(() => service.namespace('other')).toThrow(CacheClosedError)
    await service.close()
  })

  it('decodes typed keys with a key codec', async () => {
    const { service } = setup()
    const byId = service.namespace<string, number>('by-id', {
      keyCodec: { encode: (n) => `id:${n}`, decode: (s) => Number(s.slice(3)) },
    })
    await byId.set(7, 'seven')
    expect(await byId.get(7)).toBe('seven')
    const keys: number[] = []
    for await (const k of byId.keys()) keys.push(k)
    expect(keys).toEqual([7])
  })
})

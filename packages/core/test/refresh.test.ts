import { CacheConfigError, createCacheService } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { testJson } from './helpers/codecs.js'
import { mapProvider } from './helpers/map-provider.js'

function setup() {
  const provider = mapProvider('bytes')
  provider.async = true
  const service = createCacheService({
    providers: { main: provider },
    encoder: testJson,
    defaults: { jitter: 0 },
  })
  return { provider, service, cache: service.namespace<string>('ns', { ttl: '1m' }) }
}

function gate() {
  let open!: () => void
  const opened = new Promise<void>((r) => {
    open = r
  })
  return { open, opened }
}

describe('refresh', () => {
  it('reloads a cached key now and serves the old value until the new one is written', async () => {
    const { cache, service } = setup()
    await cache.set('k', 'old')
    const g = gate()
    let calls = 0
    const refreshing = cache.refresh('k', async () => {
      calls++
      await g.opened
      return 'new'
    })
    await new Promise((r) => setTimeout(r, 5))
    expect(await cache.get('k')).toBe('old')
    expect(await cache.getOrSet('k', () => 'unused')).toBe('old')
    g.open()
    expect(await refreshing).toBe('new')
    expect(await cache.get('k')).toBe('new')
    expect(calls).toBe(1)
    await service.close()
  })

  it('joins a refresh, or a getOrSet load, of the same key already running', async () => {
    const { cache, service } = setup()
    const g = gate()
    const calls: string[] = []
    const loader = (name: string) => async () => {
      calls.push(name)
      await g.opened
      return name
    }
    const first = cache.refresh('k', loader('refresh-k'))
    const second = cache.refresh('k', loader('refresh-k-again'))
    const load = cache.getOrSet('j', loader('load-j'))
    while (!calls.includes('load-j')) await new Promise((r) => setTimeout(r, 1))
    const joined = cache.refresh('j', loader('refresh-j'))
    g.open()
    expect(await Promise.all([first, second, load, joined])).toEqual([
      'refresh-k',
      'refresh-k',
      'load-j',
      'load-j',
    ])
    expect(calls.sort()).toEqual(['load-j', 'refresh-k'])
    await service.close()
  })

  it('keeps the old value when the loader fails, and rejects with its error', async () => {
    const { cache, service } = setup()
    await cache.set('k', 'old')
    const boom = new Error('db down')
    await expect(
      cache.refresh('k', () => {
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(await cache.get('k')).toBe('old')
    await service.close()
  })

  it('does not write back a refresh that a delete overtook', async () => {
    const { cache, service } = setup()
    await cache.set('k', 'old')
    const g = gate()
    const refreshing = cache.refresh('k', async () => {
      await g.opened
      return 'new'
    })
    await new Promise((r) => setTimeout(r, 5))
    await cache.delete('k')
    g.open()
    expect(await refreshing).toBe('new')
    expect(await cache.get('k')).toBeUndefined()
    await service.close()
  })

  it('refreshMany reloads every key with one bulk call, cached or not, in order', async () => {
    const { cache, service } = setup()
    await cache.setMany([
      { key: 'a', value: 'old-a' },
      { key: 'b', value: 'old-b' },
    ])
    const asked: string[][] = []
    const values = await cache.refreshMany(['b', 'a', 'c', 'a'], (keys) => {
      asked.push([...keys])
      return keys.map((k) => [k, `new-${k}`] as const)
    })
    expect(values).toEqual(['new-b', 'new-a', 'new-c', 'new-a'])
    expect(asked).toEqual([['b', 'a', 'c']])
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual(['new-a', 'new-b', 'new-c'])
    expect(await cache.refreshMany([], () => [])).toEqual([])
    await service.close()
  })

  it('refuses bad input with typed errors', async () => {
    const { cache, service } = setup()
    await expect(cache.refresh('k', 'nope' as never)).rejects.toBeInstanceOf(CacheConfigError)
    await expect(cache.refresh('', () => 'v')).rejects.toMatchObject({ code: 'EMPTY_KEY' })
    await expect(cache.refresh('k', () => 'v', { bogus: 1 } as never)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    })
    await expect(cache.refreshMany('k' as never, () => [])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(
      cache.refresh('k', () => 'v', { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' })
    await service.close()
  })
})

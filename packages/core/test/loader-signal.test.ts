import {
  CacheClosedError,
  CacheConfigError,
  CacheTimeoutError,
  createCacheService,
  type LoaderContext,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { testJson } from './helpers/codecs.js'
import { mapProvider } from './helpers/map-provider.js'

/** A loader that reports its context and resolves only when told to (or rejects on abort). */
function controlledLoader() {
  let release!: (value: string) => void
  const gate = new Promise<string>((r) => {
    release = r
  })
  const seen: LoaderContext<string>[] = []
  let started!: () => void
  const start = new Promise<void>((r) => {
    started = r
  })
  const loader = (ctx: LoaderContext<string>): Promise<string> => {
    seen.push(ctx)
    started()
    return gate
  }
  return { loader, release, seen, start }
}

function setup(namespace: { hardTimeout?: number } = {}) {
  const provider = mapProvider('bytes')
  provider.async = true
  const service = createCacheService({
    providers: { main: provider },
    encoder: testJson,
    defaults: { jitter: 0 },
  })
  return { provider, service, cache: service.namespace<string>('ns', { ttl: '1m', ...namespace }) }
}

describe('loader cancellation', () => {
  it('gives every loader a signal that has not fired', async () => {
    const { cache, service } = setup()
    let signal: AbortSignal | undefined
    await cache.getOrSet('k', (ctx) => {
      signal = ctx.signal
      return 'v'
    })
    expect(signal).toBeInstanceOf(AbortSignal)
    expect(signal?.aborted).toBe(false)
    await service.close()
  })

  it('rejects a caller at once with its signal reason, and the load goes on for the others', async () => {
    const { cache, service } = setup()
    const { loader, release, seen, start } = controlledLoader()
    const a = new AbortController()
    const first = cache.getOrSet('k', loader, { signal: a.signal })
    const second = cache.getOrSet('k', loader)
    await start
    a.abort()
    await expect(first).rejects.toMatchObject({ name: 'AbortError' })
    // The other caller (no signal) still waits, so the loader is not told to stop.
    expect(seen[0]?.signal.aborted).toBe(false)
    release('v')
    expect(await second).toBe('v')
    expect(seen).toHaveLength(1)
    expect(await cache.get('k')).toBe('v')
    await service.close()
  })

  it('rejects with the reason the caller gave', async () => {
    const { cache, service } = setup()
    const { loader, release, start } = controlledLoader()
    const a = new AbortController()
    const pending = cache.getOrSet('k', loader, { signal: a.signal })
    await start
    const reason = new Error('user went away')
    a.abort(reason)
    await expect(pending).rejects.toBe(reason)
    release('v')
    await service.close()
  })

  it("fires the loader's signal once every waiting caller has aborted", async () => {
    const { cache, service } = setup()
    const { loader, release, seen, start } = controlledLoader()
    const a = new AbortController()
    const b = new AbortController()
    const first = cache.getOrSet('k', loader, { signal: a.signal })
    const second = cache.getOrSet('k', loader, { signal: b.signal })
    await start
    a.abort()
    await expect(first).rejects.toMatchObject({ name: 'AbortError' })
    expect(seen[0]?.signal.aborted).toBe(false)
    b.abort()
    await expect(second).rejects.toMatchObject({ name: 'AbortError' })
    expect(seen[0]?.signal.aborted).toBe(true)
    // A loader that ignores the signal still caches what it returns.
    release('late')
    await new Promise((r) => setTimeout(r, 10))
    expect(await cache.get('k')).toBe('late')
    await service.close()
  })

  it('rejects at once for a signal that had already aborted, without loading', async () => {
    const { cache, service } = setup()
    let calls = 0
    const signal = AbortSignal.abort()
    await expect(
      cache.getOrSet(
        'k',
        () => {
          calls++
          return 'v'
        },
        { signal },
      ),
    ).rejects.toMatchObject({ name: 'AbortError' })
    await expect(
      cache.getOrSetMany(
        ['k'],
        () => {
          calls++
          return []
        },
        { signal },
      ),
    ).rejects.toMatchObject({ name: 'AbortError' })
    expect(calls).toBe(0)
    await service.close()
  })

  it("fires the loader's signal with a CacheTimeoutError when the hard timeout runs out", async () => {
    const { cache, service } = setup({ hardTimeout: 30 })
    const { loader, release, seen } = controlledLoader()
    await expect(cache.getOrSet('k', loader)).rejects.toBeInstanceOf(CacheTimeoutError)
    expect(seen[0]?.signal.aborted).toBe(true)
    expect(seen[0]?.signal.reason).toBeInstanceOf(CacheTimeoutError)
    release('v')
    await service.close()
  })

  it("fires the loader's signal with a CacheClosedError when the service closes", async () => {
    const { cache, service, provider } = setup()
    const { loader, release, seen, start } = controlledLoader()
    const pending = cache.getOrSet('k', loader)
    await start
    await service.close()
    expect(seen[0]?.signal.aborted).toBe(true)
    expect(seen[0]?.signal.reason).toBeInstanceOf(CacheClosedError)
    release('v')
    expect(await pending).toBe('v')
    // Nothing is written back after the close.
    expect(provider.raw('ns').size).toBe(0)
  })

  it('gives a bulk loader a signal that fires when its caller aborts', async () => {
    const { cache, service } = setup()
    let signal: AbortSignal | undefined
    let started!: () => void
    const start = new Promise<void>((r) => {
      started = r
    })
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const a = new AbortController()
    const pending = cache.getOrSetMany(
      ['x', 'y'],
      async (keys, ctx) => {
        signal = ctx.signal
        started()
        await gate
        return keys.map((k) => [k, k.toUpperCase()] as const)
      },
      { signal: a.signal },
    )
    await start
    expect(signal?.aborted).toBe(false)
    a.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    expect(signal?.aborted).toBe(true)
    release()
    await service.close()
  })

  it('keeps a bulk load going while a getOrSet caller without a signal joined one of its keys', async () => {
    const { cache, service } = setup()
    let signal: AbortSignal | undefined
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    let started!: () => void
    const start = new Promise<void>((r) => {
      started = r
    })
    const a = new AbortController()
    const bulk = cache.getOrSetMany(
      ['x', 'y'],
      async (keys, ctx) => {
        signal = ctx.signal
        started()
        await gate
        return keys.map((k) => [k, k.toUpperCase()] as const)
      },
      { signal: a.signal },
    )
    await start
    const joined = cache.getOrSet('x', () => 'not called')
    a.abort()
    await expect(bulk).rejects.toMatchObject({ name: 'AbortError' })
    expect(signal?.aborted).toBe(false)
    release()
    expect(await joined).toBe('X')
    await service.close()
  })

  it('refuses a signal that is not an AbortSignal', async () => {
    const { cache, service } = setup()
    await expect(
      cache.getOrSet('k', () => 'v', { signal: 'stop' as unknown as AbortSignal }),
    ).rejects.toBeInstanceOf(CacheConfigError)
    await expect(
      cache.getOrSetMany(['k'], () => [], { signal: {} as unknown as AbortSignal }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    await service.close()
  })
})

import {
  type CacheEventMap,
  CacheLoaderError,
  CacheUnavailableError,
  CacheValueError,
  createCacheService,
  MAX_ENTRY_BYTES,
  type Transformer,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { testJson } from './helpers/codecs.js'
import { mapProvider } from './helpers/map-provider.js'

function fixture(options: { loaderFallback?: boolean; transformers?: Transformer[] } = {}) {
  const provider = mapProvider('bytes')
  provider.async = true
  const service = createCacheService({
    providers: { main: provider },
    encoder: testJson,
    ...(options.transformers !== undefined ? { transformers: options.transformers } : {}),
  })
  const cache = service.namespace<string>('items', {
    ttl: '1m',
    ...(options.loaderFallback !== undefined ? { loaderFallback: options.loaderFallback } : {}),
  })
  const errors: CacheEventMap['error'][] = []
  cache.on('error', (e) => errors.push(e))
  return { provider, service, cache, errors }
}

describe('the loader as fallback when the provider fails', () => {
  it('getOrSet returns the loaded value and reports the failed read and write-back', async () => {
    const { provider, cache, errors } = fixture()
    provider.failReads = new CacheUnavailableError('connection refused')
    provider.failWrites = new CacheUnavailableError('connection refused')
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded')
    expect(errors.map((e) => e.operation)).toEqual(['get', 'set'])
    expect(cache.stats()).toMatchObject({ misses: 1, loads: 1 })
  })

  it('getOrSetMany loads every key when the batch read fails', async () => {
    const { provider, cache, errors } = fixture()
    provider.failReads = new CacheUnavailableError('connection refused')
    const values = await cache.getOrSetMany(['a', 'b'], (keys) => keys.map((k) => [k, `v${k}`]))
    expect(values).toEqual(['va', 'vb'])
    expect(errors[0]?.operation).toBe('get')
  })

  it('writes and deletes still reject, so the caller knows they did not happen', async () => {
    const { provider, cache } = fixture()
    provider.failWrites = new CacheUnavailableError('connection refused')
    await expect(cache.set('k', 'v')).rejects.toBeInstanceOf(CacheUnavailableError)
    await expect(cache.delete('k')).rejects.toBeInstanceOf(CacheUnavailableError)
  })

  it('loaderFallback: false rejects with the provider error', async () => {
    const { provider, cache } = fixture({ loaderFallback: false })
    provider.failReads = new CacheUnavailableError('connection refused')
    let loads = 0
    await expect(
      cache.getOrSet('k', () => {
        loads++
        return 'x'
      }),
    ).rejects.toBeInstanceOf(CacheUnavailableError)
    await expect(cache.getOrSetMany(['k'], () => new Map())).rejects.toBeInstanceOf(
      CacheUnavailableError,
    )
    expect(loads).toBe(0)
  })

  it('an error that is not a backend failure (a bug, a closed store) gets no fallback', async () => {
    const { provider, cache } = fixture()
    provider.failReads = new Error('not a cache error')
    await expect(cache.getOrSet('k', () => 'x')).rejects.toThrow('not a cache error')
  })
})

describe('configuration errors surface typed and early', () => {
  const wide: Transformer = {
    id: 'wide-param',
    priority: 100,
    encode: (bytes) => ({ bytes, param: new Uint8Array(256) }),
    decode: (bytes) => bytes,
  }

  it('a transformer parameter over 255 bytes is a typed error naming the transformer', async () => {
    const { provider, cache } = fixture({ transformers: [wide] })
    const error = await cache.set('k', 'v').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CacheValueError)
    expect((error as CacheValueError).code).toBe('ENCODE_FAILED')
    expect((error as Error).message).toMatch(
      /transformer 'wide-param' returned a parameter of 256 bytes, over the envelope's limit of 255/,
    )
    expect(provider.raw('items').size).toBe(0)
  })

  it('inside a load it rejects the call instead of becoming an event', async () => {
    const { cache, errors } = fixture({ transformers: [wide] })
    await expect(cache.getOrSet('k', () => 'v')).rejects.toBeInstanceOf(CacheValueError)
    expect(errors.filter((e) => e.operation === 'set')).toEqual([])
  })

  it('an entry over MAX_ENTRY_BYTES is refused with VALUE_TOO_LARGE, naming the limit, and not written', async () => {
    const huge = Buffer.allocUnsafe(MAX_ENTRY_BYTES)
    const provider = mapProvider('bytes')
    const service = createCacheService({
      providers: { main: provider },
      encoder: { id: 'raw', encode: () => huge, decode: (b) => b },
    })
    const cache = service.namespace<string>('big')
    const error = await cache.set('k', 'v').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CacheValueError)
    expect((error as CacheValueError).code).toBe('VALUE_TOO_LARGE')
    expect((error as Error).message).toContain(`over the limit of ${MAX_ENTRY_BYTES}`)
    expect(provider.raw('big').size).toBe(0)
  })

  it('a loader that throws a non-Error is reported as a loader error, not a decode error', async () => {
    const { cache, errors } = fixture()
    const thrown = await cache
      .getOrSet('k', () => {
        throw 'database said no'
      })
      .catch((e: unknown) => e)
    expect(thrown).toBe('database said no')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.operation).toBe('load')
    const reported = errors[0]?.error as CacheLoaderError
    expect(reported).toBeInstanceOf(CacheLoaderError)
    expect(reported.code).toBe('LOADER_FAILED')
    expect(reported.message).toContain("'database said no'")
    expect(reported.cause).toBe('database said no')
  })
})

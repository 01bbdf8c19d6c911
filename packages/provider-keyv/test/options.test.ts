import { CacheConfigError } from '@cacheport/core'
import { keyvProvider } from '@cacheport/provider-keyv'
import { describe, expect, it } from 'vitest'

const adapter = {
  get: async () => undefined,
  set: async () => true,
  delete: async () => false,
}

describe('keyvProvider options', () => {
  it('needs a Keyv storage adapter', () => {
    expect(() => keyvProvider(undefined as never)).toThrow(CacheConfigError)
    expect(() => keyvProvider({ store: {} as never })).toThrow(/Keyv storage adapter/)
  })

  it('refuses unknown option keys, naming the closest one', () => {
    expect(() => keyvProvider({ store: adapter, keyPrefx: 'x' } as never)).toThrow(
      /unknown option 'keyPrefx' \(did you mean 'keyPrefix'\?\)/,
    )
  })

  it('refuses bad values', () => {
    expect(() => keyvProvider({ store: adapter, timeoutMs: 0 })).toThrow(CacheConfigError)
    expect(() => keyvProvider({ store: adapter, nativeTtl: 'yes' as never })).toThrow(/nativeTtl/)
    expect(() => keyvProvider({ store: adapter, maxKeyLength: 10 })).toThrow(/maxKeyLength/)
  })

  it('declares only bytes and, when told, native TTL', () => {
    const p = keyvProvider({ store: adapter, nativeTtl: true })
    expect(p.capabilities).toEqual({
      values: 'bytes',
      nativeTtl: true,
      tags: false,
      compute: false,
      iterate: false,
      bus: false,
      lock: false,
      search: false,
    })
  })
})

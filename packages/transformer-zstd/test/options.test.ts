import { CacheConfigError } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { type ZstdTransformerOptions, zstdTransformer } from '../src/index.js'
import { onNode22 } from './frames.js'

function refused(options: unknown): CacheConfigError {
  try {
    zstdTransformer(options as ZstdTransformerOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(CacheConfigError)
    expect((error as CacheConfigError).code).toBe('INVALID_OPTION')
    return error as CacheConfigError
  }
  throw new Error(`zstdTransformer(${JSON.stringify(options)}) was accepted`)
}

describe('zstdTransformer options', () => {
  it('has the documented defaults', () => {
    const t = zstdTransformer()
    expect([t.level, t.minBytes, t.maxDecompressedBytes]).toEqual([3, 512, 8 * 1024 * 1024])
    expect(t.dictionaryId).toBeUndefined()
  })

  it.each<[string, unknown]>([
    ['level 0', { level: 0 }],
    ['level 23', { level: 23 }],
    ['a negative level', { level: -1 }],
    ['a fractional level', { level: 2.5 }],
    ['a NaN level', { level: Number.NaN }],
    ['a string level', { level: '3' }],
    ['negative minBytes', { minBytes: -1 }],
    ['NaN minBytes', { minBytes: Number.NaN }],
    ['infinite minBytes', { minBytes: Number.POSITIVE_INFINITY }],
    ['fractional minBytes', { minBytes: 0.5 }],
    ['maxDecompressedBytes 0', { maxDecompressedBytes: 0 }],
    ['NaN maxDecompressedBytes', { maxDecompressedBytes: Number.NaN }],
    ['maxDecompressedBytes over 1 GiB', { maxDecompressedBytes: 2 ** 30 + 1 }],
    ['a string dictionary', { dictionary: 'abcdefghij' }],
    ['an array dictionary', { dictionary: [1, 2, 3, 4, 5, 6, 7, 8] }],
    ['a 7-byte dictionary', { dictionary: new Uint8Array(7) }],
    ['an unknown implementation', { implementation: 'native' }],
    ['an unknown option (typo)', { minbytes: 10 }],
    ['options that are not an object', 'fast'],
    ['null options', null],
  ])('refuses %s with INVALID_OPTION', (_label, options) => {
    const error = refused(options)
    expect(error.message).toMatch(/zstdTransformer/)
  })

  it('accepts the range ends', () => {
    expect(zstdTransformer({ level: 1 }).level).toBe(1)
    expect(zstdTransformer({ level: 22 }).level).toBe(22)
    expect(zstdTransformer({ minBytes: 0 }).minBytes).toBe(0)
    expect(zstdTransformer({ maxDecompressedBytes: 1 }).maxDecompressedBytes).toBe(1)
    expect(zstdTransformer({ maxDecompressedBytes: 2 ** 30 }).maxDecompressedBytes).toBe(2 ** 30)
  })

  if (!onNode22)
    it('refuses implementation node:zlib on a Node without zstd', () => {
      expect(refused({ implementation: 'node:zlib' }).message).toMatch(/Node 22\.15/)
    })

  it('copies the dictionary, so changing the caller’s array changes nothing', () => {
    const dictionary = Buffer.from('a dictionary of shared cache content')
    const t = zstdTransformer({ dictionary })
    const before = t.dictionaryId
    dictionary.fill(0)
    expect(
      zstdTransformer({ dictionary: Buffer.from('a dictionary of shared cache content') })
        .dictionaryId,
    ).toBe(before)
  })
})

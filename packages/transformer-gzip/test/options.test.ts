import { CacheConfigError } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { type GzipTransformerOptions, gzipTransformer } from '../src/index.js'

describe('gzipTransformer options', () => {
  it('has the documented defaults', () => {
    const t = gzipTransformer()
    expect([t.id, t.format, t.level, t.minBytes, t.maxDecompressedBytes]).toEqual([
      'gzip',
      'gzip',
      6,
      512,
      8 * 1024 * 1024,
    ])
    expect(gzipTransformer({ format: 'deflate' }).id).toBe('deflate')
  })

  it.each<[string, unknown]>([
    ['format zlib', { format: 'zlib' }],
    ['format GZIP', { format: 'GZIP' }],
    ['level 0', { level: 0 }],
    ['level 10', { level: 10 }],
    ['a fractional level', { level: 6.5 }],
    ['a NaN level', { level: Number.NaN }],
    ['negative minBytes', { minBytes: -1 }],
    ['NaN minBytes', { minBytes: Number.NaN }],
    ['infinite minBytes', { minBytes: Number.POSITIVE_INFINITY }],
    ['maxDecompressedBytes 0', { maxDecompressedBytes: 0 }],
    ['negative maxDecompressedBytes', { maxDecompressedBytes: -5 }],
    ['maxDecompressedBytes over 1 GiB', { maxDecompressedBytes: 2 ** 30 + 1 }],
    ['an unknown option (typo)', { levle: 9 }],
    ['options that are not an object', 9],
    ['null options', null],
  ])('refuses %s with INVALID_OPTION', (_label, options) => {
    let error: unknown
    try {
      gzipTransformer(options as GzipTransformerOptions)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CacheConfigError)
    expect((error as CacheConfigError).code).toBe('INVALID_OPTION')
    expect((error as Error).message).toMatch(/gzipTransformer/)
  })
})

import { CacheDecodeError } from '@cacheport/core'
import { afterAll, describe, expect, it } from 'vitest'
import { gzipTransformer } from '../src/index.js'
import { deflateBomb, GiB, gzipMember, MiB, zerosCrc } from './helpers.js'

const context = { namespace: 'ns', key: 'k' }

/** 1 GiB of zeros as raw DEFLATE: about 1 MiB on the wire. */
const bomb1GiB = deflateBomb(1024)
/** The same inside a gzip member with an honest trailer (ISIZE = 2^30). */
const gzip1GiB = gzipMember(bomb1GiB, zerosCrc(1024), GiB)
/** The same with a trailer that claims 1000 bytes. */
const gzipLying = gzipMember(bomb1GiB, 0, 1000)
/** A 30-byte member whose trailer claims 1 GiB. */
const gzipTinyClaim = gzipMember(Buffer.of(0x03, 0x00), 0, GiB)

function failure(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    return error as Error
  }
  throw new Error('decode succeeded')
}

function measure(
  label: string,
  run: () => void,
): { ms: number; rss: number; arrayBuffers: number } {
  globalThis.gc?.()
  const before = process.memoryUsage()
  const start = performance.now()
  run()
  const ms = performance.now() - start
  const after = process.memoryUsage()
  const result = {
    ms,
    rss: (after.rss - before.rss) / MiB,
    arrayBuffers: (after.arrayBuffers - before.arrayBuffers) / MiB,
  }
  report.push(
    `${label}: ${ms.toFixed(1)} ms, rss ${result.rss >= 0 ? '+' : ''}${result.rss.toFixed(1)} MiB, arrayBuffers ${result.arrayBuffers >= 0 ? '+' : ''}${result.arrayBuffers.toFixed(1)} MiB`,
  )
  return result
}

const report: string[] = []
afterAll(() => console.log(report.join('\n')))

describe('the hand-built bombs', () => {
  it('are valid: a 4 MiB one decodes to 4 MiB of zeros', () => {
    const small = deflateBomb(4)
    const d = gzipTransformer({ format: 'deflate' }).decode(small, undefined, context)
    expect(Buffer.from(d).equals(Buffer.alloc(4 * MiB))).toBe(true)
    const g = gzipTransformer().decode(gzipMember(small, zerosCrc(4), 4 * MiB), undefined, context)
    expect(g.byteLength).toBe(4 * MiB)
  })
})

describe('gzip decompression cap', () => {
  const t = gzipTransformer()

  it('refuses a 1 MiB member producing 1 GiB from its trailer, before inflating', () => {
    const error = failure(() => t.decode(gzip1GiB, undefined, context))
    expect(error).toBeInstanceOf(CacheDecodeError)
    expect(error.message).toMatch(
      /declares 1073741824 bytes, over maxDecompressedBytes \(8388608\); refused before decompressing/,
    )
    const m = measure('gzip, 1 GiB bomb x20 (ISIZE pre-check)', () => {
      for (let i = 0; i < 20; i++) failure(() => t.decode(gzip1GiB, undefined, context))
    })
    expect(m.ms).toBeLessThan(500)
    expect(m.rss).toBeLessThan(16)
  })

  it('refuses a 30-byte member claiming 1 GiB', () => {
    expect(failure(() => t.decode(gzipTinyClaim, undefined, context)).message).toMatch(
      /declares 1073741824 bytes/,
    )
  })

  it('stops a member whose trailer understates the size right after the declared size', () => {
    let error: Error | undefined
    const m = measure('gzip, 1 GiB bomb claiming 1000 bytes x20', () => {
      for (let i = 0; i < 20; i++) error = failure(() => t.decode(gzipLying, undefined, context))
      globalThis.gc?.()
    })
    expect(error).toBeInstanceOf(CacheDecodeError)
    expect(error?.message).toMatch(/inflates to more than the trailer's size of 1000 bytes/)
    expect(m.ms).toBeLessThan(1000)
    expect(m.rss).toBeLessThan(32)
  })
})

describe('deflate decompression cap', () => {
  it('stops a 1 GiB bomb once the output passes the cap, allocating about the cap', () => {
    const t = gzipTransformer({ format: 'deflate', maxDecompressedBytes: 4 * MiB })
    let error: Error | undefined
    // One run after a full GC: the growth counts everything it allocated, garbage included.
    const m = measure('deflate (cap 4 MiB), 1 GiB bomb x1', () => {
      error = failure(() => t.decode(bomb1GiB, undefined, context))
    })
    expect(error).toBeInstanceOf(CacheDecodeError)
    expect(error?.message).toMatch(
      /decompresses to more than maxDecompressedBytes \(4194304\); stopped at the cap/,
    )
    expect(m.ms).toBeLessThan(500)
    expect(m.arrayBuffers).toBeLessThan(32)
    expect(m.rss).toBeLessThan(64)
  })

  it('with the default 8 MiB cap, memory stays near the cap, far from 1 GiB', () => {
    const t = gzipTransformer({ format: 'deflate' })
    const m = measure('deflate (default cap 8 MiB), 1 GiB bomb x1', () => {
      expect(failure(() => t.decode(bomb1GiB, undefined, context)).message).toMatch(
        /stopped at the cap/,
      )
    })
    expect(m.arrayBuffers).toBeLessThan(8 + 8)
    expect(m.rss).toBeLessThan(8 + 8)
  })

  it('accepts output exactly at the cap and refuses one byte more', () => {
    const t = gzipTransformer({ format: 'deflate', maxDecompressedBytes: 2 * MiB })
    expect(t.decode(deflateBomb(2), undefined, context).byteLength).toBe(2 * MiB)
    const g = gzipTransformer({ maxDecompressedBytes: 2 * MiB })
    expect(
      g.decode(gzipMember(deflateBomb(2), zerosCrc(2), 2 * MiB), undefined, context).byteLength,
    ).toBe(2 * MiB)
    const justOver = gzipTransformer({ format: 'deflate', maxDecompressedBytes: 2 * MiB - 1 })
    expect(failure(() => justOver.decode(deflateBomb(2), undefined, context)).message).toMatch(
      /stopped at the cap/,
    )
  })
})

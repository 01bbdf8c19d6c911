import { constants, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { deflateBomb, GiB, gzipMember, zerosCrc } from './helpers.js'
import { type ChildDecode, decodeInChild, MiB, row } from './memory-helpers.js'

/**
 * Each case decodes one entry in a fresh child process (so the test runner's own heap does not
 * pollute the numbers) and checks the stated bound: the decode's peak RSS growth stays within
 * the cap plus SLACK. The old decoder (fflate, chunks then a concat) used two to three times
 * the cap on the same cases.
 */
const cap = 8 * MiB
/** The stated constant: one first-guess buffer (≤ 1 MiB), zlib's state, allocator and GC noise. */
const SLACK = 4 * MiB

const report: string[] = []
afterAll(() => console.log(`peak memory per decode, cap ${cap / MiB} MiB:\n${report.join('\n')}`))

function check(label: string, r: ChildDecode): ChildDecode {
  report.push(row(label, r))
  expect(r.peakRss).toBeLessThanOrEqual(cap + SLACK)
  expect(r.arrayBuffers).toBeLessThanOrEqual(cap + SLACK)
  return r
}

/** A gzip member of `size` zeros, with an honest trailer, built from the 1 KiB/MiB bomb. */
function zerosMember(mebibytes: number): Buffer {
  return gzipMember(deflateBomb(mebibytes), zerosCrc(mebibytes), mebibytes * MiB)
}

describe('decode memory is bounded by the cap plus a constant (child process per case)', () => {
  it('gzip: two members, the last declaring more than the cap: refused before inflating', () => {
    const entry = Buffer.concat([zerosMember(2), zerosMember(12)])
    const r = check('gzip, 2 + 12 MiB members', decodeInChild(entry, { maxDecompressedBytes: cap }))
    expect(r.ok).toBe(false)
    expect(r.name).toBe('CacheDecodeError')
    expect(r.message).toMatch(/over maxDecompressedBytes \(8388608\); refused before decompressing/)
  })

  it('gzip: two 6 MiB members (12 MiB in all): refused after the first, within the cap', () => {
    const entry = Buffer.concat([zerosMember(6), zerosMember(6)])
    const r = check('gzip, 6 + 6 MiB members', decodeInChild(entry, { maxDecompressedBytes: cap }))
    expect(r.ok).toBe(false)
    expect(r.name).toBe('CacheDecodeError')
    expect(r.message).toMatch(/more than one gzip member|follow the end of the DEFLATE stream/)
  })

  it('gzip: a 1 GiB bomb whose trailer claims just under the cap', () => {
    const entry = gzipMember(deflateBomb(1024), 0, cap - 1)
    const r = check(
      'gzip, 1 GiB claiming cap - 1',
      decodeInChild(entry, { maxDecompressedBytes: cap }),
    )
    expect(r.ok).toBe(false)
    expect(r.name).toBe('CacheDecodeError')
    expect(r.message).toMatch(/inflates to more than the trailer's size of 8388607 bytes/)
  })

  it('deflate: a 1 GiB raw-deflate bomb', () => {
    const options = { format: 'deflate', maxDecompressedBytes: cap }
    const r = check('deflate, 1 GiB bomb', decodeInChild(deflateBomb(1024), options))
    expect(r.ok).toBe(false)
    expect(r.name).toBe('CacheDecodeError')
    expect(r.message).toMatch(/more than maxDecompressedBytes \(8388608\); stopped at the cap/)
  })

  it('zlib framing: a zlib-wrapped 1 GiB bomb, read as deflate and as gzip', () => {
    const body = deflateBomb(1024)
    const entry = Buffer.concat([Buffer.of(0x78, 0x9c), body, Buffer.alloc(4)])
    for (const format of ['deflate', 'gzip'] as const) {
      const r = decodeInChild(entry, { format, maxDecompressedBytes: cap })
      check(`${format} reader, zlib-framed 1 GiB bomb`, r)
      expect(r.ok).toBe(false)
      expect(r.name).toBe('CacheDecodeError')
    }
    // A real zlib stream of 64 MiB, too.
    const zlib = deflateSync(Buffer.alloc(64 * MiB), { level: 9 })
    const r = check(
      'deflate reader, zlib stream of 64 MiB',
      decodeInChild(zlib, { format: 'deflate', maxDecompressedBytes: cap }),
    )
    expect(r.ok).toBe(false)
  })

  it('gzip: an entry just under the cap decodes, costing about its size', () => {
    const input = Buffer.alloc(cap - 1024, 0x61)
    const r = check(
      'gzip, cap - 1 KiB',
      decodeInChild(gzipSync(input), { maxDecompressedBytes: cap }),
    )
    expect(r).toMatchObject({ ok: true, size: cap - 1024 })
  })

  it('deflate: an entry just under the cap decodes, costing about its size', () => {
    const input = Buffer.alloc(cap - 1024, 0x61)
    const entry = deflateRawSync(input, { finishFlush: constants.Z_FINISH })
    const options = { format: 'deflate', maxDecompressedBytes: cap }
    const r = check('deflate, cap - 1 KiB', decodeInChild(entry, options))
    expect(r).toMatchObject({ ok: true, size: cap - 1024 })
  })

  it('a 1 GiB trailer claim costs nothing', () => {
    const r = check(
      'gzip, 30 bytes claiming 1 GiB',
      decodeInChild(gzipMember(Buffer.of(3, 0), 0, GiB), {}),
    )
    expect(r.ok).toBe(false)
  })
})

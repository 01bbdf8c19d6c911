import { deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib'
import { seededBytes } from '@cacheport/conformance'
import { CacheDecodeError } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { gzipTransformer } from '../src/index.js'
import { json } from './helpers.js'

const context = { namespace: 'ns', key: 'k' }

describe.each(['gzip', 'deflate'] as const)('%s transformer', (format) => {
  it('passes values shorter than minBytes through (encode returns null)', () => {
    const t = gzipTransformer({ format, minBytes: 1000 })
    expect(t.encode(json(999), context)).toBeNull()
    expect(t.encode(json(1000), context)).not.toBeNull()
  })

  it('passes values through that DEFLATE does not make smaller', () => {
    expect(gzipTransformer({ format, minBytes: 0 }).encode(seededBytes(4096), context)).toBeNull()
  })

  it('writes what node:zlib reads, and reads what node:zlib writes', () => {
    const input = json(50_000)
    const t = gzipTransformer({ format })
    const ours = t.encode(input, context)!
    expect(ours.param).toBeUndefined()
    const theirs = format === 'gzip' ? gunzipSync(ours.bytes) : inflateRawSync(ours.bytes)
    expect(theirs.equals(input)).toBe(true)
    const written = format === 'gzip' ? gzipSync(input) : deflateRawSync(input)
    expect(Buffer.from(t.decode(written, undefined, context)).equals(input)).toBe(true)
  })

  it('compresses smaller at level 9 than at level 1, and both round-trip', () => {
    const input = json(200_000)
    const fast = gzipTransformer({ format, level: 1 }).encode(input, context)!
    const small = gzipTransformer({ format, level: 9 }).encode(input, context)!
    expect(small.bytes.length).toBeLessThan(fast.bytes.length)
    for (const r of [fast, small]) {
      expect(
        Buffer.from(gzipTransformer({ format }).decode(r.bytes, undefined, context)).equals(input),
      ).toBe(true)
    }
  })

  it('reports corrupt input as CacheDecodeError with a clear message', () => {
    expect(() =>
      gzipTransformer({ format }).decode(Buffer.from('not compressed at all'), undefined, context),
    ).toThrow(new RegExp(`^${format} entry is corrupt: `))
    expect(() =>
      gzipTransformer({ format }).decode(Buffer.from('not compressed at all'), undefined, context),
    ).toThrow(CacheDecodeError)
  })
})

describe('gzip format details', () => {
  it('writes a gzip header without a timestamp, so equal values compress equally', () => {
    const a = gzipTransformer().encode(json(2000), context)!
    const b = gzipTransformer().encode(json(2000), context)!
    expect(Buffer.from(a.bytes.subarray(0, 4)).toString('hex')).toBe('1f8b0800')
    expect(Buffer.from(a.bytes.subarray(4, 8)).readUInt32LE(0)).toBe(0)
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true)
  })

  it('reads members with a file name, comment, extra field and header CRC', () => {
    const input = json(3000)
    const plain = gzipSync(input)
    const header = Buffer.from([0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3])
    const extra = Buffer.from([3, 0, 1, 2, 3])
    const name = Buffer.from('value.json\0')
    const comment = Buffer.from('a comment\0')
    const hcrc = Buffer.from([0, 0])
    const member = Buffer.concat([header, extra, name, comment, hcrc, plain.subarray(10)])
    expect(Buffer.from(gzipTransformer().decode(member, undefined, context)).equals(input)).toBe(
      true,
    )
  })

  it('a deflate reader refuses gzip bytes and a gzip reader refuses deflate bytes', () => {
    const gz = gzipTransformer().encode(json(3000), context)!
    const df = gzipTransformer({ format: 'deflate' }).encode(json(3000), context)!
    expect(() =>
      gzipTransformer({ format: 'deflate' }).decode(gz.bytes, undefined, context),
    ).toThrow(CacheDecodeError)
    expect(() => gzipTransformer().decode(df.bytes, undefined, context)).toThrow(CacheDecodeError)
  })
})

import { CacheDecodeError, ENVELOPE_MAGIC, readEnvelope, writeEnvelope } from '@cacheport/core'
import { describe, expect, it } from 'vitest'

const meta = {
  createdAt: 1_700_000_000_123,
  expiresAt: 1_700_000_060_123,
  staleUntil: undefined,
  negative: false,
}
const payload = Buffer.from('{"hello":"world"}')

describe('envelope', () => {
  it('round-trips header fields and payload', () => {
    const bytes = writeEnvelope(
      'json',
      [
        { id: 'zstd', param: undefined },
        { id: 'aes', param: new Uint8Array([1, 2]) },
      ],
      meta,
      payload,
    )
    expect(bytes[0]).toBe(ENVELOPE_MAGIC)
    const e = readEnvelope(bytes)
    expect(e.version).toBe(1)
    expect(e.encoderId).toBe('json')
    expect(e.transformers.map((t) => t.id)).toEqual(['zstd', 'aes'])
    expect(e.transformers[0]?.param).toBeUndefined()
    expect([...(e.transformers[1]?.param ?? [])]).toEqual([1, 2])
    expect(e.createdAt).toBe(meta.createdAt)
    expect(e.expiresAt).toBe(meta.expiresAt)
    expect(e.staleUntil).toBeUndefined()
    expect(e.negative).toBe(false)
    expect(Buffer.from(e.payload).toString()).toBe('{"hello":"world"}')
  })

  it('keeps stale-until and negative entries', () => {
    const e = readEnvelope(
      writeEnvelope(
        'json',
        [],
        { ...meta, staleUntil: meta.expiresAt + 5000, negative: true },
        new Uint8Array(0),
      ),
    )
    expect(e.staleUntil).toBe(meta.expiresAt + 5000)
    expect(e.negative).toBe(true)
    expect(e.payload.byteLength).toBe(0)
  })

  it('costs 17 bytes plus ids for an entry without expiry', () => {
    const bytes = writeEnvelope('json', [], { ...meta, expiresAt: undefined }, payload)
    expect(bytes.byteLength - payload.byteLength).toBe(3 + 1 + 4 + 1 + 8 + 4)
  })

  it('reads an envelope from a view into a larger buffer', () => {
    const bytes = writeEnvelope('json', [], meta, payload)
    const big = new Uint8Array(bytes.byteLength + 10)
    big.set(bytes, 5)
    expect(readEnvelope(big.subarray(5, 5 + bytes.byteLength)).encoderId).toBe('json')
  })

  it('refuses every truncation of a valid entry', () => {
    const bytes = writeEnvelope('json', [{ id: 'gz', param: new Uint8Array([9]) }], meta, payload)
    for (let n = 0; n < bytes.byteLength; n++) {
      expect(() => readEnvelope(bytes.subarray(0, n))).toThrow(CacheDecodeError)
    }
  })

  it('refuses every single-bit flip of a valid entry', () => {
    const bytes = writeEnvelope('json', [{ id: 'gz', param: new Uint8Array([9]) }], meta, payload)
    for (let i = 0; i < bytes.byteLength; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(bytes)
        copy[i] = (copy[i] as number) ^ (1 << bit)
        expect(() => readEnvelope(copy)).toThrow(CacheDecodeError)
      }
    }
  })

  it('refuses a future format version and unknown flags', () => {
    const bytes = Buffer.from(writeEnvelope('json', [], meta, payload))
    const v2 = Buffer.from(bytes)
    v2[1] = 2
    expect(() => readEnvelope(v2)).toThrow(/version 2/)
    const flags = Buffer.from(bytes)
    flags[2] = 0x80
    expect(() => readEnvelope(flags)).toThrow(/flags/)
  })

  it('rejects ids that are not printable ASCII or too long', () => {
    expect(() => writeEnvelope('', [], meta, payload)).toThrow(TypeError)
    expect(() => writeEnvelope('jsön', [], meta, payload)).toThrow(TypeError)
    expect(() => writeEnvelope('x'.repeat(256), [], meta, payload)).toThrow(TypeError)
    expect(() =>
      writeEnvelope('json', [{ id: 'big', param: new Uint8Array(256) }], meta, payload),
    ).toThrow(TypeError)
  })
})

describe('crc32', () => {
  it('matches node:zlib on every length and offset, small and large', async () => {
    const { crc32: zlibCrc32 } = await import('node:zlib')
    const { randomBytes } = await import('node:crypto')
    const { crc32 } = await import('../src/crc32.js')
    for (let length = 0; length < 1_100; length += length < 40 ? 1 : 37) {
      for (const offset of [0, 1, 3, 7]) {
        const bytes = randomBytes(length + offset + 3)
        expect(crc32(bytes, offset, offset + length)).toBe(
          zlibCrc32(bytes.subarray(offset, offset + length)),
        )
      }
    }
    const big = randomBytes(70_000)
    expect(crc32(big, 5, 69_999)).toBe(zlibCrc32(big.subarray(5, 69_999)))
  })
})

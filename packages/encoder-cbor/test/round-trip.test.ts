import { exactShape as shape } from '@cacheport/conformance'
import { CacheConfigError, CacheValueError } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { CBOR_ENCODER_ID, CBOR_RECORDS_ENCODER_ID, cborEncoder } from '../src/index.js'
import { CORRUPT_BOTH, CORRUPT_MAP_MODE, CORRUPT_RECORD_MODE } from './corrupt-cases.js'
import { hex, ROUND_TRIPS, UNENCODABLE } from './fixtures.js'

const modes = [
  { name: 'cbor', enc: cborEncoder(), corrupt: [...CORRUPT_BOTH, ...CORRUPT_MAP_MODE] },
  {
    name: 'cbor-rec',
    enc: cborEncoder({ records: true }),
    corrupt: [...CORRUPT_BOTH, ...CORRUPT_RECORD_MODE],
  },
] as const

describe('cborEncoder()', () => {
  it('has the id cbor, and cbor-rec in records mode', () => {
    expect(cborEncoder().id).toBe('cbor')
    expect(CBOR_ENCODER_ID).toBe('cbor')
    expect(cborEncoder({ records: true }).id).toBe('cbor-rec')
    expect(CBOR_RECORDS_ENCODER_ID).toBe('cbor-rec')
  })

  it('returns one frozen instance per configuration', () => {
    expect(cborEncoder()).toBe(cborEncoder({}))
    expect(cborEncoder({ records: false })).toBe(cborEncoder())
    expect(cborEncoder({ records: true })).toBe(cborEncoder({ records: true }))
    expect(cborEncoder({ records: true })).not.toBe(cborEncoder())
    expect(Object.isFrozen(cborEncoder())).toBe(true)
  })

  it('refuses a misspelled option, a non-boolean records and a non-object', () => {
    expect(() => cborEncoder({ record: true } as never)).toThrow(
      /unknown option 'record' \(did you mean 'records'\?\)/,
    )
    expect(() => cborEncoder({ records: 'yes' } as never)).toThrow(/records must be a boolean/)
    expect(() => cborEncoder('records' as never)).toThrow(CacheConfigError)
  })
})

for (const { name, enc, corrupt } of modes) {
  describe(`${name} round trip (type- and order-exact)`, () => {
    it.each(ROUND_TRIPS)('$name', ({ value, ...rest }) => {
      const expected = 'expected' in rest ? rest.expected : value
      const decoded = enc.decode(enc.encode(value))
      expect(shape(decoded)).toEqual(shape(expected))
      expect(decoded).toStrictEqual(expected)
    })

    it('decodes plain objects as plain objects, never as Maps', () => {
      const decoded = enc.decode(
        enc.encode({ a: { b: [{ c: 1 }] }, m: new Map([['k', { d: 2 }]]) }),
      )
      const obj = decoded as { a: { b: { c: number }[] }; m: Map<string, object> }
      expect(Object.getPrototypeOf(obj)).toBe(Object.prototype)
      expect(Object.getPrototypeOf(obj.a)).toBe(Object.prototype)
      expect(Object.getPrototypeOf(obj.a.b[0])).toBe(Object.prototype)
      expect(obj.m).toBeInstanceOf(Map)
      expect(Object.getPrototypeOf(obj.m.get('k'))).toBe(Object.prototype)
    })

    it('decodes bytes as plain Uint8Arrays that own their memory', () => {
      const source = Buffer.from('abcdef')
      const bytes = enc.encode({ b: source, u: new Uint8Array([7]) })
      const decoded = enc.decode(Buffer.from(bytes)) as { b: Uint8Array; u: Uint8Array }
      for (const value of [decoded.b, decoded.u]) {
        expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype)
        expect(value.byteOffset).toBe(0)
        expect(value.buffer.byteLength).toBe(value.byteLength)
      }
      expect([...decoded.b]).toEqual([...source])
    })

    it('keeps -0 apart from 0', () => {
      const decoded = enc.decode(enc.encode([-0, 0, { z: -0 }])) as [number, number, { z: number }]
      expect(Object.is(decoded[0], -0)).toBe(true)
      expect(Object.is(decoded[1], 0)).toBe(true)
      expect(Object.is(decoded[2].z, -0)).toBe(true)
    })

    it('round-trips Dates to the millisecond across the supported range', () => {
      for (const ms of [1, -1, 999, -999, 1_700_000_000_001, 2 ** 41 + 7, -(2 ** 41) - 7]) {
        expect((enc.decode(enc.encode(new Date(ms))) as Date).getTime()).toBe(ms)
      }
    })

    it('returns the same bytes for the same value, also after other values', () => {
      const value = () => ({ a: new Date(1), b: new Map([[1, new Set([2n])]]), c: [{ x: 1 }] })
      const first = Buffer.from(enc.encode(value()))
      enc.encode({ other: { shape: [1, { x: 2, y: 3 }] } })
      enc.encode([{ x: 1 }, { x: 2 }])
      expect(Buffer.from(enc.encode(value())).equals(first)).toBe(true)
    })

    it('does not touch the bytes it decodes', () => {
      const bytes = enc.encode({ a: [1, 'x', new Uint8Array([1])] })
      const before = Buffer.from(bytes)
      enc.decode(bytes)
      expect(Buffer.from(bytes).equals(before)).toBe(true)
      expect(Object.keys(bytes)).not.toContain('dataView')
    })

    it.each(corrupt)('refuses %s', (_label, bytes, message) => {
      let thrown: unknown
      try {
        enc.decode(bytes)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(Error)
      expect(thrown).not.toBeInstanceOf(CacheValueError)
      expect((thrown as Error).message).toMatch(message)
    })

    it('refuses every truncation of a payload', () => {
      const bytes = enc.encode({
        d: new Date(1),
        m: new Map<unknown, unknown>([[1n << 80n, new Set([Number.NaN, 'ü'])]]),
        r: [
          { a: 1, b: 'x' },
          { a: 2, b: 'y' },
        ],
        u: new Uint8Array([1, 2, 3]),
      })
      for (let length = 0; length < bytes.length; length++) {
        expect(() => enc.decode(bytes.subarray(0, length)), `length ${length}`).toThrow()
      }
    })

    it('refuses the payload followed by any byte', () => {
      const bytes = enc.encode([{ a: 1 }, 'x'])
      for (let byte = 0; byte < 256; byte++) {
        const longer = new Uint8Array(bytes.length + 1)
        longer.set(bytes)
        longer[bytes.length] = byte
        expect(() => enc.decode(longer), `byte ${byte}`).toThrow(/trailing/)
      }
    })

    it.each(UNENCODABLE)('refuses to encode %s with ENCODE_FAILED', (_label, make, message) => {
      let thrown: unknown
      try {
        enc.encode(make())
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(CacheValueError)
      expect((thrown as CacheValueError).code).toBe('ENCODE_FAILED')
      expect((thrown as Error).message).toMatch(message)
    })

    it('wraps errors thrown by a getter as ENCODE_FAILED with the cause', () => {
      const boom = new Error('boom')
      let thrown: unknown
      try {
        enc.encode({
          get bad(): never {
            throw boom
          },
        })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(CacheValueError)
      expect((thrown as CacheValueError).code).toBe('ENCODE_FAILED')
      expect((thrown as Error).cause).toBe(boom)
    })

    it('reports a structure too deep for the stack as ENCODE_FAILED', () => {
      let deep: unknown = null
      for (let i = 0; i < 200_000; i++) deep = [deep]
      expect(() => enc.encode(deep)).toThrow(CacheValueError)
    })
  })
}

describe('wire format', () => {
  const cbor = cborEncoder()
  const rec = cborEncoder({ records: true })

  it.each([
    ['an object as a CBOR map', { a: 1 }, 'a1 61 61 01'],
    ['a Map as tag 259', new Map([[1, 'x']]), 'd9 01 03 a1 01 61 78'],
    ['a Set as tag 258', new Set([1]), 'd9 01 02 81 01'],
    ['a whole-second Date as tag 1 + integer', new Date(1000), 'c1 1a 00 00 00 01'],
    [
      'a Date with milliseconds as tag 1 + float64',
      new Date(1500),
      'c1 fb 3f f8 00 00 00 00 00 00',
    ],
    ['a small BigInt as a 64-bit integer', 1n, '1b 00 00 00 00 00 00 00 01'],
    ['a huge BigInt as tag 2', 2n ** 64n, 'c2 49 01 00 00 00 00 00 00 00 00'],
    ['bytes as a byte string', Buffer.from([1, 2]), '42 01 02'],
    ['undefined in an array', [undefined], '81 f7'],
    ['NaN as a float64', Number.NaN, 'fb 7f f8 00 00 00 00 00 00'],
    [
      '-0 (every number as a float64)',
      [-0, 1],
      '82 fb 80 00 00 00 00 00 00 00 fb 3f f0 00 00 00 00 00 00',
    ],
  ])('cbor writes %s', (_label, value, bytes) => {
    expect(Buffer.from(cbor.encode(value)).toString('hex')).toBe(
      Buffer.from(hex(bytes)).toString('hex'),
    )
  })

  it('cbor-rec defines each record inside the value, then references it', () => {
    const bytes = rec.encode([{ a: 1 }, { a: 2 }])
    // [ record-definition[0xe000, ["a"], 1], record 0xe000 [2] ]
    expect(Buffer.from(bytes).toString('hex')).toBe(
      '82d9dfff8319e000816161 01d9e0008102'.replace(' ', ''),
    )
  })

  it('cbor-rec writes a Map as an untagged CBOR map', () => {
    expect(Buffer.from(rec.encode(new Map([[1, 2]]))).toString('hex')).toBe('a10102')
  })

  it('cbor-rec values decode on their own, whatever was encoded or decoded before', () => {
    const first = rec.encode([{ id: 1, name: 'a' }])
    const second = rec.encode([{ id: 2, name: 'b' }, { other: true }])
    // Same bytes as from a fresh process: nothing carries over between values.
    expect(Buffer.from(second).toString('hex')).toContain('d9dfff')
    expect(rec.decode(second)).toEqual([{ id: 2, name: 'b' }, { other: true }])
    expect(rec.decode(first)).toEqual([{ id: 1, name: 'a' }])
    // A reference to a record defined only in another value is refused, never read with the
    // definition the decoder saw last.
    expect(() => rec.decode(hex('81 d9 e0 00 82 03 61 63'))).toThrow(/not defined before/)
  })

  it('cbor and cbor-rec cannot read each other (hence two ids)', () => {
    const value = [{ a: 1 }, new Map([['k', 1]])]
    expect(() => cbor.decode(rec.encode(value))).toThrow()
    expect(() => rec.decode(cbor.encode(value))).toThrow()
  })

  it('cbor-rec is smaller than cbor for an array of same-shaped objects', () => {
    const value = Array.from({ length: 100 }, (_, i) => ({
      id: i,
      title: `t${i}`,
      done: i % 2 === 0,
    }))
    expect(rec.encode(value).length).toBeLessThan(cbor.encode(value).length * 0.6)
  })
})

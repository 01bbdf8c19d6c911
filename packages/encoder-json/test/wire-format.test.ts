import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonEncoder, PLAIN_PREFIX, TAGGED_PREFIX } from '../src/index.js'

const enc = jsonEncoder()
const utf8 = new TextEncoder()
const text = new TextDecoder()

/** The JSON text after the prefix byte. */
function body(bytes: Uint8Array): string {
  return text.decode(bytes.subarray(1))
}

function prefixed(prefix: string, json: string): Uint8Array {
  return utf8.encode(prefix + json)
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('jsonEncoder identity', () => {
  it('has the stable id "json"', () => {
    expect(enc.id).toBe('json')
  })

  it('returns one frozen instance, so registering it twice cannot clash', () => {
    expect(jsonEncoder()).toBe(enc)
    expect(Object.isFrozen(enc)).toBe(true)
  })

  it('pins the prefix bytes: J (0x4a) for plain JSON, T (0x54) for tagged JSON', () => {
    expect(PLAIN_PREFIX).toBe(0x4a)
    expect(TAGGED_PREFIX).toBe(0x54)
  })
})

describe('plain fast path', () => {
  const plainValues: readonly [string, unknown][] = [
    ['null', null],
    ['number', 12.5],
    ['string', 'héllo 😀'],
    ['lone surrogate string', '\ud800'],
    ['array', [1, 'two', null, false]],
    ['object', { a: { b: [1, { c: 'd' }] }, e: true }],
    ['object with an undefined property', { a: 1, b: undefined }],
    ['object with $-keys other than $t', { $set: 1, t: 2, $$t: 3 }],
  ]

  it.each(plainValues)('writes %s as J + JSON.stringify(value)', (_name, value) => {
    const bytes = enc.encode(value)
    expect(bytes[0]).toBe(0x4a)
    expect([...bytes]).toEqual([...prefixed('J', JSON.stringify(value))])
  })

  it('encodes plain values with one JSON.stringify call and no replacer', () => {
    const stringify = vi.spyOn(JSON, 'stringify')
    enc.encode({ a: [1, 2, { b: 'c' }] })
    expect(stringify).toHaveBeenCalledTimes(1)
    expect(stringify.mock.calls[0]).toHaveLength(1)
  })

  it('decodes plain values with one JSON.parse call and no reviver', () => {
    const bytes = enc.encode({ a: [1, 2, { b: 'c' }] })
    const parse = vi.spyOn(JSON, 'parse')
    expect(enc.decode(bytes)).toEqual({ a: [1, 2, { b: 'c' }] })
    expect(parse).toHaveBeenCalledTimes(1)
    expect(parse.mock.calls[0]).toHaveLength(1)
  })

  it('never interprets tags in a plain payload', () => {
    const decoded = enc.decode(prefixed('J', '{"$t":"date","v":0,"x":{"$t":"undef"}}'))
    expect(decoded).toStrictEqual({ $t: 'date', v: 0, x: { $t: 'undef' } })
  })
})

describe('tagged form', () => {
  const taggedValues: readonly [string, unknown, string][] = [
    ['Date', new Date(1_700_000_000_123), '{"$t":"date","v":1700000000123}'],
    ['invalid Date', new Date(Number.NaN), '{"$t":"date","v":null}'],
    ['BigInt', -123n, '{"$t":"bigint","v":"-123"}'],
    ['Uint8Array', new Uint8Array([0xde, 0xad, 0xbe, 0xef]), '{"$t":"bytes","v":"3q2+7w=="}'],
    ['Buffer', Buffer.from([0xff]), '{"$t":"bytes","v":"/w=="}'],
    [
      'Map',
      new Map<unknown, unknown>([
        ['a', 1],
        [2, 'b'],
      ]),
      '{"$t":"map","v":[["a",1],[2,"b"]]}',
    ],
    ['Set', new Set(['x', 1]), '{"$t":"set","v":["x",1]}'],
    ['NaN', Number.NaN, '{"$t":"num","v":"NaN"}'],
    ['Infinity', Number.POSITIVE_INFINITY, '{"$t":"num","v":"Infinity"}'],
    ['-Infinity', Number.NEGATIVE_INFINITY, '{"$t":"num","v":"-Infinity"}'],
    ['-0', -0, '{"$t":"num","v":"-0"}'],
    ['undefined in an array', [undefined], '[{"$t":"undef"}]'],
    ['tag lookalike', { $t: 'date', v: 1 }, '{"$t":"obj","v":[["$t","date"],["v",1]]}'],
    [
      'Date deep in plain JSON (the rest is unchanged)',
      { a: [1, { b: new Date(0) }], c: 'd' },
      '{"a":[1,{"b":{"$t":"date","v":0}}],"c":"d"}',
    ],
  ]

  it.each(taggedValues)('writes %s as T + the documented JSON', (_name, value, json) => {
    const bytes = enc.encode(value)
    expect(bytes[0]).toBe(0x54)
    expect(body(bytes)).toBe(json)
  })

  it('decodes hand-written tagged JSON', () => {
    const decoded = enc.decode(
      prefixed(
        'T',
        '{"d":{"$t":"date","v":86400000},"m":{"$t":"map","v":[[{"$t":"bigint","v":"7"},{"$t":"undef"}]]},"s":{"$t":"set","v":[{"$t":"num","v":"-0"}]},"b":{"$t":"bytes","v":"AQID"},"o":{"$t":"obj","v":[["$t",1]]}}',
      ),
    )
    expect(decoded).toStrictEqual({
      d: new Date(86_400_000),
      m: new Map([[7n, undefined]]),
      s: new Set([-0]),
      b: new Uint8Array([1, 2, 3]),
      o: { $t: 1 },
    })
  })

  it('accepts a tagged payload that happens to hold no tag', () => {
    expect(enc.decode(prefixed('T', '{"a":[1,"x"]}'))).toStrictEqual({ a: [1, 'x'] })
  })
})

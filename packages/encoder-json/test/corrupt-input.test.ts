import {
  CacheDecodeError,
  CacheValueError,
  createEncodingRegistry,
  ValuePipeline,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { jsonEncoder } from '../src/index.js'

const enc = jsonEncoder()
const utf8 = new TextEncoder()

function prefixed(prefix: string, json: string): Uint8Array {
  return utf8.encode(prefix + json)
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : new Uint8Array(p)))
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0))
  let at = 0
  for (const a of arrays) {
    out.set(a, at)
    at += a.length
  }
  return out
}

const plainBytes = enc.encode({ a: 'x', b: [1, 2, 3] })
const taggedBytes = enc.encode({ a: new Date(0), b: [1n, 2n] })

const corrupt: readonly [string, Uint8Array, RegExp][] = [
  ['empty bytes', new Uint8Array(0), /empty/],
  ['unknown prefix 0x00', prefixed('\u0000', '{}'), /unknown format byte 0x00/],
  ['raw JSON without a prefix', utf8.encode('{"a":1}'), /unknown format byte 0x7b/],
  ['lower-case prefix', prefixed('j', '1'), /unknown format byte 0x6a/],
  ['plain prefix only', prefixed('J', ''), /not valid JSON/],
  ['tagged prefix only', prefixed('T', ''), /not valid JSON/],
  ['truncated plain JSON', plainBytes.subarray(0, plainBytes.length - 3), /not valid JSON/],
  ['truncated tagged JSON', taggedBytes.subarray(0, taggedBytes.length - 1), /not valid JSON/],
  ['trailing garbage', prefixed('J', '{"a":1}x'), /not valid JSON/],
  ['two JSON texts', prefixed('J', '1 2'), /not valid JSON/],
  ['invalid UTF-8 byte 0xff', concat([0x4a, 0x22, 0xff, 0x22]), /not valid UTF-8/],
  ['overlong UTF-8 encoding', concat([0x4a, 0x22, 0xc0, 0xaf, 0x22]), /not valid UTF-8/],
  ['UTF-8 surrogate code point', concat([0x54, 0x22, 0xed, 0xa0, 0x80, 0x22]), /not valid UTF-8/],
  [
    'UTF-8 sequence cut in the middle',
    concat(utf8.encode('J"😀').subarray(0, 4)),
    /not valid UTF-8/,
  ],
  ['byte order mark after the prefix', concat([0x4a, 0xef, 0xbb, 0xbf], utf8.encode('1')), /JSON/],
  ['unknown tag', prefixed('T', '{"$t":"regexp","v":"a+"}'), /unknown tag "regexp"/],
  ['unknown tag, case differs', prefixed('T', '{"$t":"Date","v":0}'), /unknown tag "Date"/],
  ['tag name not a string', prefixed('T', '{"$t":1,"v":1}'), /not a string/],
  ['tag without payload', prefixed('T', '{"$t":"date"}'), /exactly the keys/],
  ['tag with an extra key', prefixed('T', '{"$t":"date","v":0,"x":1}'), /exactly the keys/],
  ['tag with a wrong payload key', prefixed('T', '{"$t":"date","w":0}'), /exactly the keys/],
  ['date: string payload', prefixed('T', '{"$t":"date","v":"2020-01-01"}'), /"date" tag/],
  ['date: fractional ms', prefixed('T', '{"$t":"date","v":1.5}'), /"date" tag/],
  ['date: out of range', prefixed('T', '{"$t":"date","v":8640000000000001}'), /"date" tag/],
  ['bigint: number payload', prefixed('T', '{"$t":"bigint","v":1}'), /"bigint" tag/],
  ['bigint: not an integer', prefixed('T', '{"$t":"bigint","v":"1.5"}'), /"bigint" tag/],
  ['bigint: leading zero', prefixed('T', '{"$t":"bigint","v":"01"}'), /"bigint" tag/],
  ['bigint: minus zero', prefixed('T', '{"$t":"bigint","v":"-0"}'), /"bigint" tag/],
  ['bigint: hex', prefixed('T', '{"$t":"bigint","v":"0x10"}'), /"bigint" tag/],
  ['bigint: empty', prefixed('T', '{"$t":"bigint","v":""}'), /"bigint" tag/],
  ['bytes: number payload', prefixed('T', '{"$t":"bytes","v":12}'), /"bytes" tag/],
  ['bytes: invalid characters', prefixed('T', '{"$t":"bytes","v":"ab$d"}'), /base64/],
  ['bytes: missing padding', prefixed('T', '{"$t":"bytes","v":"QQ"}'), /base64/],
  ['bytes: url-safe alphabet', prefixed('T', '{"$t":"bytes","v":"-_-_"}'), /base64/],
  ['bytes: whitespace', prefixed('T', '{"$t":"bytes","v":"QUJD REVG"}'), /base64/],
  ['bytes: non-zero unused bits (==)', prefixed('T', '{"$t":"bytes","v":"QR=="}'), /base64/],
  ['bytes: non-zero unused bits (=)', prefixed('T', '{"$t":"bytes","v":"QUJ="}'), /base64/],
  ['num: unknown name', prefixed('T', '{"$t":"num","v":"nan"}'), /"num" tag/],
  ['num: a plain number', prefixed('T', '{"$t":"num","v":1}'), /"num" tag/],
  ['map: payload not an array', prefixed('T', '{"$t":"map","v":{}}'), /"map" tag/],
  ['map: pair of three', prefixed('T', '{"$t":"map","v":[[1,2,3]]}'), /"map" tag/],
  ['map: pair not an array', prefixed('T', '{"$t":"map","v":[1]}'), /"map" tag/],
  ['map: duplicate keys', prefixed('T', '{"$t":"map","v":[[1,"a"],[1,"b"]]}'), /duplicate/],
  ['set: payload not an array', prefixed('T', '{"$t":"set","v":"ab"}'), /"set" tag/],
  ['set: duplicate members', prefixed('T', '{"$t":"set","v":[1,1]}'), /duplicate/],
  ['undef: with a payload', prefixed('T', '[{"$t":"undef","v":null}]'), /"undef" tag/],
  ['undef: at the top level', prefixed('T', '{"$t":"undef"}'), /only allowed/],
  ['undef: as an object property', prefixed('T', '{"a":{"$t":"undef"}}'), /only allowed/],
  ['obj: payload not an array', prefixed('T', '{"$t":"obj","v":{"a":1}}'), /"obj" tag/],
  ['obj: non-string key', prefixed('T', '{"$t":"obj","v":[[1,2]]}'), /keys must be strings/],
  ['obj: duplicate keys', prefixed('T', '{"$t":"obj","v":[["a",1],["a",2]]}'), /duplicate/],
  ['obj: undef value', prefixed('T', '{"$t":"obj","v":[["a",{"$t":"undef"}]]}'), /only allowed/],
  ['malformed tag deep inside', prefixed('T', '[1,{"a":[{"$t":"set","v":1}]}]'), /"set" tag/],
]

describe('jsonEncoder decode rejects corrupt input', () => {
  it.each(corrupt)('%s', (_name, bytes, message) => {
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

  it('throws a SyntaxError for invalid JSON and keeps the parser error as cause', () => {
    let thrown: unknown
    try {
      enc.decode(prefixed('J', '{"a":'))
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(SyntaxError)
    expect((thrown as Error).cause).toBeInstanceOf(SyntaxError)
  })

  it('rejects every truncation of a tagged payload', () => {
    const bytes = enc.encode({ d: new Date(0), m: new Map([[1n, new Set([Number.NaN])]]) })
    for (let length = 0; length < bytes.length; length++) {
      expect(() => enc.decode(bytes.subarray(0, length)), `length ${length}`).toThrow()
    }
  })
})

describe('jsonEncoder decodeVerified', () => {
  const verified = enc.decodeVerified?.bind(enc) as NonNullable<typeof enc.decodeVerified>
  /** `bytes` inside a larger buffer, with its bounds. */
  const embedded = (bytes: Uint8Array): [Uint8Array, number, number] => {
    const out = new Uint8Array(bytes.byteLength + 7).fill(0x5d)
    out.set(bytes, 3)
    return [out, 3, 3 + bytes.byteLength]
  }
  const utf8Only = new Set([
    'invalid UTF-8 byte 0xff',
    'overlong UTF-8 encoding',
    'UTF-8 surrogate code point',
    'UTF-8 sequence cut in the middle',
  ])

  it.each(corrupt.filter(([name]) => !utf8Only.has(name)))(
    'refuses %s as decode does',
    (_name, bytes, message) => {
      expect(() => verified(...embedded(bytes))).toThrow(message)
    },
  )

  it('reads only its range of the buffer', () => {
    const bytes = enc.encode({ d: new Date(7), s: new Set(['é']) })
    expect(verified(...embedded(bytes))).toEqual({ d: new Date(7), s: new Set(['é']) })
    expect(() => verified(bytes, 0, bytes.length - 1)).toThrow(/not valid JSON/)
  })

  it('leaves UTF-8 validity to the envelope checksum: every bit flip of a stored entry is refused', () => {
    const pipeline = new ValuePipeline(createEncodingRegistry({ default: enc }), [])
    const meta = { createdAt: 1, expiresAt: 2, staleUntil: undefined, negative: false }
    const entry = pipeline.encode({ text: 'ü€😀' }, meta, {
      namespace: 'ns',
      key: 'k',
    }) as Uint8Array
    expect(pipeline.decodeEntry(entry, 'ns', 'k')).toMatchObject({
      value: { text: 'ü€😀' },
    })
    for (let i = 0; i < entry.byteLength; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(entry)
        copy[i] = (copy[i] as number) ^ (1 << bit)
        expect(() => pipeline.decodeEntry(copy, 'ns', 'k')).toThrow(CacheDecodeError)
      }
    }
  })
})

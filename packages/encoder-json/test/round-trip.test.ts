import { exactShape as shape } from '@cacheport/conformance'
import { describe, expect, it } from 'vitest'
import { jsonEncoder } from '../src/index.js'

const enc = jsonEncoder()

interface Case {
  readonly name: string
  readonly value: unknown
  /** What decoding gives back when it is not `value` itself. */
  readonly expected?: unknown
}

function bytesOf(...values: number[]): Uint8Array {
  return new Uint8Array(values)
}

function fromJson(text: string): unknown {
  return JSON.parse(text)
}

const HUGE = 2n ** 512n + 12345n

const cases: readonly Case[] = [
  // Plain JSON
  { name: 'null', value: null },
  { name: 'true', value: true },
  { name: 'false', value: false },
  { name: 'zero', value: 0 },
  { name: 'integer', value: 42 },
  { name: 'negative float', value: -1.5 },
  { name: 'large float', value: 1.7976931348623157e308 },
  { name: 'tiny float', value: 5e-324 },
  { name: 'empty string', value: '' },
  { name: 'string', value: 'hello "world"\n\t\\' },
  { name: 'empty array', value: [] },
  { name: 'empty object', value: {} },
  {
    name: 'nested plain object',
    value: { a: 1, b: [true, null, 'x', { c: [] }], d: { e: { f: -2.5 } } },
  },
  { name: 'object with numeric-like keys', value: { '2': 'b', '1': 'a', x: 'c' } },

  // Date
  { name: 'Date now', value: new Date() },
  { name: 'Date epoch', value: new Date(0) },
  { name: 'Date before epoch', value: new Date(-1) },
  { name: 'Date at max', value: new Date(8.64e15) },
  { name: 'Date at min', value: new Date(-8.64e15) },
  { name: 'invalid Date', value: new Date(Number.NaN) },

  // BigInt
  { name: 'BigInt zero', value: 0n },
  { name: 'BigInt positive', value: 1n },
  { name: 'BigInt negative', value: -9007199254740993n },
  { name: 'BigInt huge', value: HUGE },
  { name: 'BigInt huge negative', value: -HUGE },

  // Bytes
  { name: 'empty Uint8Array', value: new Uint8Array(0) },
  { name: 'Uint8Array, 1 byte (== padding)', value: bytesOf(0xfb) },
  { name: 'Uint8Array, 2 bytes (= padding)', value: bytesOf(0xff, 0xfe) },
  { name: 'Uint8Array, 3 bytes (no padding)', value: bytesOf(0, 127, 255) },
  { name: 'Uint8Array, all byte values', value: Uint8Array.from({ length: 256 }, (_, i) => i) },
  {
    name: 'Uint8Array view with an offset (only the view is kept)',
    value: bytesOf(9, 9, 1, 2, 3, 9).subarray(2, 5),
    expected: bytesOf(1, 2, 3),
  },
  {
    name: 'Buffer (decoded as Uint8Array)',
    value: Buffer.from('héllo', 'utf8'),
    expected: new Uint8Array(Buffer.from('héllo', 'utf8')),
  },

  // Map
  { name: 'empty Map', value: new Map() },
  {
    name: 'Map in insertion order',
    value: new Map<unknown, unknown>([
      ['z', 1],
      ['a', 2],
      ['m', 3],
    ]),
  },
  {
    name: 'Map with keys of every type',
    value: new Map<unknown, unknown>([
      [1, 'number'],
      ['1', 'string'],
      [1n, 'bigint'],
      [Number.NaN, 'NaN'],
      [true, 'boolean'],
      [null, 'null'],
      [undefined, 'undefined'],
      [new Date(5), 'date'],
      [{ k: 'object' }, 'object'],
      [['array'], 'array'],
      [new Map([[1, 2]]), 'map'],
    ]),
  },
  {
    name: 'Map with undefined and special values',
    value: new Map<unknown, unknown>([
      ['u', undefined],
      ['n', -0],
      ['i', Number.NEGATIVE_INFINITY],
    ]),
  },

  // Set
  { name: 'empty Set', value: new Set() },
  { name: 'Set in insertion order', value: new Set(['c', 'a', 'b']) },
  {
    name: 'Set of mixed members',
    value: new Set<unknown>([1, '1', 1n, Number.NaN, undefined, null, { a: 1 }, [1], new Date(1)]),
  },

  // Numbers JSON cannot hold
  { name: 'NaN', value: Number.NaN },
  { name: 'Infinity', value: Number.POSITIVE_INFINITY },
  { name: '-Infinity', value: Number.NEGATIVE_INFINITY },
  { name: '-0', value: -0 },
  {
    name: 'special numbers nested',
    value: { a: [Number.NaN, -0, 0], b: { c: Number.POSITIVE_INFINITY } },
  },

  // undefined and holes
  { name: 'undefined in an array', value: [undefined, 1, undefined] },
  // biome-ignore lint/suspicious/noSparseArray: the hole is the point of the case
  { name: 'array hole (becomes undefined)', value: [1, , 3], expected: [1, undefined, 3] },
  {
    name: 'undefined object property (dropped, as JSON does)',
    value: { a: 1, b: undefined, c: new Date(0) },
    expected: { a: 1, c: new Date(0) },
  },
  {
    name: 'undefined property of a plain object (dropped, plain path)',
    value: { a: undefined, b: 2 },
    expected: { b: 2 },
  },

  // Unicode
  { name: 'astral characters', value: '😀 𝄞 𠜎 👩‍👩‍👧' },
  { name: 'lone high surrogate', value: 'a\ud83db' },
  { name: 'lone low surrogate', value: '\udfff' },
  { name: 'reversed surrogate pair', value: '\ude00\ud83d' },
  { name: 'control characters and separators', value: '\u0000\u001f\u2028\u2029\ufeff' },
  {
    name: 'unicode keys and values with a special type',
    value: { 'clé 😀': 'välue', '\ud800': new Date(3), nested: ['\udc00', 1n] },
  },

  // Objects that look like tags
  { name: 'tag lookalike: date', value: { $t: 'date', v: 0 } },
  { name: 'tag lookalike: undef', value: { $t: 'undef' } },
  { name: 'tag lookalike: obj', value: { $t: 'obj', v: [['a', 1]] } },
  { name: 'tag lookalike: unknown tag', value: { $t: 'Date', v: '2020-01-01T00:00:00.000Z' } },
  { name: 'tag lookalike: non-string tag', value: { $t: 1, v: 2, w: 3 } },
  {
    name: 'tag lookalike nested next to real tags',
    value: {
      when: new Date(7),
      fake: { $t: 'date', v: 7 },
      list: [{ $t: 'bigint', v: '1' }, 1n],
      map: new Map<unknown, unknown>([
        [
          { $t: 'map', v: [] },
          { $t: 'set', v: [] },
        ],
      ]),
    },
  },
  {
    name: 'tag lookalike with special values inside',
    value: { $t: 'num', v: Number.NaN, at: new Date(1), u: undefined },
    expected: { $t: 'num', v: Number.NaN, at: new Date(1) },
  },
  { name: 'dollar keys that are not the tag key', value: { $: 1, $$t: 2, t: 3, $v: new Set([1]) } },

  // Prototype-related keys
  {
    name: 'own __proto__ key (plain)',
    value: fromJson('{"__proto__":{"polluted":true},"a":1}'),
  },
  {
    name: 'own __proto__ key next to a Date',
    value: Object.assign(fromJson('{"__proto__":{"polluted":true}}') as object, {
      d: new Date(1),
    }),
  },
  {
    name: 'own __proto__ key in an escaped object',
    value: fromJson('{"$t":"x","__proto__":{"polluted":true}}'),
  },
  {
    name: 'null-prototype object (decoded as a plain object)',
    value: Object.assign(Object.create(null) as object, { a: 1, d: new Date(2) }),
    expected: { a: 1, d: new Date(2) },
  },

  // Everything together
  {
    name: 'nested combination of every type',
    value: {
      user: { id: 1n << 70n, name: 'Zoë 🚀', joined: new Date(1_700_000_000_000) },
      avatar: Buffer.from([1, 2, 3]),
      scores: new Map<unknown, unknown>([
        ['a', [1, Number.NaN, { deep: new Set([new Date(0), new Uint8Array([4])]) }]],
        [new Date(9), new Map([[undefined, [undefined, -0]]])],
      ]),
      flags: new Set([Number.POSITIVE_INFINITY, 'x', null]),
      escaped: { $t: 'set', v: [new Date(4)] },
      plain: { a: [1, 2, { b: 'c' }] },
    },
    expected: {
      user: { id: 1n << 70n, name: 'Zoë 🚀', joined: new Date(1_700_000_000_000) },
      avatar: bytesOf(1, 2, 3),
      scores: new Map<unknown, unknown>([
        ['a', [1, Number.NaN, { deep: new Set([new Date(0), new Uint8Array([4])]) }]],
        [new Date(9), new Map([[undefined, [undefined, -0]]])],
      ]),
      flags: new Set([Number.POSITIVE_INFINITY, 'x', null]),
      escaped: { $t: 'set', v: [new Date(4)] },
      plain: { a: [1, 2, { b: 'c' }] },
    },
  },
]

describe('jsonEncoder round trip', () => {
  it.each(cases)('$name', ({ value, ...rest }) => {
    const expected = 'expected' in rest ? rest.expected : value
    const decoded = enc.decode(enc.encode(value))
    expect(shape(decoded)).toEqual(shape(expected))
    expect(decoded).toStrictEqual(expected)
  })

  it('returns the same bytes for the same value (deterministic)', () => {
    const value = { a: new Date(1), b: new Map([[1, new Set([2n])]]) }
    expect(enc.encode(value)).toEqual(enc.encode(value))
  })

  it('decodes Buffers as plain Uint8Arrays that own their memory', () => {
    const decoded = enc.decode(enc.encode(Buffer.from('abc')))
    expect(Object.getPrototypeOf(decoded)).toBe(Uint8Array.prototype)
    expect(decoded).toBeInstanceOf(Uint8Array)
    expect((decoded as Uint8Array).byteOffset).toBe(0)
    expect((decoded as Uint8Array).buffer.byteLength).toBe(3)
  })

  it('keeps -0 apart from 0, also inside arrays', () => {
    const decoded = enc.decode(enc.encode([-0, 0])) as number[]
    expect(Object.is(decoded[0], -0)).toBe(true)
    expect(Object.is(decoded[1], 0)).toBe(true)
  })

  it('decodes shared references as separate copies', () => {
    const shared = { n: 1 }
    const decoded = enc.decode(enc.encode({ a: shared, b: shared })) as Record<string, unknown>
    expect(decoded.a).toEqual(shared)
    expect(decoded.b).toEqual(shared)
    expect(decoded.a).not.toBe(decoded.b)
  })

  it('round-trips deep structures and shared objects below the cycle-check depth', () => {
    const leaf = { leaf: new Date(1) }
    const chain = (depth: number): unknown => {
      let node: unknown = { here: leaf, again: leaf }
      for (let i = 0; i < depth; i++) node = i % 2 === 0 ? [node, leaf] : { next: node }
      return node
    }
    const value = { left: chain(150), right: chain(100), mid: [chain(70), leaf] }
    expect(shape(enc.decode(enc.encode(value)))).toEqual(shape(value))
  })

  it('round-trips one deep object reached at a shallow and at a deep level', () => {
    const wrap = (node: unknown, depth: number): unknown => {
      let out = node
      for (let i = 0; i < depth; i++) out = { w: out }
      return out
    }
    const deep = wrap(new Date(1), 100)
    const value = [deep, wrap(deep, 70), wrap([deep], 10)]
    expect(shape(enc.decode(enc.encode(value)))).toEqual(shape(value))
  })

  it('does not mutate the value it encodes', () => {
    const value = { a: [undefined, new Date(1)], b: { $t: 'x' }, c: new Map([[1, Number.NaN]]) }
    const before = shape(value)
    enc.encode(value)
    expect(shape(value)).toEqual(before)
  })

  it('ignores enumerable properties inherited from a polluted Object.prototype', () => {
    Object.defineProperty(Object.prototype, 'injected', {
      value: 'x',
      enumerable: true,
      configurable: true,
      writable: true,
    })
    try {
      for (const value of [{ a: 1 }, { a: new Date(1) }, { a: { b: Number.NaN } }]) {
        const decoded = enc.decode(enc.encode(value)) as object
        expect(Object.keys(decoded)).toEqual(['a'])
        expect(shape(decoded)).toEqual(shape(value))
      }
    } finally {
      delete (Object.prototype as Record<string, unknown>).injected
    }
  })

  it('does not touch Object.prototype when decoding a __proto__ key', () => {
    const value = Object.assign(fromJson('{"__proto__":{"hacked":1}}') as object, {
      d: [new Date(1)],
    })
    const decoded = enc.decode(enc.encode(value))
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.hasOwn(decoded as object, '__proto__')).toBe(true)
    expect((decoded as Record<string, unknown>).hacked).toBeUndefined()
    expect(({} as Record<string, unknown>).hacked).toBeUndefined()
  })
})

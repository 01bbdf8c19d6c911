/** Tables shared by the tests of both modes. */

export const HUGE = 2n ** 512n + 12345n

export function bytesOf(...values: number[]): Uint8Array {
  return new Uint8Array(values)
}

export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A labelled round-trip case; `expected` is what decoding gives when it is not `value`. */
export interface RoundTripCase {
  readonly name: string
  readonly value: unknown
  readonly expected?: unknown
}

export const ROUND_TRIPS: readonly RoundTripCase[] = [
  { name: 'negative float', value: -1.5 },
  { name: 'large float', value: 1.7976931348623157e308 },
  { name: 'tiny float', value: 5e-324 },
  { name: 'integer beyond 32 bits', value: 2 ** 40 + 1 },
  { name: 'negative integer beyond 32 bits', value: -(2 ** 52) },
  { name: 'object with numeric-like keys', value: { '2': 'b', '1': 'a', x: 'c' } },
  { name: 'Date now', value: new Date() },
  { name: 'Date epoch', value: new Date(0) },
  { name: 'Date with milliseconds', value: new Date(1_700_000_000_123) },
  { name: 'Date before epoch', value: new Date(-1) },
  { name: 'Date in year 9999', value: new Date('9999-12-31T23:59:59.999Z') },
  { name: 'invalid Date', value: new Date(Number.NaN) },
  { name: 'BigInt zero', value: 0n },
  { name: 'BigInt small', value: 5n },
  { name: 'BigInt 2^64 - 1', value: 2n ** 64n - 1n },
  { name: 'BigInt 2^64', value: 2n ** 64n },
  { name: 'BigInt negative', value: -9007199254740993n },
  { name: 'BigInt -2^64', value: -(2n ** 64n) },
  { name: 'BigInt -2^64 - 1', value: -(2n ** 64n) - 1n },
  { name: 'BigInt huge', value: HUGE },
  { name: 'BigInt huge negative', value: -HUGE },
  { name: 'empty Uint8Array', value: new Uint8Array(0) },
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
  { name: 'empty Map', value: new Map() },
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
  { name: 'Map holding plain objects', value: new Map([['k', { a: { b: 1 } }]]) },
  { name: 'empty Set', value: new Set() },
  {
    name: 'Set of mixed members',
    value: new Set<unknown>([1, '1', 1n, Number.NaN, undefined, null, { a: 1 }, [1], new Date(1)]),
  },
  { name: 'NaN', value: Number.NaN },
  { name: 'Infinity', value: Number.POSITIVE_INFINITY },
  { name: '-Infinity', value: Number.NEGATIVE_INFINITY },
  { name: '-0', value: -0 },
  { name: '-0 next to integers', value: { a: [-0, 0, 1, 2 ** 40], b: new Map([[1, -0]]) } },
  { name: 'undefined in an array', value: [undefined, 1, undefined] },
  // biome-ignore lint/suspicious/noSparseArray: the hole is the point of the case
  { name: 'array hole (becomes undefined)', value: [1, , 3], expected: [1, undefined, 3] },
  { name: 'undefined object property (kept)', value: { a: 1, b: undefined } },
  { name: 'astral characters', value: '😀 𝄞 𠜎 👩‍👩‍👧' },
  { name: 'U+FFFD itself', value: 'a\ufffdb' },
  { name: 'long non-ASCII string', value: 'Zürich 東京 🚀 '.repeat(50) },
  { name: 'control characters and separators', value: '\u0000\u001f\u2028\u2029\ufeff' },
  { name: 'unicode keys', value: { 'clé 😀': 'välue', 東京: [1n] } },
  {
    name: 'null-prototype object (decoded as a plain object)',
    value: Object.assign(Object.create(null) as object, { a: 1, d: new Date(2) }),
    expected: { a: 1, d: new Date(2) },
  },
  {
    name: 'array of records of a few shapes',
    value: Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0 ? { id: i, at: new Date(i) } : i % 3 === 1 ? { id: i, name: `n${i}` } : { x: i },
    ),
  },
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
      plain: { a: [1, 2, { b: 'c' }] },
    },
  },
]

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

function selfReferencing(): unknown {
  const obj: Record<string, unknown> = { a: 1 }
  obj.self = obj
  return obj
}

/** Values both modes refuse, with the message they must give. */
export const UNENCODABLE: readonly [string, () => unknown, RegExp][] = [
  ['top-level undefined', () => undefined, /undefined/],
  ['a function', () => () => 1, /a function at \$$/],
  ['a function property', () => ({ a: { f() {} } }), /a function at \$\.a\.f/],
  ['a function in a Set', () => new Set([Math.max]), /a function at \$<set member>/],
  ['a symbol', () => Symbol('s'), /a symbol at \$$/],
  ['a symbol as a Map key', () => new Map([[Symbol('k'), 1]]), /a symbol at \$<map key>/],
  ['a self-referencing object', selfReferencing, /circular.*\$\.self refers back to \$$/],
  ['a class instance', () => ({ p: new Point(1, 2) }), /an instance of Point at \$\.p/],
  ['a RegExp', () => [/x/], /a RegExp at \$\[0\]/],
  ['an Error', () => new Error('x'), /an Error at \$/],
  ['a Promise', () => Promise.resolve(1), /a Promise/],
  ['a WeakMap', () => new WeakMap(), /a WeakMap/],
  ['another typed array', () => new Float64Array(2), /a Float64Array/],
  ['an ArrayBuffer', () => new ArrayBuffer(4), /an ArrayBuffer/],
  ['a DataView', () => new DataView(new ArrayBuffer(4)), /a DataView/],
  ['a boxed string', () => ({ s: Object('x') }), /a String at \$\.s/],
  ['an array subclass', () => ({ l: new (class List extends Array {})() }), /an Array/],
  ['a Map subclass', () => new (class Dict extends Map {})(), /a Map/],
  ['a lone surrogate', () => ({ s: 'a\ud83db' }), /lone surrogate at \$\.s/],
  ['a long string with a lone surrogate', () => [`${'x'.repeat(100)}\udfff`], /lone surrogate/],
  ['a lone surrogate in a key', () => ({ '\ud800': 1 }), /lone surrogate/],
  [
    'an own __proto__ key',
    () => ({ a: JSON.parse('{"__proto__":{"x":1}}') as unknown }),
    /"__proto__" key at \$\.a/,
  ],
  ['a Date too far from 1970', () => new Date(4_460_679_512_635_113), /Date .* exactly/],
]

import { bytesOf, concat, hex } from './fixtures.js'

const utf8 = new TextEncoder()

/** Refused by both modes: [name, bytes, message]. */
export const CORRUPT_BOTH: readonly [string, Uint8Array, RegExp][] = [
  ['empty bytes', new Uint8Array(0), /empty/],
  ['a header without its argument', hex('19 01'), /truncated/],
  ['a string cut short', hex('65 68 65 6c'), /truncated/],
  ['an array cut short', hex('83 01 02'), /truncated/],
  ['a byte string claiming 4 GB', hex('5a ff ff ff ff 00'), /truncated/],
  ['an array claiming 2^64 items', hex('9b ff ff ff ff ff ff ff ff 00'), /truncated/],
  ['trailing garbage after a complete item', hex('a1 61 61 01 00'), /1 trailing bytes/],
  ['two complete items', hex('01 02'), /trailing/],
  ['plain text (not CBOR)', utf8.encode('hello world'), /trailing|truncated/],
  ['JSON text (not CBOR)', utf8.encode('{"a":1}'), /truncated/],
  ['a lone break code', hex('ff'), /break/],
  ['an indefinite-length array', hex('9f 01 ff'), /indefinite/],
  ['an indefinite-length string', hex('7f 61 61 ff'), /indefinite/],
  ['a reserved additional information', hex('1c'), /reserved/],
  ['a one-byte simple value', hex('f8 20'), /simple value/],
  ['an unassigned simple value', hex('f0'), /simple value/],
  ['undefined at the top level', hex('f7'), /undefined at the top level/],
  ['tag 27 (Error / RegExp object)', hex('d8 1b 82 65 45 72 72 6f 72 61 6d'), /tag 27/],
  ['tag 27 calling a prototype method', hex('d8 1b 82 68 74 6f 53 74 72 69 6e 67 00'), /tag 27/],
  ['tag 64 (tagged Uint8Array)', hex('d8 40 42 01 02'), /tag 64/],
  ['tag 82 (Float64Array)', hex('d8 52 48 00 00 00 00 00 00 00 00'), /tag 82/],
  ['tag 28/29 (shared references)', hex('d8 1c 81 d8 1d 00'), /tag 28/],
  ['tag 29 without a shared value', hex('d8 1d 00'), /tag 29/],
  ['tag 0 (date string)', hex('c0 64 32 30 32 30'), /tag 0/],
  ['tag 6 (packed reference)', hex('c6 00'), /tag 6/],
  ['tag 51 (packed table)', hex('d8 33 84 81 61 61 80 80 e0'), /tag 51/],
  ['tag 55799 (self-described CBOR)', hex('d9 d9 f7 01'), /tag 55799/],
  ['an unknown tag', hex('d9 03 e7 00'), /tag 999/],
  ['cbor-x bundled strings tag', hex('d9 df f9 82 1a 00 00 00 00 60'), /tag 57337/],
  ['a Date tag holding a string', hex('c1 61 61'), /epoch seconds/],
  ['a Date tag holding a float32', hex('c1 fa 3f 80 00 00'), /epoch seconds/],
  ['a BigInt tag holding an integer', hex('c2 01'), /byte string/],
  ['a Set tag holding a map', hex('d9 01 02 a0'), /Set .* not an array/],
  ['invalid UTF-8 byte 0xff', hex('62 61 ff'), /UTF-8/],
  ['overlong UTF-8 encoding', hex('62 c0 af'), /UTF-8/],
  ['UTF-8 surrogate code point', hex('63 ed a0 80'), /UTF-8/],
  ['UTF-8 above U+10FFFF', hex('64 f4 90 80 80'), /UTF-8/],
  ['UTF-8 sequence cut at the end of the string', hex('82 62 61 e2 61 62'), /UTF-8/],
  [
    'invalid UTF-8 in a long string',
    concat(hex('78 40'), utf8.encode('x'.repeat(63)), bytesOf(0x80)),
    /UTF-8/,
  ],
  ['invalid UTF-8 in an object key', hex('a1 61 ff 01'), /UTF-8/],
]

/** Refused by the `cbor` encoder. */
export const CORRUPT_MAP_MODE: readonly [string, Uint8Array, RegExp][] = [
  ['an object key that is not a string', hex('a1 01 02'), /key .* not a string/],
  ['a Map tag holding an array', hex('d9 01 03 80'), /Map .* not a map/],
  ['a cbor-x record definition', hex('d9 df ff 83 19 e0 00 81 61 61 01'), /tag 57343/],
  ['a cbor-x record reference', hex('d9 e0 00 81 01'), /tag 57344/],
]

/** Refused by the `cbor-rec` encoder. */
export const CORRUPT_RECORD_MODE: readonly [string, Uint8Array, RegExp][] = [
  [
    'a record reference without a definition in the value (shared structures)',
    hex('d9 e0 00 82 01 02'),
    /not defined before/,
  ],
  [
    'a record reference to another id than the one defined',
    hex('82 d9 df ff 83 19 e0 00 81 61 61 01 d9 e0 01 81 02'),
    /record 1, which is not defined before/,
  ],
  ['a record with more values than keys', hex('d9 df ff 84 19 e0 00 81 61 61 01 02'), /counts/],
  [
    'a record reference with fewer values than keys',
    hex('82 d9 df ff 84 19 e0 00 82 61 61 61 62 01 02 d9 e0 00 81 01'),
    /value count/,
  ],
  ['a record id out of range', hex('d9 df ff 83 19 e1 00 81 61 61 01'), /out of range/],
  ['a record id that is not a number', hex('d9 df ff 83 61 61 81 61 61 01'), /not a number/],
  ['a record key that is not a string', hex('d9 df ff 83 19 e0 00 81 01 01'), /not a string/],
  ['a record definition that is not an array', hex('d9 df ff a0'), /not an array/],
  ['tag 259 (records mode writes Maps untagged)', hex('d9 01 03 a0'), /tag 259/],
]

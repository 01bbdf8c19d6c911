import { runEncoderConformance } from '@cacheport/conformance'
import { jsonEncoder } from '@cacheport/encoder-json'

runEncoderConformance({
  name: 'json',
  encoder: jsonEncoder(),
  roundTrip: [
    ['a Date', new Date(Date.UTC(2026, 10, 24, 12, 0, 0, 123))],
    ['a BigInt', -(2n ** 100n)],
    ['bytes', new Uint8Array([0, 1, 254, 255])],
    [
      'a Map with non-string keys',
      new Map<unknown, unknown>([
        [1, 'one'],
        [true, { nested: [1n] }],
      ]),
    ],
    ['a Set', new Set(['a', 1, null])],
    ['NaN and infinities', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
    ['an object that looks like a tag', { $t: 'date', v: 0 }],
  ],
  corrupt: [
    ['empty input', new Uint8Array(0)],
    ['an unknown format byte', Buffer.from('X{}')],
    ['truncated JSON', Buffer.from('J{"a":')],
    ['an unknown tag', Buffer.from('T{"$t":"nope","v":1}')],
    ['invalid UTF-8', new Uint8Array([0x4a, 0x22, 0xff, 0x22])],
  ],
  // decodeVerified reads bytes the envelope's checksum vouched for: UTF-8 validity is the
  // checksum's job there, everything encode never writes is still refused.
  corruptVerified: [
    ['empty input', new Uint8Array(0)],
    ['an unknown format byte', Buffer.from('X{}')],
    ['truncated JSON', Buffer.from('J{"a":')],
    ['an unknown tag', Buffer.from('T{"$t":"nope","v":1}')],
  ],
  unencodable: [
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['top-level undefined', undefined],
  ],
})

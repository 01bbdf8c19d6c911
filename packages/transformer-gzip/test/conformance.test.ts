import { runTransformerConformance } from '@cacheport/conformance'
import { TransformerPriority } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { type GzipFormat, gzipTransformer } from '../src/index.js'
import { deflateBomb, flipBit, json } from './helpers.js'

const context = { namespace: 'conformance', key: 'some:key' }

for (const format of ['gzip', 'deflate'] as const satisfies readonly GzipFormat[]) {
  const transformer = gzipTransformer({ format })
  const sample = transformer.encode(json(4096), context)
  if (sample === null) throw new Error('the sample did not compress')
  const { bytes } = sample
  const end = bytes.length
  const gzipOnly: [string, { bytes: Uint8Array }][] =
    format === 'gzip'
      ? [
          ['a wrong magic number', { bytes: flipBit(bytes, 0) }],
          ['an unknown method', { bytes: flipBit(bytes, 2) }],
          ['a reserved flag bit', { bytes: flipBit(bytes, 3, 7) }],
          ['a flipped CRC-32 bit', { bytes: flipBit(bytes, -5) }],
          ['a flipped size bit', { bytes: flipBit(bytes, -1) }],
          ['a trailer declaring more than the cap', { bytes: flipBit(bytes, -1, 7) }],
          ['an extra trailing byte', { bytes: Buffer.concat([bytes, Buffer.of(0)]) }],
          ['the header alone', { bytes: bytes.subarray(0, 10) }],
          [
            'header and trailer without a body',
            { bytes: Buffer.concat([bytes.subarray(0, 10), bytes.subarray(-8)]) },
          ],
          ['two members', { bytes: Buffer.concat([bytes, bytes]) }],
          ['a flipped bit in the compressed body', { bytes: flipBit(bytes, 40) }],
        ]
      : [
          ['a reserved block type', { bytes: Buffer.concat([Buffer.of(0x07), bytes.subarray(1)]) }],
          ['a stream over the cap', { bytes: deflateBomb(65) }],
          ['an extra trailing byte', { bytes: Buffer.concat([bytes, Buffer.of(0)]) }],
          ['two streams back to back', { bytes: Buffer.concat([bytes, bytes]) }],
        ]
  runTransformerConformance({
    name: format,
    transformer,
    inputs: [
      ['511 bytes of JSON (below minBytes, passes through)', json(511)],
      ['512 bytes of JSON (compressed)', json(512)],
    ],
    corrupt: [
      ['empty bytes', { bytes: new Uint8Array(0) }],
      ['the stream cut short by one byte', { bytes: bytes.subarray(0, end - 1) }],
      ['the stream cut in half', { bytes: bytes.subarray(0, end >> 1) }],
      ['zstd bytes', { bytes: Buffer.from('28b52ffd2000010000', 'hex') }],
      ['a parameter it never writes', { bytes, param: Buffer.from('x') }],
      ...gzipOnly,
    ],
  })

  runTransformerConformance({
    name: `${format} with minBytes 0 and level 9`,
    transformer: gzipTransformer({ format, minBytes: 0, level: 9 }),
  })

  describe(`${format}: the corrupt table above`, () => {
    it('starts from a sample that decodes', () => {
      expect(Buffer.from(transformer.decode(bytes, undefined, context)).equals(json(4096))).toBe(
        true,
      )
    })

    it(`is the compression stage, id ${format}`, () => {
      expect(transformer.id).toBe(format)
      expect(transformer.priority).toBe(TransformerPriority.compression)
    })
  })
}

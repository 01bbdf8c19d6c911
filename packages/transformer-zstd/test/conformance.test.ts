import { runTransformerConformance } from '@cacheport/conformance'
import { TransformerPriority } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { zstdTransformer } from '../src/index.js'
import { flipBit, json, rleFrame } from './frames.js'

const context = { namespace: 'conformance', key: 'some:key' }
const transformer = zstdTransformer()
const sample = await transformer.encode(json(4096), context)
if (sample === null) throw new Error('the sample did not compress')
const { bytes } = sample
const end = bytes.length

runTransformerConformance({
  name: `zstd (${transformer.implementation})`,
  transformer,
  inputs: [
    ['511 bytes of JSON (below minBytes, passes through)', json(511)],
    ['512 bytes of JSON (compressed)', json(512)],
  ],
  corrupt: [
    ['empty bytes', { bytes: new Uint8Array(0) }],
    ['a wrong magic number', { bytes: flipBit(bytes, 0) }],
    ['a reserved header bit', { bytes: flipBit(bytes, 4, 3) }],
    ['the frame cut short by one byte', { bytes: bytes.subarray(0, end - 1) }],
    ['the frame header alone', { bytes: bytes.subarray(0, 6) }],
    ['an extra trailing byte', { bytes: Buffer.concat([bytes, Buffer.of(0)]) }],
    ['a second, truncated frame', { bytes: Buffer.concat([bytes, bytes.subarray(0, 9)]) }],
    ['gzip bytes', { bytes: Buffer.from('1f8b0800000000000003030000000000000000', 'hex') }],
    ['a dictionary id this transformer lacks', { bytes, param: new Uint8Array(8).fill(7) }],
    ['a parameter that is not a dictionary id', { bytes, param: Buffer.from('xyz') }],
    ['an RLE frame over the cap', { bytes: rleFrame({ blocks: 513 }) }],
    [
      'a header declaring less than its blocks produce',
      { bytes: rleFrame({ blocks: 4, declare: 1000 }) },
    ],
  ],
})

runTransformerConformance({
  name: 'zstd with minBytes 0',
  transformer: zstdTransformer({ minBytes: 0 }),
})

runTransformerConformance({
  name: 'zstd with a dictionary',
  transformer: zstdTransformer({ dictionary: json(2048) }),
})

runTransformerConformance({
  name: 'zstd forced to the wasm fallback',
  transformer: zstdTransformer({ implementation: 'wasm', level: 19 }),
})

describe('the corrupt table above', () => {
  it('starts from a sample that decodes', async () => {
    const back = await transformer.decode(bytes, undefined, context)
    expect(Buffer.from(back).equals(json(4096))).toBe(true)
  })

  it('is the compression stage, id zstd', () => {
    expect(transformer.id).toBe('zstd')
    expect(transformer.priority).toBe(TransformerPriority.compression)
  })
})

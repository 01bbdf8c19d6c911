import { seededBytes } from '@cacheport/conformance'
import { CacheDecodeError } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { readFrames, type ZstdImplementation, zstdTransformer } from '../src/index.js'
import { json, onNode22 } from './frames.js'

const implementations: ZstdImplementation[] = onNode22 ? ['wasm', 'node:zlib'] : ['wasm']

const context = { namespace: 'ns', key: 'k' }

async function decodeError(promise: () => unknown): Promise<Error> {
  try {
    await promise()
  } catch (error) {
    return error as Error
  }
  throw new Error('decode succeeded')
}

describe('zstdTransformer', () => {
  it('passes values shorter than minBytes through (encode returns null)', async () => {
    const t = zstdTransformer({ minBytes: 1000 })
    expect(await t.encode(json(999), context)).toBeNull()
    expect(await t.encode(json(1000), context)).not.toBeNull()
  })

  it('passes values through that zstd does not make smaller', async () => {
    const t = zstdTransformer({ minBytes: 0 })
    const random = seededBytes(2048)
    expect(await t.encode(random, context)).toBeNull()
  })

  it('writes one standard frame that declares its content size', async () => {
    const t = zstdTransformer()
    const input = json(10_000)
    const result = (await t.encode(input, context))!
    expect(Buffer.from(result.bytes.subarray(0, 4)).toString('hex')).toBe('28b52ffd')
    expect(result.param).toBeUndefined()
    const info = readFrames(result.bytes)
    expect(info.frames).toHaveLength(1)
    expect(info.exact).toBe(true)
    expect(info.bound).toBe(input.length)
  })

  it('compresses smaller at higher levels and every level round-trips', async () => {
    const input = json(200_000)
    const sizes: number[] = []
    for (const level of [1, 3, 9, 19]) {
      const t = zstdTransformer({ level })
      const result = (await t.encode(input, context))!
      sizes.push(result.bytes.length)
      const back = await t.decode(result.bytes, result.param, context)
      expect(Buffer.from(back).equals(input)).toBe(true)
    }
    expect(sizes[3]).toBeLessThan(sizes[0] as number)
  })

  it('reads entries written at any level, whatever its own level', async () => {
    const written = (await zstdTransformer({ level: 19 }).encode(json(5000), context))!
    const back = await zstdTransformer({ level: 1 }).decode(written.bytes, undefined, context)
    expect(Buffer.from(back).equals(json(5000))).toBe(true)
  })

  it('reads back multiple concatenated frames', async () => {
    const t = zstdTransformer()
    const a = (await t.encode(json(3000), context))!
    const b = (await t.encode(json(5000), context))!
    const back = await t.decode(Buffer.concat([a.bytes, b.bytes]), undefined, context)
    expect(Buffer.from(back).equals(Buffer.concat([json(3000), json(5000)]))).toBe(true)
  })

  it('skips skippable frames', async () => {
    const t = zstdTransformer()
    const a = (await t.encode(json(3000), context))!
    const skippable = Buffer.from('502a4d1803000000616263', 'hex')
    const back = await t.decode(Buffer.concat([skippable, a.bytes]), undefined, context)
    expect(Buffer.from(back).equals(json(3000))).toBe(true)
  })

  it('reports corrupt input as CacheDecodeError with a clear message', async () => {
    const t = zstdTransformer()
    const error = await decodeError(() =>
      t.decode(Buffer.from('not zstd at all'), undefined, context),
    )
    expect(error).toBeInstanceOf(CacheDecodeError)
    expect(error.message).toMatch(/zstd entry is corrupt: not a valid zstd frame: unknown magic/)
  })
})

describe.each(implementations)('zstdTransformer (%s) with a dictionary', (implementation) => {
  const dictionary = Buffer.from(json(4096))
  const other = Buffer.from(json(4096).toString().replaceAll('user', 'resu'))
  const input = Buffer.from(json(1500).toString().replaceAll('"id":', '"Id":'))

  it('round-trips and stores the dictionary id as the parameter', async () => {
    const t = zstdTransformer({ dictionary, implementation })
    const result = (await t.encode(input, context))!
    expect(result.param).toHaveLength(8)
    expect(Buffer.from(result.param!).toString('hex')).toBe(t.dictionaryId)
    const back = await t.decode(result.bytes, result.param, context)
    expect(Buffer.from(back).equals(input)).toBe(true)
  })

  it('compresses small values much better than without it', async () => {
    const withDict = (await zstdTransformer({ dictionary, implementation }).encode(
      json(1024),
      context,
    ))!
    const without = (await zstdTransformer({ implementation }).encode(json(1024), context))!
    expect(withDict.bytes.length).toBeLessThan(without.bytes.length * 0.75)
  })

  it('refuses an entry whose dictionary this transformer does not have', async () => {
    const result = (await zstdTransformer({ dictionary, implementation }).encode(input, context))!
    const error = await decodeError(() =>
      zstdTransformer({ dictionary: other, implementation }).decode(
        result.bytes,
        result.param,
        context,
      ),
    )
    expect(error).toBeInstanceOf(CacheDecodeError)
    expect(error.message).toMatch(
      /compressed with dictionary [0-9a-f]{16}, but this transformer's dictionary is [0-9a-f]{16}/,
    )
  })

  it('refuses a dictionary entry when it has no dictionary at all', async () => {
    const result = (await zstdTransformer({ dictionary, implementation }).encode(input, context))!
    const error = await decodeError(() =>
      zstdTransformer({ implementation }).decode(result.bytes, result.param, context),
    )
    expect(error.message).toMatch(/but this transformer has no dictionary/)
  })

  it('refuses a dictionary frame whose id parameter was lost, instead of returning garbage', async () => {
    const result = (await zstdTransformer({ dictionary, implementation }).encode(input, context))!
    await expect(
      Promise.resolve().then(() =>
        zstdTransformer({ implementation }).decode(result.bytes, undefined, context),
      ),
    ).rejects.toThrow(CacheDecodeError)
  })

  it('still reads entries written before the dictionary was configured', async () => {
    const plain = (await zstdTransformer({ implementation }).encode(input, context))!
    const back = await zstdTransformer({ dictionary, implementation }).decode(
      plain.bytes,
      plain.param,
      context,
    )
    expect(Buffer.from(back).equals(input)).toBe(true)
  })
})

import { seededBytes } from '@cacheport/conformance'
import { CacheDecodeError } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { zstdTransformer } from '../src/index.js'
import { flipBit, json, onNode22 } from './frames.js'

const context = { namespace: 'ns', key: 'k' }

describe('implementation choice', () => {
  if (!onNode22)
    it('uses the wasm fallback on a Node without node:zlib zstd', async () => {
      const t = zstdTransformer()
      expect(t.implementation).toBe('wasm')
      const result = (await t.encode(json(4096), context))!
      expect(Buffer.from(await t.decode(result.bytes, undefined, context)).equals(json(4096))).toBe(
        true,
      )
    })

  if (onNode22)
    it('uses node:zlib where Node has zstd', () => {
      expect(zstdTransformer().implementation).toBe('node:zlib')
      expect(zstdTransformer({ dictionary: json(1000) }).implementation).toBe('node:zlib')
      expect(zstdTransformer({ implementation: 'wasm' }).implementation).toBe('wasm')
    })
})

if (onNode22)
  describe('cross-implementation compatibility (Node 22)', () => {
    const inputs: [string, Buffer][] = [
      ['512 bytes of JSON', json(512)],
      ['100 KB of JSON', json(100 * 1024)],
      ['1 MiB of JSON', json(1024 * 1024)],
      [
        '1 MiB of JSON and random bytes',
        Buffer.concat([json(512 * 1024), seededBytes(512 * 1024)]),
      ],
    ]
    const dictionary = json(4096)
    const pairs = [
      ['wasm', 'node:zlib'],
      ['node:zlib', 'wasm'],
    ] as const

    for (const [writer, reader] of pairs) {
      for (const withDictionary of [false, true]) {
        const options = withDictionary ? { dictionary } : {}
        for (const [label, input] of inputs) {
          it(`${reader} reads ${label} written by ${writer}${withDictionary ? ' with a dictionary' : ''}`, async () => {
            const w = zstdTransformer({ ...options, implementation: writer })
            const r = zstdTransformer({ ...options, implementation: reader })
            expect([w.implementation, r.implementation]).toEqual([writer, reader])
            const result = (await w.encode(input, context))!
            expect(result).not.toBeNull()
            const back = await r.decode(result.bytes, result.param, context)
            expect(Buffer.from(back).equals(input)).toBe(true)
          })
        }
      }
    }

    it('writes a content checksum with node:zlib, which both decoders verify', async () => {
      const input = json(20_000)
      const result = (await zstdTransformer({ implementation: 'node:zlib' }).encode(
        input,
        context,
      ))!
      expect((result.bytes[4] as number) & 0x04).toBe(0x04)
      const broken = flipBit(result.bytes, -1)
      for (const implementation of ['wasm', 'node:zlib'] as const) {
        await expect(
          Promise.resolve().then(() =>
            zstdTransformer({ implementation }).decode(broken, undefined, context),
          ),
        ).rejects.toThrow(CacheDecodeError)
      }
    })
  })

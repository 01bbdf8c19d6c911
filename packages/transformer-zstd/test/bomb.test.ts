import { CacheDecodeError } from '@cacheport/core'
import { afterAll, describe, expect, it } from 'vitest'
import { type ZstdImplementation, zstdTransformer } from '../src/index.js'
import { BLOCK, onNode22, rleFrame } from './frames.js'

const context = { namespace: 'ns', key: 'k' }
const GiB = 1024 * 1024 * 1024
const MiB = 1024 * 1024
const implementations: ZstdImplementation[] = onNode22 ? ['wasm', 'node:zlib'] : ['wasm']

/** 1 GiB of output: 8192 RLE blocks, 32 KiB on the wire. */
const declared1GiB = rleFrame({ blocks: GiB / BLOCK, declare: GiB })
const undeclared1GiB = rleFrame({ blocks: GiB / BLOCK })
/** 22 bytes whose header claims 1 GiB. */
const tinyClaim1GiB = rleFrame({ blocks: 1, declare: GiB })
/** Declares 1000 bytes, produces 1 GiB. */
const lying = rleFrame({ blocks: GiB / BLOCK, declare: 1000 })

async function failure(run: () => unknown): Promise<Error> {
  try {
    await run()
  } catch (error) {
    return error as Error
  }
  throw new Error('decode succeeded')
}

const report: string[] = []
afterAll(() => {
  // Printed so the numbers can be quoted; the assertions are below.
  console.log(report.join('\n'))
})

for (const implementation of implementations) {
  describe(`decompression cap (${implementation})`, () => {
    const t = zstdTransformer({ implementation })

    it('decodes the hand-built RLE frames when they are small (they are valid zstd)', async () => {
      const expected = Buffer.alloc(4 * BLOCK, 0x61)
      for (const frame of [rleFrame({ blocks: 4 }), rleFrame({ blocks: 4, declare: 4 * BLOCK })]) {
        const back = await t.decode(frame, undefined, context)
        expect(Buffer.from(back).equals(expected)).toBe(true)
      }
    })

    it.each([
      [
        'a 32 KiB frame declaring and producing 1 GiB',
        declared1GiB,
        /would decompress to 1073741824 bytes, over maxDecompressedBytes \(8388608\)/,
      ],
      [
        'a 32 KiB frame producing 1 GiB without declaring it',
        undeclared1GiB,
        /would decompress to up to 1073741824 bytes/,
      ],
      ['a 22-byte frame declaring 1 GiB', tinyClaim1GiB, /would decompress to 1073741824 bytes/],
      [
        'a frame declaring 1000 bytes that produces 1 GiB',
        lying,
        /blocks regenerate more than the declared content size/,
      ],
    ])('refuses %s with CacheDecodeError', async (_label, frame, messagePattern) => {
      const error = await failure(() => t.decode(frame, undefined, context))
      expect(error).toBeInstanceOf(CacheDecodeError)
      expect(error.message).toMatch(messagePattern)
    })

    it('refuses 1 GiB bombs quickly, with memory growth far below the cap', async () => {
      const bombs = [declared1GiB, undeclared1GiB, tinyClaim1GiB, lying]
      await failure(() => t.decode(declared1GiB, undefined, context)) // warm-up
      globalThis.gc?.()
      const before = process.memoryUsage()
      const start = performance.now()
      let refused = 0
      for (let round = 0; round < 25; round++) {
        for (const bomb of bombs) {
          await failure(() => t.decode(bomb, undefined, context))
          refused += 1
        }
      }
      const ms = performance.now() - start
      const after = process.memoryUsage()
      const rss = (after.rss - before.rss) / MiB
      const arrayBuffers = (after.arrayBuffers - before.arrayBuffers) / MiB
      report.push(
        `[${implementation}] ${refused} bombs of 1 GiB refused in ${ms.toFixed(1)} ms; rss ${rss >= 0 ? '+' : ''}${rss.toFixed(1)} MiB, arrayBuffers ${arrayBuffers >= 0 ? '+' : ''}${arrayBuffers.toFixed(2)} MiB (cap 8 MiB)`,
      )
      expect(refused).toBe(100)
      expect(ms).toBeLessThan(2000)
      expect(rss).toBeLessThan(16)
      expect(arrayBuffers).toBeLessThan(4)
    })

    it('accepts output exactly at the cap and refuses one block more', async () => {
      const small = zstdTransformer({ implementation, maxDecompressedBytes: MiB })
      for (const declare of [true, false]) {
        const at = rleFrame({ blocks: 8, ...(declare ? { declare: MiB } : {}) })
        const over = rleFrame({ blocks: 9, ...(declare ? { declare: MiB + BLOCK } : {}) })
        expect((await small.decode(at, undefined, context)).byteLength).toBe(MiB)
        const error = await failure(() => small.decode(over, undefined, context))
        expect(error.message).toMatch(/over maxDecompressedBytes \(1048576\)/)
      }
    })

    it('counts every frame of a multi-frame entry against the cap', async () => {
      const small = zstdTransformer({ implementation, maxDecompressedBytes: MiB })
      const half = rleFrame({ blocks: 4, declare: 4 * BLOCK })
      expect((await small.decode(Buffer.concat([half, half]), undefined, context)).byteLength).toBe(
        MiB,
      )
      const error = await failure(() =>
        small.decode(Buffer.concat([half, half, half]), undefined, context),
      )
      expect(error.message).toMatch(/would decompress to 1572864 bytes/)
    })
  })
}

if (onNode22)
  describe('node:zlib second guard (maxOutputLength)', () => {
    it('stops at the cap even when the header check is bypassed', async () => {
      const { nodeBackend } = await import('../src/backends.js')
      globalThis.gc?.()
      const before = process.memoryUsage().rss
      let code: unknown
      try {
        nodeBackend.decompress(undeclared1GiB, MiB, undefined)
      } catch (error) {
        code = (error as { code?: unknown }).code
      }
      expect(code).toBe('ERR_BUFFER_TOO_LARGE')
      expect((process.memoryUsage().rss - before) / MiB).toBeLessThan(32)
    })
  })

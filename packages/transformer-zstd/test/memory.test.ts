import { afterAll, describe, expect, it } from 'vitest'
import { type ZstdImplementation, zstdTransformer } from '../src/index.js'
import { BLOCK, onNode22, rleFrame } from './frames.js'
import { type ChildDecode, decodeInChild, MiB, row } from './memory-helpers.js'

/**
 * Each case decodes one entry in a fresh child process (so the test runner's own heap does not
 * pollute the numbers) and checks the stated bound: one decode's peak RSS growth stays within
 * the cap plus SLACK (node:zlib), or WASM_BOUND on the wasm decoder, which holds the output
 * in its WebAssembly heap before copying it out. Cold: the first decode in the process; warm:
 * after decoding the same entry once.
 */
const cap = 8 * MiB
/** The stated constant: zstd's decoder state, allocator and GC noise. */
const SLACK = 4 * MiB
/**
 * The wasm decoder's bound: the output twice (once in the WebAssembly heap, which stays
 * resident as its high-water mark, once copied out to JavaScript) plus twice SLACK (the
 * heap's growth step, the compressed input's copy in the heap).
 */
const WASM_BOUND = 2 * cap + 2 * SLACK
const implementations: ZstdImplementation[] = onNode22 ? ['wasm', 'node:zlib'] : ['wasm']

const report: string[] = []
afterAll(() =>
  console.log(
    `peak memory per decode, cap ${cap / MiB} MiB, Node ${process.versions.node}:\n${report.join('\n')}`,
  ),
)

const context = { namespace: 'memory', key: 'k' }

/** `size` bytes repeating a 1000-byte pseudo-random pattern: compressed blocks, not RLE. */
function pattern(size: number): Buffer {
  const unit = Buffer.alloc(1000)
  let x = 12345
  for (let i = 0; i < unit.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    unit[i] = x >>> 24
  }
  const out = Buffer.alloc(size)
  for (let at = 0; at < size; at += unit.length) unit.copy(out, at)
  return out
}

/** One zstd frame of `input` written by the wasm encoder (level 1: a 512 KiB window). */
async function frameOf(input: Uint8Array): Promise<Buffer> {
  const r = await zstdTransformer({ implementation: 'wasm', minBytes: 0, level: 1 }).encode(
    input,
    context,
  )
  if (r === null) throw new Error('did not compress')
  return Buffer.from(r.bytes)
}

/**
 * The same blocks under a new header: not single-segment, no checksum, the original window,
 * and `declare` as an 8-byte content size (or no content size at all).
 */
function reframe(frame: Buffer, declare?: number): Buffer {
  const fhd = frame[4] as number
  const single = (fhd & 0x20) !== 0
  const dictBytes = [0, 1, 2, 4][fhd & 3] as number
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fhd >> 6] as number
  const headerEnd = 5 + (single ? 0 : 1) + dictBytes + fcsBytes
  if (single) throw new Error('expected a multi-segment frame')
  const blocks = frame.subarray(headerEnd, frame.length - ((fhd & 4) !== 0 ? 4 : 0))
  const fcs = Buffer.alloc(declare === undefined ? 0 : 8)
  if (declare !== undefined) fcs.writeBigUInt64LE(BigInt(declare))
  const header = Buffer.of(
    0x28,
    0xb5,
    0x2f,
    0xfd,
    declare === undefined ? 0 : 0xc0,
    frame[5] as number,
  )
  return Buffer.concat([header, fcs, blocks])
}

function check(label: string, r: ChildDecode, allowance = cap + SLACK): ChildDecode {
  report.push(row(label, r))
  expect(r.peakRss).toBeLessThanOrEqual(allowance)
  expect(r.arrayBuffers).toBeLessThanOrEqual(cap + SLACK)
  return r
}

for (const implementation of implementations) {
  describe(`decode memory is bounded by the cap plus a constant (${implementation}, child process per case)`, () => {
    const options = { implementation, maxDecompressedBytes: cap }
    const wasmBound = implementation === 'wasm' ? WASM_BOUND : cap + SLACK
    const justUnder = pattern(cap - 1024)

    it('a frame declaring 2 MiB whose compressed blocks produce 16 MiB: refused', async () => {
      const entry = reframe(await frameOf(pattern(16 * MiB)), 2 * MiB)
      const r = check(
        `[${implementation}] frame lying (2 of 16 MiB)`,
        decodeInChild(entry, options),
      )
      expect(r.ok).toBe(false)
      expect(r.name).toBe('CacheDecodeError')
    })

    it('a frame without a content size producing 16 MiB: refused from its block headers', async () => {
      const entry = reframe(await frameOf(pattern(16 * MiB)))
      const r = check(`[${implementation}] no content size, 16 MiB`, decodeInChild(entry, options))
      expect(r).toMatchObject({ ok: false, name: 'CacheDecodeError' })
      expect(r.message).toMatch(
        /over maxDecompressedBytes \(8388608\); refused before decompressing/,
      )
    })

    it('a frame without a content size, just under the cap: decoded', async () => {
      const entry = reframe(await frameOf(justUnder))
      const r = check(
        `[${implementation}] no content size, cap - 1 KiB`,
        decodeInChild(entry, options),
        wasmBound,
      )
      expect(r).toMatchObject({ ok: true, size: cap - 1024 })
    })

    it('three frames of 4 MiB (12 MiB): refused before decompressing', async () => {
      const third = await frameOf(pattern(4 * MiB))
      const r = check(
        `[${implementation}] 3 frames of 4 MiB`,
        decodeInChild(Buffer.concat([third, third, third]), options),
      )
      expect(r).toMatchObject({ ok: false, name: 'CacheDecodeError' })
      expect(r.message).toMatch(
        /would decompress to 12582912 bytes, over maxDecompressedBytes \(8388608\)/,
      )
    })

    it('two frames, just under the cap in all: decoded in one output buffer', async () => {
      const half = await frameOf(pattern(cap / 2 - 512))
      const entry = Buffer.concat([half, half])
      const cold = check(
        `[${implementation}] 2 frames, cap - 1 KiB, cold`,
        decodeInChild(entry, options),
        WASM_BOUND,
      )
      expect(cold).toMatchObject({ ok: true, size: cap - 1024 })
      const warm = check(
        `[${implementation}] 2 frames, cap - 1 KiB, warm`,
        decodeInChild(entry, options, entry),
        WASM_BOUND,
      )
      expect(warm).toMatchObject({ ok: true, size: cap - 1024 })
    })

    it('one frame just under the cap: decoded, costing about its size', async () => {
      const entry = await frameOf(justUnder)
      const cold = check(
        `[${implementation}] 1 frame, cap - 1 KiB, cold`,
        decodeInChild(entry, options),
        wasmBound,
      )
      expect(cold).toMatchObject({ ok: true, size: cap - 1024 })
      const warm = check(
        `[${implementation}] 1 frame, cap - 1 KiB, warm`,
        decodeInChild(entry, options, entry),
        wasmBound,
      )
      expect(warm).toMatchObject({ ok: true, size: cap - 1024 })
    })

    it('a 1 GiB RLE bomb without a content size: refused from its headers', () => {
      const r = check(
        `[${implementation}] 1 GiB RLE bomb`,
        decodeInChild(rleFrame({ blocks: 8192 }), options),
      )
      expect(r.ok).toBe(false)
      expect(BLOCK).toBe(128 * 1024)
    })
  })
}

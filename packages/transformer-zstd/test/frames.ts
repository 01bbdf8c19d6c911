/** Hand-built zstd frames for the bomb and corrupt-input tests (RFC 8878 layout). */

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd]
export const BLOCK = 128 * 1024

export interface RleFrameOptions {
  /** Number of 128 KiB RLE blocks (each 4 bytes on the wire). */
  readonly blocks: number
  /** Frame_Content_Size to declare (8-byte field), or none. */
  readonly declare?: number
  /** Byte every block repeats. */
  readonly byte?: number
}

/**
 * A valid zstd frame of `blocks` RLE blocks of 128 KiB each: 1 GiB of output costs 32 KiB on
 * the wire. With `declare`, the header states that content size; without, it only states a
 * 128 KiB window, so the output size is unknown until decompressed.
 */
export function rleFrame({ blocks, declare, byte = 0x61 }: RleFrameOptions): Buffer {
  const header =
    declare === undefined
      ? [...MAGIC, 0x00, 0x38] // no FCS; window descriptor: 2^17 = 128 KiB
      : [...MAGIC, 0xc0, 0x38, ...u64(declare)] // 8-byte FCS, window 128 KiB
  const out = Buffer.alloc(header.length + blocks * 4)
  out.set(header, 0)
  let at = header.length
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0
    const value = last | (1 << 1) | (BLOCK << 3)
    out[at] = value & 0xff
    out[at + 1] = (value >> 8) & 0xff
    out[at + 2] = (value >> 16) & 0xff
    out[at + 3] = byte
    at += 4
  }
  return out
}

function u64(value: number): number[] {
  const bytes: number[] = []
  let v = value
  for (let i = 0; i < 8; i++) {
    bytes.push(v % 256)
    v = Math.floor(v / 256)
  }
  return bytes
}

/** `bytes` with one bit flipped (negative `at` counts from the end). */
export function flipBit(bytes: Uint8Array, at: number, bit = 0): Buffer {
  const copy = Buffer.from(bytes)
  const i = at < 0 ? copy.length + at : at
  copy[i] = (copy[i] as number) ^ (1 << bit)
  return copy
}

/** Repetitive JSON text of `size` bytes. */
export function json(size: number): Buffer {
  let text = ''
  for (let i = 0; text.length < size; i++) {
    text += JSON.stringify({ id: i, name: `user-${i}`, active: i % 3 === 0, tags: ['a', 'b'] })
  }
  return Buffer.from(text.slice(0, size))
}

export const onNode22 = (() => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
  return major > 22 || (major === 22 && minor >= 15)
})()

import { constants, crc32, deflateRawSync } from 'node:zlib'

/** Repetitive JSON text of `size` bytes. */
export function json(size: number): Buffer {
  let text = ''
  for (let i = 0; text.length < size; i++) {
    text += JSON.stringify({ id: i, name: `user-${i}`, active: i % 3 === 0, tags: ['a', 'b'] })
  }
  return Buffer.from(text.slice(0, size))
}

/** `bytes` with one bit flipped (negative `at` counts from the end). */
export function flipBit(bytes: Uint8Array, at: number, bit = 0): Buffer {
  const copy = Buffer.from(bytes)
  const i = at < 0 ? copy.length + at : at
  copy[i] = (copy[i] as number) ^ (1 << bit)
  return copy
}

export const MiB = 1024 * 1024
export const GiB = 1024 * MiB

/**
 * A raw DEFLATE stream of `mebibytes` MiB of zeros, about 1 KiB per MiB, built without ever
 * holding the output: one MiB compressed with a full flush (byte-aligned, no back-references
 * across it) repeated, then an empty final block (`03 00`).
 */
export function deflateBomb(mebibytes: number): Buffer {
  const oneMiB = deflateRawSync(Buffer.alloc(MiB), {
    finishFlush: constants.Z_FULL_FLUSH,
    level: 9,
  })
  return Buffer.concat([...Array.from({ length: mebibytes }, () => oneMiB), Buffer.of(0x03, 0x00)])
}

/** A gzip member around `body`, with the given trailer. */
export function gzipMember(body: Uint8Array, crc: number, isize: number): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])
  const trailer = Buffer.alloc(8)
  trailer.writeUInt32LE(crc >>> 0, 0)
  trailer.writeUInt32LE(isize >>> 0, 4)
  return Buffer.concat([header, body, trailer])
}

/** CRC-32 of `mebibytes` MiB of zeros, computed a MiB at a time. */
export function zerosCrc(mebibytes: number): number {
  const zeros = Buffer.alloc(MiB)
  let crc = 0
  for (let i = 0; i < mebibytes; i++) crc = crc32(zeros, crc)
  return crc
}

import { crc32 as nativeCrc32 } from 'node:zlib'

/**
 * CRC-32 (the zlib/gzip polynomial, reflected 0xEDB88320), the envelope's integrity check. It
 * catches every single-bit flip and every burst up to 32 bits. Small inputs, which are what a
 * cache mostly stores, are checksummed here with slicing-by-8 tables: cheaper than the native
 * call with its argument checks, and with no sub-view allocated. Larger ones go to node:zlib.
 */
const TABLES = makeTables()

/** Inputs at least this long use node:zlib's CRC-32. */
const NATIVE_FROM = 1_024

/** The CRC-32 of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (end - start >= NATIVE_FROM) return nativeCrc32(bytes.subarray(start, end))
  const t = TABLES
  let crc = 0xffffffff
  let i = start
  const fast = end - ((end - start) & 7)
  for (; i < fast; i += 8) {
    const a =
      (crc ^
        ((bytes[i] as number) |
          ((bytes[i + 1] as number) << 8) |
          ((bytes[i + 2] as number) << 16) |
          ((bytes[i + 3] as number) << 24))) >>>
      0
    crc =
      (t[7 * 256 + (a & 0xff)] as number) ^
      (t[6 * 256 + ((a >>> 8) & 0xff)] as number) ^
      (t[5 * 256 + ((a >>> 16) & 0xff)] as number) ^
      (t[4 * 256 + (a >>> 24)] as number) ^
      (t[3 * 256 + (bytes[i + 4] as number)] as number) ^
      (t[2 * 256 + (bytes[i + 5] as number)] as number) ^
      (t[256 + (bytes[i + 6] as number)] as number) ^
      (t[bytes[i + 7] as number] as number)
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ (t[(crc ^ (bytes[i] as number)) & 0xff] as number)
  return (crc ^ 0xffffffff) >>> 0
}

function makeTables(): Uint32Array {
  const t = new Uint32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8)
      t[k * 256 + n] = c >>> 0
    }
  }
  return t
}

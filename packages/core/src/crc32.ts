import { crc32 as nativeCrc32 } from 'node:zlib'

/**
 * CRC-32 (the zlib/gzip polynomial, reflected 0xEDB88320), the envelope's integrity check. It
 * catches every single-bit flip and every burst up to 32 bits. Small inputs, which are what a
 * cache mostly stores, are checksummed here with slicing-by-16 tables (16 KiB, signed 32-bit
 * entries, so no value leaves the small-integer range V8 keeps unboxed): cheaper than the
 * native call with its argument checks, and with no sub-view allocated. Larger ones go to
 * node:zlib.
 */
const TABLES = makeTables()

/** Inputs at least this long use node:zlib's CRC-32. */
const NATIVE_FROM = 1_024

/** The CRC-32 of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (end - start >= NATIVE_FROM) return nativeCrc32(bytes.subarray(start, end))
  const t = TABLES
  let crc = -1
  let i = start
  const fast = end - ((end - start) & 15)
  for (; i < fast; i += 16) {
    const a =
      crc ^
      ((bytes[i] as number) |
        ((bytes[i + 1] as number) << 8) |
        ((bytes[i + 2] as number) << 16) |
        ((bytes[i + 3] as number) << 24))
    crc =
      (t[15 * 256 + (a & 0xff)] as number) ^
      (t[14 * 256 + ((a >>> 8) & 0xff)] as number) ^
      (t[13 * 256 + ((a >>> 16) & 0xff)] as number) ^
      (t[12 * 256 + (a >>> 24)] as number) ^
      (t[11 * 256 + (bytes[i + 4] as number)] as number) ^
      (t[10 * 256 + (bytes[i + 5] as number)] as number) ^
      (t[9 * 256 + (bytes[i + 6] as number)] as number) ^
      (t[8 * 256 + (bytes[i + 7] as number)] as number) ^
      (t[7 * 256 + (bytes[i + 8] as number)] as number) ^
      (t[6 * 256 + (bytes[i + 9] as number)] as number) ^
      (t[5 * 256 + (bytes[i + 10] as number)] as number) ^
      (t[4 * 256 + (bytes[i + 11] as number)] as number) ^
      (t[3 * 256 + (bytes[i + 12] as number)] as number) ^
      (t[2 * 256 + (bytes[i + 13] as number)] as number) ^
      (t[256 + (bytes[i + 14] as number)] as number) ^
      (t[bytes[i + 15] as number] as number)
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ (t[(crc ^ (bytes[i] as number)) & 0xff] as number)
  return ~crc >>> 0
}

function makeTables(): Int32Array {
  const t = new Int32Array(16 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number
    for (let k = 1; k < 16; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8)
      t[k * 256 + n] = c
    }
  }
  return t
}

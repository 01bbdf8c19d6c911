/** Reading the gzip member layout (RFC 1952) around a raw DEFLATE body. */

/** Header flag bits (FLG). */
const FHCRC = 0x02
const FEXTRA = 0x04
const FNAME = 0x08
const FCOMMENT = 0x10
const FRESERVED = 0xe0
/** Trailer: CRC-32 then ISIZE, 4 bytes each, little-endian. */
export const GZIP_TRAILER_BYTES = 8

/** Where the DEFLATE body of a gzip member is, and what its trailer says. */
export interface GzipMember {
  /** Offset of the DEFLATE body. */
  readonly bodyStart: number
  /** Offset just past the body (where the trailer starts). */
  readonly bodyEnd: number
  /** CRC-32 of the uncompressed data. */
  readonly crc: number
  /** Uncompressed size modulo 2^32. */
  readonly isize: number
}

function fail(message: string): never {
  throw new Error(`not a valid gzip member: ${message}`)
}

function u32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  )
}

/**
 * Parses the header and trailer of a single gzip member that fills `bytes`. Throws `Error` for
 * a wrong magic number or method, reserved flags, and truncation.
 */
export function readGzipMember(bytes: Uint8Array): GzipMember {
  if (bytes.length < 10 + GZIP_TRAILER_BYTES) fail(`${bytes.length} bytes is too short`)
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) fail('wrong magic number')
  if (bytes[2] !== 8) fail(`unknown compression method ${bytes[2]}`)
  const flags = bytes[3] as number
  if ((flags & FRESERVED) !== 0) fail('reserved flag bits set')
  const end = bytes.length - GZIP_TRAILER_BYTES
  let at = 10
  if ((flags & FEXTRA) !== 0) {
    if (at + 2 > end) fail('truncated extra field')
    at += 2 + ((bytes[at] as number) | ((bytes[at + 1] as number) << 8))
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if ((flags & flag) === 0) continue
    while (at < end && bytes[at] !== 0) at += 1
    at += 1
  }
  if ((flags & FHCRC) !== 0) at += 2
  if (at > end) fail('truncated header')
  if (at === end) fail('no DEFLATE body')
  return { bodyStart: at, bodyEnd: end, crc: u32(bytes, end), isize: u32(bytes, end + 4) }
}

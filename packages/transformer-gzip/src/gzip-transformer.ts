import { crc32 } from 'node:zlib'
import {
  CacheDecodeError,
  checkKnownKeys,
  describeOption as describe,
  integerOption,
  invalidOption as invalid,
  isRecord,
  type TransformContext,
  type Transformer,
  TransformerPriority,
  type TransformResult,
} from '@cacheport/core'
import { type DeflateOptions, deflateSync, gzipSync } from 'fflate'
import { readGzipMember } from './gzip-header.js'
import { deflateOutputBound, inflateUpTo, inflateWithin, OverLimit } from './inflate.js'

/**
 * Default `maxDecompressedBytes`: 8 MiB. Cache values are small (kilobytes, rarely a megabyte),
 * and every read of an entry may cost up to the cap in memory, so the default keeps what a
 * writer of the backend can impose on each reader small. Raise it for larger values.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024
/** Largest accepted `maxDecompressedBytes`: 1 GiB. */
export const MAX_DECOMPRESSED_BYTES_LIMIT = 1024 * 1024 * 1024

/** The two formats, which are also the transformer ids. */
export type GzipFormat = 'gzip' | 'deflate'

/** Options of `gzipTransformer`. */
export interface GzipTransformerOptions {
  /**
   * `gzip` (default): RFC 1952, 18 bytes of header and trailer with a CRC-32 and the size,
   * both checked on decode. `deflate`: raw RFC 1951 DEFLATE, no header, no checksum.
   * The format is the transformer id, so each reader picks the right decoder.
   */
  readonly format?: GzipFormat
  /** Compression level, an integer from 1 (fastest) to 9 (smallest). Default 6. */
  readonly level?: number
  /** Values shorter than this many bytes are stored uncompressed. Default 512. */
  readonly minBytes?: number
  /**
   * Largest output `decode` produces, in bytes (1 to 1 GiB). Decompression stops as soon as the
   * output passes it, and a decode holds at most about this much memory (see the README's
   * "Decompression cap"). Default 8 MiB.
   */
  readonly maxDecompressedBytes?: number
}

/** The gzip/deflate transformer, with read-only information about its settings. */
export interface GzipTransformer extends Transformer {
  readonly id: GzipFormat
  readonly format: GzipFormat
  readonly level: number
  readonly minBytes: number
  readonly maxDecompressedBytes: number
  /** Compresses synchronously; `null` below `minBytes` or when the output would not be smaller. */
  encode(bytes: Uint8Array, context: TransformContext): TransformResult | null
  /** Decompresses synchronously; throws `CacheDecodeError` (see `gzipTransformer`). */
  decode(bytes: Uint8Array, param: Uint8Array | undefined, context: TransformContext): Uint8Array
}

const OPTION_NAMES = ['format', 'level', 'minBytes', 'maxDecompressedBytes']

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function tooLarge(format: GzipFormat, cap: number, size?: number): CacheDecodeError {
  return new CacheDecodeError(
    size === undefined
      ? `${format} entry decompresses to more than maxDecompressedBytes (${cap}); stopped at the cap`
      : `${format} entry declares ${size} bytes, over maxDecompressedBytes (${cap}); refused before decompressing`,
  )
}

/**
 * Throws `Error` when bytes follow the end of the DEFLATE stream (in gzip, that is a second
 * member, which this transformer never writes and refuses).
 */
function checkTrailing(body: Uint8Array, consumed: number): void {
  const trailing = body.length - consumed
  if (trailing > 0) throw new Error(`${trailing} bytes follow the end of the DEFLATE stream`)
}

function checkFormat(value: unknown): GzipFormat {
  if (value === undefined) return 'gzip'
  if (value === 'gzip' || value === 'deflate') return value
  return invalid(`gzipTransformer: format must be 'gzip' or 'deflate', got ${describe(value)}`)
}

/**
 * Builds the `gzip` (or `deflate`) compression transformer on fflate, priority
 * `TransformerPriority.compression`; its id is the format.
 *
 * `encode` returns `null` (the entry is stored uncompressed and names no transformer) for
 * values shorter than `minBytes` and for values DEFLATE does not make smaller. `decode` never
 * produces more than `maxDecompressedBytes`: gzip entries whose trailer declares more are
 * refused before decompressing, and decompression (node:zlib, into one preallocated buffer)
 * stops as soon as the output passes the cap. Memory bound per decode: a gzip entry holds at
 * most its declared size + 1 byte of output; a deflate entry at most the cap + 1 MiB (one
 * first-guess buffer); both plus zlib's state (about 50 KiB).
 *
 * Throws `CacheConfigError` (`INVALID_OPTION`) for an unknown option, a `format` other than
 * `gzip`/`deflate`, a `level` outside 1-9, a `minBytes` that is not a non-negative integer, or
 * a `maxDecompressedBytes` outside 1 byte to 1 GiB. `decode` throws `CacheDecodeError` for
 * bytes that are not a gzip member / DEFLATE stream, are truncated, fail the gzip CRC-32 or
 * size check, or are over the cap.
 */
export function gzipTransformer(options: GzipTransformerOptions = {}): GzipTransformer {
  if (!isRecord(options))
    invalid(`gzipTransformer options must be an object, got ${describe(options)}`)
  checkKnownKeys(options, OPTION_NAMES, 'gzipTransformer')
  const format: GzipFormat = checkFormat(options.format)
  const level = integerOption(options.level, 6, 1, 9, 'gzipTransformer: level')
  const minBytes = integerOption(
    options.minBytes,
    512,
    0,
    Number.MAX_SAFE_INTEGER,
    'gzipTransformer: minBytes',
  )
  const cap = integerOption(
    options.maxDecompressedBytes,
    DEFAULT_MAX_DECOMPRESSED_BYTES,
    1,
    MAX_DECOMPRESSED_BYTES_LIMIT,
    'gzipTransformer: maxDecompressedBytes',
  )
  const deflateOptions: DeflateOptions = { level: level as DeflateOptions['level'] }

  function decodeGzip(bytes: Uint8Array): Uint8Array {
    const member = readGzipMember(bytes)
    // ISIZE is the size modulo 2^32; the real size is at least ISIZE, so over the cap is over.
    if (member.isize > cap) throw tooLarge(format, cap, member.isize)
    const body = bytes.subarray(member.bodyStart, member.bodyEnd)
    if (member.isize > deflateOutputBound(body)) {
      throw new Error(
        `the trailer's size of ${member.isize} bytes is more than the body can produce`,
      )
    }
    // Within the cap, the output must be exactly ISIZE bytes: inflate into one buffer of that
    // size and stop as soon as the output passes it, so a trailer that understates the size
    // costs no more than what it declares, and an honest one costs exactly its size.
    let inflated: ReturnType<typeof inflateWithin>
    try {
      inflated = inflateWithin(body, member.isize)
    } catch (error) {
      if (!(error instanceof OverLimit)) throw error
      throw new Error(`the body inflates to more than the trailer's size of ${member.isize} bytes`)
    }
    checkTrailing(body, inflated.consumed)
    const output = inflated.output
    if (output.length !== member.isize) {
      throw new Error(`size ${output.length} does not match the trailer's ${member.isize}`)
    }
    if (crc32(output) !== member.crc) throw new Error('CRC-32 mismatch')
    return output
  }

  function decodeDeflate(bytes: Uint8Array): Uint8Array {
    if (bytes.length === 0) throw new Error('the input is empty')
    const inflated = inflateUpTo(bytes, cap)
    checkTrailing(bytes, inflated.consumed)
    return inflated.output
  }

  const transformer: GzipTransformer = {
    id: format,
    priority: TransformerPriority.compression,
    format,
    level,
    minBytes,
    maxDecompressedBytes: cap,
    encode(bytes: Uint8Array, _context: TransformContext): TransformResult | null {
      if (bytes.byteLength < minBytes) return null
      const compressed =
        format === 'gzip'
          ? gzipSync(bytes, { ...deflateOptions, mtime: 0 })
          : deflateSync(bytes, deflateOptions)
      return compressed.byteLength < bytes.byteLength ? { bytes: compressed } : null
    },
    decode(
      bytes: Uint8Array,
      param: Uint8Array | undefined,
      _context: TransformContext,
    ): Uint8Array {
      if (param !== undefined) {
        throw new CacheDecodeError(
          `${format} entry has an unexpected parameter (${param.length} bytes)`,
        )
      }
      try {
        return format === 'gzip' ? decodeGzip(bytes) : decodeDeflate(bytes)
      } catch (error) {
        if (error instanceof CacheDecodeError) throw error
        if (error instanceof OverLimit) throw tooLarge(format, cap)
        throw new CacheDecodeError(`${format} entry is corrupt: ${message(error)}`, {
          cause: error,
        })
      }
    },
  }
  return Object.freeze(transformer)
}

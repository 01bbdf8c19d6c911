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
import { type DeflateOptions, deflateSync, gzipSync, Inflate } from 'fflate'
import { readGzipMember } from './gzip-header.js'

/** Default `maxDecompressedBytes`: 64 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
/** Largest accepted `maxDecompressedBytes`: 1 GiB. */
export const MAX_DECOMPRESSED_BYTES_LIMIT = 1024 * 1024 * 1024
/** DEFLATE never expands more than 1032:1 (a 258-byte match per 2 bits). */
const MAX_DEFLATE_RATIO = 1032
/** Slices of compressed input fed to the inflater at a time: 256 bytes to 16 KiB. */
const MIN_SLICE = 256
const MAX_SLICE = 16 * 1024

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
   * output passes it. Default 64 MiB.
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

class OverCap extends Error {}

function tooLarge(format: GzipFormat, cap: number, size?: number): CacheDecodeError {
  return new CacheDecodeError(
    size === undefined
      ? `${format} entry decompresses to more than maxDecompressedBytes (${cap}); stopped at the cap`
      : `${format} entry declares ${size} bytes, over maxDecompressedBytes (${cap}); refused before decompressing`,
  )
}

/**
 * Inflates raw DEFLATE with fflate's streaming `Inflate`, feeding the input in slices of at
 * most 16 KiB (and no more than the remaining budget divided by DEFLATE's maximum ratio of
 * 1032:1), and throws `OverCap` as soon as the output passes `cap`. So a bomb costs about the
 * cap plus one slice's output (at most ~16 MiB), never its full size.
 */
function inflateCapped(body: Uint8Array, cap: number): Uint8Array {
  const chunks: Uint8Array[] = []
  let total = 0
  const inflater = new Inflate((chunk) => {
    total += chunk.length
    if (total > cap) throw new OverCap()
    if (chunk.length > 0) chunks.push(chunk)
  })
  let at = 0
  do {
    const budget = Math.floor((cap - total) / MAX_DEFLATE_RATIO)
    const slice = Math.min(MAX_SLICE, Math.max(MIN_SLICE, budget))
    const next = Math.min(body.length, at + slice)
    inflater.push(body.subarray(at, next), next === body.length)
    at = next
  } while (at < body.length)
  const trailing = trailingBytes(inflater)
  if (trailing !== undefined && trailing > 0) {
    throw new Error(`${trailing} bytes follow the end of the DEFLATE stream`)
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, total)
}

/**
 * Bytes left after the final DEFLATE block. fflate does not report them, so this reads its
 * `Inflate` state (fflate 0.8: `p` = unconsumed input, `s.p` = bits used of its first byte);
 * the tests on trailing bytes and concatenated gzip members fail if that layout changes.
 */
function trailingBytes(inflater: Inflate): number | undefined {
  const state = inflater as unknown as { p?: unknown; s?: { p?: unknown } }
  if (!(state.p instanceof Uint8Array) || typeof state.s?.p !== 'number') return undefined
  return state.p.length - (state.s.p > 0 ? 1 : 0)
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
 * refused before decompressing, and decompression stops as soon as the output passes the cap.
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
    // Within the cap, the output must be exactly ISIZE bytes: stop as soon as it passes that,
    // so a trailer that understates the size costs no more than what it declares.
    let output: Uint8Array
    try {
      output = inflateCapped(bytes.subarray(member.bodyStart, member.bodyEnd), member.isize)
    } catch (error) {
      if (!(error instanceof OverCap)) throw error
      throw new Error(`the body inflates to more than the trailer's size of ${member.isize} bytes`)
    }
    if (output.length !== member.isize) {
      throw new Error(`size ${output.length} does not match the trailer's ${member.isize}`)
    }
    if (crc32(output) !== member.crc) throw new Error('CRC-32 mismatch')
    return output
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
        if (format === 'gzip') return decodeGzip(bytes)
        if (bytes.length === 0) throw new Error('the input is empty')
        return inflateCapped(bytes, cap)
      } catch (error) {
        if (error instanceof CacheDecodeError) throw error
        if (error instanceof OverCap) throw tooLarge(format, cap)
        throw new CacheDecodeError(`${format} entry is corrupt: ${message(error)}`, {
          cause: error,
        })
      }
    },
  }
  return Object.freeze(transformer)
}

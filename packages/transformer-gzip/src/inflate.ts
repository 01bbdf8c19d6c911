/**
 * Raw DEFLATE inflation into one output buffer whose size is fixed before inflating, so memory
 * is bounded by the limit: node:zlib gets `chunkSize` = limit + 1 and `maxOutputLength` =
 * limit. It writes into that single buffer and throws as soon as the output passes the limit,
 * without allocating a second chunk, and the result is a view of that buffer (no concat, no
 * copy). A decode therefore holds at most the limit + 1 bytes of output, plus zlib's state
 * (about 50 KiB, freed when the call returns).
 */
import { inflateRawSync } from 'node:zlib'

/** DEFLATE never expands more than 1032:1 (a 258-byte match per 2 bits). */
export const MAX_DEFLATE_RATIO = 1032
/** node:zlib's smallest `chunkSize`. */
const MIN_CHUNK = 64
/** First guess for output of unknown size: 8 times the input, from 64 KiB to 1 MiB. */
const GUESS_RATIO = 8
const GUESS_MIN = 64 * 1024
const GUESS_MAX = 1024 * 1024

/** The output passed the limit; inflation stopped there. */
export class OverLimit extends Error {}

/** Output of one inflation and how many input bytes the DEFLATE stream used. */
export interface Inflated {
  readonly output: Uint8Array
  /** Bytes of the input up to the end of the DEFLATE stream; the rest is trailing data. */
  readonly consumed: number
}

interface ZlibInfo {
  readonly buffer: Buffer
  readonly engine: { readonly bytesWritten: number }
}

/** Largest output `body` can produce as valid DEFLATE (1032:1, plus one maximal match). */
export function deflateOutputBound(body: Uint8Array): number {
  return MAX_DEFLATE_RATIO * body.length + 258
}

/**
 * Inflates raw DEFLATE `body` into one buffer of `limit` + 1 bytes. Returns a view of the
 * output and the bytes consumed. Throws `OverLimit` once the output passes `limit` (after
 * writing at most `limit` + 1 bytes), or node:zlib's `Error` for invalid or truncated DEFLATE.
 */
export function inflateWithin(body: Uint8Array, limit: number): Inflated {
  let result: ZlibInfo
  try {
    result = inflateRawSync(body, {
      chunkSize: Math.max(MIN_CHUNK, limit + 1),
      maxOutputLength: Math.max(1, limit),
      info: true,
    }) as unknown as ZlibInfo
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new OverLimit()
    throw error
  }
  if (result.buffer.byteLength > limit) throw new OverLimit()
  return { output: result.buffer, consumed: result.engine.bytesWritten }
}

/**
 * Inflates raw DEFLATE of unknown output size, refusing more than `cap` bytes. A first try
 * uses a small buffer (8× the input, 64 KiB to 1 MiB); if the output is larger, a second try
 * uses one buffer of min(`cap`, the DEFLATE bound of the input) + 1 bytes. An output that uses
 * less than half its buffer is copied to an exact-size buffer, so a small value never pins a
 * large one. Peak: the first buffer (≤ 1 MiB) plus the larger of the output and twice an
 * output under half the cap, so at most `cap` + 1 MiB + zlib's state. Throws `OverLimit` past
 * the cap, or node:zlib's `Error` for invalid or truncated DEFLATE.
 */
export function inflateUpTo(body: Uint8Array, cap: number): Inflated {
  const most = Math.min(cap, deflateOutputBound(body))
  const guess = Math.min(most, Math.max(GUESS_MIN, Math.min(GUESS_MAX, GUESS_RATIO * body.length)))
  let result: Inflated
  try {
    result = inflateWithin(body, guess)
  } catch (error) {
    if (!(error instanceof OverLimit) || guess === most) throw error
    result = inflateWithin(body, most)
  }
  const { output } = result
  if (output.byteLength * 2 >= output.buffer.byteLength) return result
  return { output: Buffer.from(output), consumed: result.consumed }
}

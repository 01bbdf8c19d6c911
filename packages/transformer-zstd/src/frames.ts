/**
 * A reader of zstd frame headers and block headers (RFC 8878), used to learn how large a
 * frame's output can be before anything is decompressed. It never decompresses: it only walks
 * the frame and block headers, which costs a few microseconds even for a 1 GiB bomb.
 */

/** Magic number of a zstd frame, little-endian on the wire (`28 b5 2f fd`). */
export const ZSTD_MAGIC = 0xfd2fb528
/** Skippable frames use magic numbers 0x184d2a50-0x184d2a5f. */
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
/** A block never regenerates more than 128 KiB. */
const BLOCK_SIZE_MAX = 128 * 1024

/** What the headers of one zstd frame tell about it. */
export interface FrameInfo {
  /** Offset of the frame in the input. */
  readonly start: number
  /** Offset just past the frame (its checksum included). */
  readonly end: number
  /** Frame_Content_Size when the header declares it, else `undefined`. */
  readonly contentSize: number | undefined
  /**
   * Largest output the frame can produce: `contentSize` when declared, else the sum of its
   * raw and RLE block sizes plus the block maximum for each compressed block.
   */
  readonly bound: number
  /**
   * Largest output the frame's blocks can produce (raw and RLE sizes plus the block maximum
   * per compressed block). A declared `contentSize` above it cannot be honest.
   */
  readonly blocksBound: number
  /** Window size the decoder needs (equals `contentSize` for single-segment frames). */
  readonly windowSize: number
  /** Dictionary_ID from the header, 0 when absent. */
  readonly dictionaryId: number
}

/** The zstd frames of one input, skippable frames left out. */
export interface FramesInfo {
  readonly frames: readonly FrameInfo[]
  /** Sum of the frames' bounds: no valid input decompresses to more. */
  readonly bound: number
  /** True when every frame declares its content size (`bound` is then exact). */
  readonly exact: boolean
}

function fail(message: string): never {
  throw new Error(`not a valid zstd frame: ${message}`)
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

function need(bytes: Uint8Array, at: number, count: number, what: string): void {
  if (at + count > bytes.length) fail(`truncated ${what} at byte ${at}`)
}

/**
 * Walks every frame of `bytes` (zstd frames and skippable frames, back to back) through their
 * headers and block headers. Throws `Error` for empty input, a wrong magic number, reserved
 * bits, reserved block types, oversized blocks, truncation and trailing bytes.
 */
export function readFrames(bytes: Uint8Array): FramesInfo {
  if (bytes.length === 0) fail('the input is empty')
  const frames: FrameInfo[] = []
  let bound = 0
  let exact = true
  let at = 0
  while (at < bytes.length) {
    need(bytes, at, 4, 'magic number')
    const magic = u32(bytes, at)
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(bytes, at + 4, 4, 'skippable frame size')
      const size = u32(bytes, at + 4)
      need(bytes, at + 8, size, 'skippable frame')
      at += 8 + size
      continue
    }
    if (magic !== ZSTD_MAGIC) fail(`unknown magic number 0x${magic.toString(16)} at byte ${at}`)
    const frame = readFrame(bytes, at)
    frames.push(frame)
    bound += frame.bound
    if (frame.contentSize === undefined) exact = false
    at = frame.end
  }
  if (frames.length === 0) fail('the input holds only skippable frames')
  return { frames, bound, exact }
}

function readFrame(bytes: Uint8Array, start: number): FrameInfo {
  let at = start + 4
  need(bytes, at, 1, 'frame header')
  const descriptor = bytes[at] as number
  at += 1
  const fcsFlag = descriptor >> 6
  const singleSegment = (descriptor & 0x20) !== 0
  if ((descriptor & 0x08) !== 0) fail('reserved bit set in the frame header')
  const hasChecksum = (descriptor & 0x04) !== 0
  const dictIdSize = [0, 1, 2, 4][descriptor & 0x03] as number

  let windowSize = 0
  if (!singleSegment) {
    need(bytes, at, 1, 'window descriptor')
    const wd = bytes[at] as number
    at += 1
    const windowLog = 10 + (wd >> 3)
    const base = 2 ** windowLog
    windowSize = base + (base / 8) * (wd & 0x07)
  }

  need(bytes, at, dictIdSize, 'dictionary id')
  let dictionaryId = 0
  for (let i = dictIdSize - 1; i >= 0; i--)
    dictionaryId = dictionaryId * 256 + (bytes[at + i] as number)
  at += dictIdSize

  const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!
  let contentSize: number | undefined
  if (fcsSize > 0) {
    need(bytes, at, fcsSize, 'frame content size')
    let value = 0
    for (let i = fcsSize - 1; i >= 0; i--) value = value * 256 + (bytes[at + i] as number)
    contentSize = fcsSize === 2 ? value + 256 : value
    at += fcsSize
  }
  if (singleSegment) windowSize = contentSize as number

  const blockMax = Math.min(windowSize, BLOCK_SIZE_MAX)
  let blocksBound = 0
  // Output of the raw and RLE blocks, which is known exactly from their headers.
  let blocksExact = 0
  for (;;) {
    need(bytes, at, 3, 'block header')
    const header =
      (bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16)
    at += 3
    const last = (header & 1) === 1
    const type = (header >> 1) & 3
    const size = header >>> 3
    if (type === 3) fail(`reserved block type at byte ${at - 3}`)
    // Raw and RLE blocks regenerate `size` bytes; a compressed block is at most 128 KiB long.
    const limit = type === 2 ? BLOCK_SIZE_MAX : blockMax
    if (size > limit) fail(`block of ${size} bytes exceeds the ${limit}-byte maximum`)
    if (type === 1) {
      need(bytes, at, 1, 'RLE block')
      at += 1
      blocksBound += size
      blocksExact += size
    } else {
      need(bytes, at, size, type === 0 ? 'raw block' : 'compressed block')
      at += size
      blocksBound += type === 0 ? size : blockMax
      if (type === 0) blocksExact += size
    }
    if (contentSize !== undefined && blocksExact > contentSize) {
      fail(`blocks regenerate more than the declared content size of ${contentSize} bytes`)
    }
    if (last) break
  }
  if (hasChecksum) {
    need(bytes, at, 4, 'content checksum')
    at += 4
  }
  return {
    start,
    end: at,
    contentSize,
    bound: contentSize ?? blocksBound,
    blocksBound,
    windowSize,
    dictionaryId,
  }
}

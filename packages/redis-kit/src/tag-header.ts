import { crc32 } from 'node:zlib'
import { CacheDecodeError } from '@cacheport/core'

/**
 * Tagged values carry their tags in front of the envelope, so scripts can check an entry's
 * current tags (invalidation verifies membership; delete and overwrite clean the indexes):
 *
 * `0x54 'T'`, u16 body length, then per tag: u16 length + UTF-8 bytes; then a CRC-32 (u32) of
 * everything before it; then the envelope. The checksum covers the tags, so a corrupt header
 * can never change which tags an entry is read with: a value whose header does not match is
 * read as a miss. Untagged values are the bare envelope (which starts with 0xCA).
 */
export const TAG_HEADER_MARK = 0x54

/**
 * Prefixes `envelope` with a tag header. Throws `RangeError` when the tags exceed 64 KiB.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function withTagHeader(tags: readonly string[], envelope: Uint8Array): Buffer {
  let body = 0
  for (let i = 0; i < tags.length; i++) body += 2 + Buffer.byteLength(tags[i] as string, 'utf8')
  if (body > 0xffff) throw new RangeError('tags of one entry exceed 64 KiB')
  const out = Buffer.allocUnsafe(3 + body + 4 + envelope.byteLength)
  out[0] = TAG_HEADER_MARK
  out.writeUInt16BE(body, 1)
  let pos = 3
  for (let i = 0; i < tags.length; i++) {
    const length = out.write(tags[i] as string, pos + 2, 'utf8')
    out.writeUInt16BE(length, pos)
    pos += 2 + length
  }
  out.writeUInt32BE(crc32(out.subarray(0, pos)), pos)
  out.set(envelope, pos + 4)
  return out
}

/**
 * The envelope part of a stored value (a view, no copy), or a `CacheDecodeError` when its tag
 * header is truncated or does not match its checksum. Values without a header are returned
 * as they are (the envelope check judges them).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function stripTagHeader(stored: Buffer): Buffer | CacheDecodeError {
  if (stored.byteLength < 3 || stored[0] !== TAG_HEADER_MARK) return stored
  const body = stored.readUInt16BE(1)
  const end = 3 + body
  if (end + 4 > stored.byteLength) return new CacheDecodeError('tag header is truncated')
  if (stored.readUInt32BE(end) !== crc32(stored.subarray(0, end))) {
    return new CacheDecodeError('tag header checksum mismatch (corrupt entry)')
  }
  return stored.subarray(end + 4)
}

/**
 * The tags a stored value carries (`undefined` for an untagged value) and its envelope, or a
 * `CacheDecodeError` when its tag header is truncated or does not match its checksum.
 */
export function splitTagHeader(
  stored: Buffer,
): { readonly tags: readonly string[] | undefined; readonly envelope: Buffer } | CacheDecodeError {
  const envelope = stripTagHeader(stored)
  if (envelope instanceof CacheDecodeError) return envelope
  if (envelope === stored) return { tags: undefined, envelope }
  const end = 3 + stored.readUInt16BE(1)
  const tags: string[] = []
  let pos = 3
  while (pos + 2 <= end) {
    const length = stored.readUInt16BE(pos)
    tags.push(stored.toString('utf8', pos + 2, pos + 2 + length))
    pos += 2 + length
  }
  return { tags, envelope }
}

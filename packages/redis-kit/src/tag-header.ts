/**
 * Tagged values carry their tags in front of the envelope, so scripts can check an entry's
 * current tags (invalidation verifies membership; delete and overwrite clean the indexes):
 *
 * `0x54 'T'`, u16 body length, then per tag: u16 length + UTF-8 bytes; then the envelope.
 * Untagged values are the bare envelope (which starts with 0xCA), with no header at all.
 */
export const TAG_HEADER_MARK = 0x54

/** Prefixes `envelope` with a tag header. Throws `RangeError` when the tags exceed 64 KiB. */
export function withTagHeader(tags: readonly string[], envelope: Uint8Array): Buffer {
  let body = 0
  for (let i = 0; i < tags.length; i++) body += 2 + Buffer.byteLength(tags[i] as string, 'utf8')
  if (body > 0xffff) throw new RangeError('tags of one entry exceed 64 KiB')
  const out = Buffer.allocUnsafe(3 + body + envelope.byteLength)
  out[0] = TAG_HEADER_MARK
  out.writeUInt16BE(body, 1)
  let pos = 3
  for (let i = 0; i < tags.length; i++) {
    const length = out.write(tags[i] as string, pos + 2, 'utf8')
    out.writeUInt16BE(length, pos)
    pos += 2 + length
  }
  out.set(envelope, pos)
  return out
}

/** The envelope part of a stored value (a view, no copy). Malformed headers are left to the envelope check. */
export function stripTagHeader(stored: Buffer): Buffer {
  if (stored.byteLength < 3 || stored[0] !== TAG_HEADER_MARK) return stored
  const body = stored.readUInt16BE(1)
  if (3 + body > stored.byteLength) return stored
  return stored.subarray(3 + body)
}

import { crc32 } from './crc32.js'
import { CacheDecodeError } from './errors.js'

/**
 * The binary envelope every bytes store holds. Layout (big-endian):
 *
 * | bytes | field |
 * |---|---|
 * | 1 | magic `0xCA` |
 * | 1 | format version (`1`) |
 * | 1 | flags: bit 0 expiresAt present, bit 1 staleUntil present, bit 2 negative entry |
 * | 1 + n | encoder id (length, ASCII) |
 * | 1 | transformer count |
 * | per transformer: 1 + n, 1 + p | transformer id (length, ASCII), parameter (length, bytes) |
 * | 8 | createdAt, epoch ms (float64) |
 * | 8 | expiresAt (if flagged) |
 * | 8 | staleUntil (if flagged) |
 * | * | payload (the transformed encoder output; for a negative entry, empty or the output of its required transformers over no bytes) |
 * | 4 | CRC-32 of everything before it |
 *
 * Transformers are listed in the order they were applied; reading reverses them.
 */
export const ENVELOPE_MAGIC = 0xca
export const ENVELOPE_VERSION = 1

const FLAG_EXPIRES = 1
const FLAG_STALE = 2
const FLAG_NEGATIVE = 4
const KNOWN_FLAGS = FLAG_EXPIRES | FLAG_STALE | FLAG_NEGATIVE

/** One applied transformer as recorded in the envelope. */
export interface AppliedTransformer {
  readonly id: string
  readonly param: Uint8Array | undefined
}

/** Entry metadata carried by the envelope header. */
export interface EntryMeta {
  readonly createdAt: number
  readonly expiresAt: number | undefined
  readonly staleUntil: number | undefined
  readonly negative: boolean
}

/** A parsed envelope. `payload` is a view into the input bytes. */
export interface Envelope extends EntryMeta {
  readonly version: number
  readonly encoderId: string
  readonly transformers: readonly AppliedTransformer[]
  readonly payload: Uint8Array
}

const NO_TRANSFORMERS: readonly AppliedTransformer[] = Object.freeze([])

/** True for an encoder or transformer id the envelope can carry: 1-255 printable ASCII characters. */
export function isValidPartId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= 255 && /^[\x21-\x7e]+$/.test(id)
}

/**
 * The largest envelope cacheport writes, in bytes: Redis's 512 MiB string limit, less room
 * for a 64 KiB tag header. Every provider refuses a larger entry alike.
 */
export const MAX_ENTRY_BYTES = 512 * 1024 * 1024 - 65_536 - 3

/** The largest transformer parameter an envelope carries, in bytes. */
export const MAX_TRANSFORMER_PARAM_BYTES = 255

function checkId(id: string, what: string): void {
  if (!isValidPartId(id)) {
    throw new TypeError(`${what} id '${id}' must be 1-255 printable ASCII characters`)
  }
}

/**
 * Writes an envelope around `payload`: bytes, or a string whose UTF-8 bytes are the payload
 * (written straight into the envelope, with no intermediate buffer). Throws `TypeError` on
 * ids or params out of range.
 */
export function writeEnvelope(
  encoderId: string,
  transformers: readonly AppliedTransformer[],
  meta: EntryMeta,
  payload: Uint8Array | string,
): Buffer {
  const text = typeof payload === 'string'
  const payloadBytes = text ? Buffer.byteLength(payload, 'utf8') : payload.byteLength
  let size = 4 + encoderId.length + 1 + 8 + payloadBytes + 4
  for (const t of transformers) size += 2 + t.id.length + (t.param?.byteLength ?? 0)
  let flags = 0
  if (meta.expiresAt !== undefined) {
    flags |= FLAG_EXPIRES
    size += 8
  }
  if (meta.staleUntil !== undefined) {
    flags |= FLAG_STALE
    size += 8
  }
  if (meta.negative) flags |= FLAG_NEGATIVE
  const out = Buffer.allocUnsafe(size)
  out[0] = ENVELOPE_MAGIC
  out[1] = ENVELOPE_VERSION
  out[2] = flags
  let pos = writeId(out, 3, encoderId, 'encoder')
  out[pos++] = transformers.length
  for (const t of transformers) {
    pos = writeId(out, pos, t.id, 'transformer')
    const plen = t.param?.byteLength ?? 0
    if (plen > 255) throw new TypeError(`transformer '${t.id}' parameter exceeds 255 bytes`)
    out[pos++] = plen
    if (t.param !== undefined) {
      out.set(t.param, pos)
      pos += plen
    }
  }
  pos = out.writeDoubleBE(meta.createdAt, pos)
  if (meta.expiresAt !== undefined) pos = out.writeDoubleBE(meta.expiresAt, pos)
  if (meta.staleUntil !== undefined) pos = out.writeDoubleBE(meta.staleUntil, pos)
  if (text) out.write(payload, pos, 'utf8')
  else out.set(payload, pos)
  pos += payloadBytes
  out.writeUInt32BE(crc32(out, 0, pos), pos)
  return out
}

const idCache = new Map<string, boolean>()

function writeId(out: Buffer, pos: number, id: string, what: string): number {
  if (idCache.get(id) !== true) {
    checkId(id, what)
    if (idCache.size < 256) idCache.set(id, true)
  }
  out[pos++] = id.length
  out.write(id, pos, 'latin1')
  return pos + id.length
}

/** Recently read ids, so a hot read path does not allocate the same short string each time. */
const recentIds: string[] = []

function readId(bytes: Buffer, pos: number, length: number): string {
  const ids = recentIds
  outer: for (let j = 0; j < ids.length; j++) {
    const id = ids[j] as string
    if (id.length !== length) continue
    for (let i = 0; i < length; i++) if (id.charCodeAt(i) !== bytes[pos + i]) continue outer
    return id
  }
  const id = bytes.toString('latin1', pos, pos + length)
  if (ids.length < 8) ids.push(id)
  return id
}

/** Scratch for reading a big-endian float64 without `Buffer#readDoubleBE`'s argument checks. */
const float = new Float64Array(1)
const floatBytes = new Uint8Array(float.buffer)
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** The big-endian float64 at `bytes[pos, pos + 8)` (the caller checked the bounds). */
function readFloat64(bytes: Uint8Array, pos: number): number {
  const f = floatBytes
  if (LITTLE_ENDIAN) {
    for (let i = 0; i < 8; i++) f[7 - i] = bytes[pos + i] as number
  } else {
    for (let i = 0; i < 8; i++) f[i] = bytes[pos + i] as number
  }
  return float[0] as number
}

/** The big-endian uint32 at `bytes[pos, pos + 4)` (the caller checked the bounds). */
function readUint32(bytes: Uint8Array, pos: number): number {
  return (
    (((bytes[pos] as number) << 24) |
      ((bytes[pos + 1] as number) << 16) |
      ((bytes[pos + 2] as number) << 8) |
      (bytes[pos + 3] as number)) >>>
    0
  )
}

function fail(message: string): never {
  throw new CacheDecodeError(message)
}

/**
 * Where the parts of an envelope lie, as `readEnvelopeHeader` found them, with the entry's
 * metadata. Checked like `readEnvelope` (checksum included); the transformer list is only
 * walked over, so reading a header allocates nothing.
 */
export class EnvelopeHeader implements EntryMeta {
  encoderId = ''
  transformerCount = 0
  /** Offset of the first transformer record. */
  transformersStart = 0
  createdAt = 0
  expiresAt: number | undefined = undefined
  staleUntil: number | undefined = undefined
  negative = false
  /** The payload is `bytes[payloadStart, payloadEnd)`. */
  payloadStart = 0
  payloadEnd = 0
}

/** A Buffer over the same memory as `input` (no copy). */
export function bufferOf(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input)
    ? input
    : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
}

/**
 * Reads the header of the envelope `bytes` into `into` (overwriting it) and checks the whole
 * envelope as `readEnvelope` does. Throws `CacheDecodeError` for anything that is not a
 * complete, intact envelope of a known version.
 */
export function readEnvelopeHeader(bytes: Buffer, into: EnvelopeHeader): EnvelopeHeader {
  const len = bytes.byteLength
  if (len < 4 + 1 + 8 + 4) fail(`entry of ${len} bytes is too short to be a cacheport envelope`)
  if (bytes[0] !== ENVELOPE_MAGIC) fail('entry is not a cacheport envelope (bad magic byte)')
  const version = bytes[1] as number
  if (version !== ENVELOPE_VERSION) fail(`unsupported envelope version ${version}`)
  const flags = bytes[2] as number
  if ((flags & ~KNOWN_FLAGS) !== 0) fail(`unknown envelope flags 0x${flags.toString(16)}`)
  const body = len - 4
  if (readUint32(bytes, body) !== crc32(bytes, 0, body)) fail('entry checksum mismatch')
  let pos = 3
  const encLen = bytes[pos++] as number
  if (encLen === 0 || pos + encLen > body) fail('truncated encoder id')
  into.encoderId = readId(bytes, pos, encLen)
  pos += encLen
  if (pos >= body) fail('truncated transformer list')
  const count = bytes[pos++] as number
  into.transformerCount = count
  into.transformersStart = pos
  for (let i = 0; i < count; i++) {
    if (pos >= body) fail('truncated transformer id')
    const idLen = bytes[pos++] as number
    if (idLen === 0 || pos + idLen + 1 > body) fail('truncated transformer id')
    pos += idLen
    const plen = bytes[pos++] as number
    if (pos + plen > body) fail('truncated transformer parameter')
    pos += plen
  }
  const need = 8 + (flags & FLAG_EXPIRES ? 8 : 0) + (flags & FLAG_STALE ? 8 : 0)
  if (pos + need > body) fail('truncated timestamps')
  const createdAt = readFloat64(bytes, pos)
  pos += 8
  let expiresAt: number | undefined
  let staleUntil: number | undefined
  if (flags & FLAG_EXPIRES) {
    expiresAt = readFloat64(bytes, pos)
    pos += 8
  }
  if (flags & FLAG_STALE) {
    staleUntil = readFloat64(bytes, pos)
    pos += 8
  }
  if (!Number.isFinite(createdAt) || (expiresAt !== undefined && !Number.isFinite(expiresAt))) {
    fail('entry has invalid timestamps')
  }
  into.createdAt = createdAt
  into.expiresAt = expiresAt
  into.staleUntil = staleUntil
  into.negative = (flags & FLAG_NEGATIVE) !== 0
  into.payloadStart = pos
  into.payloadEnd = body
  return into
}

/** The envelope whose header `readEnvelopeHeader` read into `header`, as an `Envelope`. */
export function envelopeOf(bytes: Buffer, header: EnvelopeHeader): Envelope {
  let transformers = NO_TRANSFORMERS
  if (header.transformerCount > 0) {
    const list: AppliedTransformer[] = []
    let pos = header.transformersStart
    for (let i = 0; i < header.transformerCount; i++) {
      const idLen = bytes[pos++] as number
      const id = readId(bytes, pos, idLen)
      pos += idLen
      const plen = bytes[pos++] as number
      list.push({ id, param: plen === 0 ? undefined : bytes.subarray(pos, pos + plen) })
      pos += plen
    }
    transformers = list
  }
  return {
    version: ENVELOPE_VERSION,
    encoderId: header.encoderId,
    transformers,
    createdAt: header.createdAt,
    expiresAt: header.expiresAt,
    staleUntil: header.staleUntil,
    negative: header.negative,
    payload: bytes.subarray(header.payloadStart, header.payloadEnd),
  }
}

/**
 * Parses an envelope. Throws `CacheDecodeError` for anything that is not a complete, intact
 * envelope of a known version: wrong magic, unknown version or flags, truncation, or a
 * checksum mismatch.
 */
export function readEnvelope(input: Uint8Array): Envelope {
  const bytes = bufferOf(input)
  return envelopeOf(bytes, readEnvelopeHeader(bytes, new EnvelopeHeader()))
}

/**
 * The same envelope with a new logical expiry: header rewritten, payload (still transformed)
 * copied as it is, checksum recomputed. Needs no encoder or transformer. Throws
 * `CacheDecodeError` for bytes that are not an intact envelope.
 */
export function withEnvelopeExpiry(
  input: Uint8Array,
  expiry: { readonly expiresAt: number | undefined; readonly staleUntil: number | undefined },
): Buffer {
  const e = readEnvelope(input)
  return writeEnvelope(
    e.encoderId,
    e.transformers,
    {
      createdAt: e.createdAt,
      expiresAt: expiry.expiresAt,
      staleUntil: expiry.staleUntil,
      negative: e.negative,
    },
    e.payload,
  )
}

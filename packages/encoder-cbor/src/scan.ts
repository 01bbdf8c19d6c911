import { isUtf8 } from 'node:buffer'
import {
  TAG_EPOCH_DATE,
  TAG_MAP,
  TAG_NEGATIVE_BIGNUM,
  TAG_POSITIVE_BIGNUM,
  TAG_RECORD_DEFINITION,
  TAG_RECORD_FIRST,
  TAG_RECORD_LAST,
  TAG_SET,
} from './wire.js'

/** Text strings at least this long are checked with Node's native `isUtf8`. */
const NATIVE_UTF8_MIN = 48

/** What one scan knows. */
interface ScanState {
  readonly bytes: Uint8Array
  readonly view: DataView
  readonly records: boolean
  /** Key count of each record defined so far in this value, by record id (0-255). */
  readonly recordKeys: Int32Array
  pos: number
  /** Major type of the last head read. */
  major: number
}

/**
 * Checks, without building any value, that `bytes` is exactly one CBOR item of the subset this
 * encoder writes, so that cbor-x is only ever given input it reads exactly: definite lengths,
 * valid UTF-8 text, only `false`, `true`, `null`, `undefined` and floats as simple values, and
 * only the tags of `wire.ts` (record tags only when `records`), each with the payload type the
 * encoder writes. A record reference must follow its definition in the same value, so a value
 * never depends on state from another value. Nothing may follow the item.
 *
 * Throws `Error` naming the first problem. Input nested deeper than the stack allows throws the
 * engine's `RangeError`.
 */
export function scan(bytes: Uint8Array, records: boolean): void {
  if (bytes.length === 0) throw new Error('cbor encoder payload is empty')
  const s: ScanState = {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    records,
    recordKeys: new Int32Array(records ? 256 : 0).fill(-1),
    pos: 0,
    major: 0,
  }
  if (bytes[0] === 0xf7) throw new Error('cbor encoder payload is undefined at the top level')
  item(s, false)
  if (s.pos !== bytes.length) {
    throw new Error(
      `cbor encoder payload has ${bytes.length - s.pos} trailing bytes after a complete item`,
    )
  }
}

/** Major type of the item at `s.pos`, without consuming it. */
function peekMajor(s: ScanState): number {
  if (s.pos >= s.bytes.length) throw truncated()
  return (s.bytes[s.pos] as number) >> 5
}

/**
 * Reads one head: returns its argument and leaves the major type in `s.major`. Refuses
 * indefinite lengths and reserved additional information.
 */
function head(s: ScanState): number {
  const bytes = s.bytes
  if (s.pos >= bytes.length) throw truncated()
  const initial = bytes[s.pos++] as number
  s.major = initial >> 5
  const info = initial & 0x1f
  if (info < 24) return info
  let size: number
  switch (info) {
    case 24:
      size = 1
      break
    case 25:
      size = 2
      break
    case 26:
      size = 4
      break
    case 27:
      size = 8
      break
    case 31:
      throw new Error(
        initial === 0xff
          ? 'unexpected break code in cbor encoder payload'
          : 'indefinite-length item in cbor encoder payload (never written by this encoder)',
      )
    default:
      throw new Error(`reserved initial byte 0x${initial.toString(16)} in cbor encoder payload`)
  }
  if (s.pos + size > bytes.length) throw truncated()
  const at = s.pos
  s.pos += size
  switch (size) {
    case 1:
      return bytes[at] as number
    case 2:
      return s.view.getUint16(at)
    case 4:
      return s.view.getUint32(at)
    default: {
      const high = s.view.getUint32(at)
      // Exact below 2^53; larger is only ever a length, which then cannot fit in the input.
      return high * 0x1_0000_0000 + s.view.getUint32(at + 4)
    }
  }
}

/** Scans one item. `anyKeys`: a map item stands for a Map, whose keys may be of any type. */
function item(s: ScanState, anyKeys: boolean): void {
  const start = s.pos
  const arg = head(s)
  switch (s.major) {
    case 0:
    case 1:
      return
    case 2:
      skip(s, arg)
      return
    case 3:
      text(s, arg)
      return
    case 4:
      for (let i = 0; i < arg; i++) item(s, false)
      return
    case 5:
      // In records mode every CBOR map is a Map (objects are records).
      if (s.records) anyKeys = true
      for (let i = 0; i < arg; i++) {
        if (anyKeys) item(s, false)
        else key(s)
        item(s, false)
      }
      return
    case 6:
      tag(s, arg)
      return
    default: {
      // Major type 7: simple values and floats.
      const initial = s.bytes[start] as number
      if ((initial >= 0xf4 && initial <= 0xf7) || initial >= 0xf9) return
      throw new Error(`unsupported simple value 0x${initial.toString(16)} in cbor encoder payload`)
    }
  }
}

/** A key of a CBOR map that stands for a plain object: a text string. */
function key(s: ScanState): void {
  if (peekMajor(s) !== 3) throw new Error('object key in cbor encoder payload is not a string')
  text(s, head(s))
}

function tag(s: ScanState, number: number): void {
  switch (number) {
    case TAG_EPOCH_DATE: {
      const major = peekMajor(s)
      const initial = s.bytes[s.pos] as number
      // cbor-x writes whole seconds as an unsigned integer and anything else as a float64.
      if (major !== 0 && initial !== 0xfb) {
        throw new Error('Date in cbor encoder payload is not epoch seconds')
      }
      item(s, false)
      return
    }
    case TAG_POSITIVE_BIGNUM:
    case TAG_NEGATIVE_BIGNUM:
      if (peekMajor(s) !== 2) throw new Error('BigInt in cbor encoder payload is not a byte string')
      item(s, false)
      return
    case TAG_SET:
      if (peekMajor(s) !== 4) throw new Error('Set in cbor encoder payload is not an array')
      item(s, false)
      return
    case TAG_MAP:
      if (s.records) break
      if (peekMajor(s) !== 5) throw new Error('Map in cbor encoder payload is not a map')
      item(s, true)
      return
    case TAG_RECORD_DEFINITION:
      if (!s.records) break
      recordDefinition(s)
      return
    default:
      if (s.records && number >= TAG_RECORD_FIRST && number <= TAG_RECORD_LAST) {
        recordReference(s, number - TAG_RECORD_FIRST)
        return
      }
  }
  throw new Error(`unsupported CBOR tag ${number} in cbor encoder payload`)
}

/** `[id, [keys...], ...values]`: defines a record and reads one object with it. */
function recordDefinition(s: ScanState): void {
  if (peekMajor(s) !== 4) throw malformedRecord('definition is not an array')
  const length = head(s)
  if (length < 2) throw malformedRecord('definition is too short')
  const id = recordId(s) - TAG_RECORD_FIRST
  if (!(id >= 0 && id <= 0xff && Number.isInteger(id))) throw malformedRecord('id is out of range')
  if (peekMajor(s) !== 4) throw malformedRecord('keys are not an array')
  const keyCount = head(s)
  if (keyCount !== length - 2) throw malformedRecord('key and value counts differ')
  for (let i = 0; i < keyCount; i++) key(s)
  s.recordKeys[id] = keyCount
  for (let i = 0; i < keyCount; i++) item(s, false)
}

/**
 * The id of a record definition: an unsigned integer, or a float64 when the value was written
 * with floats only (it holds a -0, see `cbor-encoder.ts`).
 */
function recordId(s: ScanState): number {
  if (peekMajor(s) === 0) return head(s)
  if (s.bytes[s.pos] === 0xfb && s.pos + 9 <= s.bytes.length) {
    const id = s.view.getFloat64(s.pos + 1)
    s.pos += 9
    return id
  }
  throw malformedRecord('id is not a number')
}

/** A reference to a record defined earlier in this value, followed by its values. */
function recordReference(s: ScanState, id: number): void {
  const keyCount = s.recordKeys[id] as number
  if (keyCount < 0) throw malformedRecord(`reference to record ${id}, which is not defined before`)
  if (peekMajor(s) !== 4) throw malformedRecord('values are not an array')
  if (head(s) !== keyCount) throw malformedRecord('value count differs from the key count')
  for (let i = 0; i < keyCount; i++) item(s, false)
}

function skip(s: ScanState, length: number): void {
  if (length > s.bytes.length - s.pos) throw truncated()
  s.pos += length
}

function text(s: ScanState, length: number): void {
  const bytes = s.bytes
  const start = s.pos
  skip(s, length)
  const end = s.pos
  if (length >= NATIVE_UTF8_MIN) {
    if (!isUtf8(bytes.subarray(start, end))) throw invalidUtf8()
    return
  }
  for (let i = start; i < end; ) {
    const b = bytes[i++] as number
    if (b < 0x80) continue
    let need: number
    let min: number
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1
      min = 0x80
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      min = 0x800
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      min = 0x10000
    } else {
      throw invalidUtf8()
    }
    if (i + need > end) throw invalidUtf8()
    let code = b & (0x3f >> need)
    for (let k = 0; k < need; k++) {
      const c = bytes[i++] as number
      if ((c & 0xc0) !== 0x80) throw invalidUtf8()
      code = (code << 6) | (c & 0x3f)
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw invalidUtf8()
  }
}

function truncated(): Error {
  return new Error('cbor encoder payload is truncated')
}

function invalidUtf8(): Error {
  return new Error('text in cbor encoder payload is not valid UTF-8')
}

function malformedRecord(problem: string): Error {
  return new Error(`malformed record in cbor encoder payload: ${problem}`)
}

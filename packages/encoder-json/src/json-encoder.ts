import { CacheValueError, type Encoder } from '@cacheport/core'
import { fromWire } from './from-wire.js'
import { toWire } from './to-wire.js'
import { utf8Decode, utf8Encode, utf8Text } from './utf8.js'
import { PLAIN_PREFIX, TAGGED_PREFIX } from './wire.js'

/** The id the `json` encoder writes into every entry. */
const JSON_ENCODER_ID = 'json'

const PLAIN_MARK = String.fromCharCode(PLAIN_PREFIX)
const TAGGED_MARK = String.fromCharCode(TAGGED_PREFIX)

/** The encoded value as text: a format mark, then JSON. */
function encodeText(value: unknown): string {
  if (value === undefined) {
    throw new CacheValueError('ENCODE_FAILED', 'json encoder cannot encode undefined as a value')
  }
  let text: string
  let tagged: boolean
  try {
    const wire = toWire(value)
    tagged = wire.tagged
    text = JSON.stringify(wire.json)
  } catch (error) {
    if (error instanceof CacheValueError) throw error
    // A getter or toJSON that threw, or a structure too deep for the stack.
    throw new CacheValueError(
      'ENCODE_FAILED',
      `json encoder could not encode the value: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
  // Both marks are ASCII, so each is exactly one byte of the UTF-8 output.
  return (tagged ? TAGGED_MARK : PLAIN_MARK) + text
}

function encode(value: unknown): Uint8Array {
  return utf8Encode(encodeText(value))
}

function decode(bytes: Uint8Array): unknown {
  const prefix = checkPrefix(bytes, 0, bytes.length)
  let text: string
  try {
    text = utf8Decode(bytes, 1)
  } catch (error) {
    throw new Error('json encoder payload is not valid UTF-8', { cause: error })
  }
  return parse(prefix, text)
}

/**
 * `decode` of `bytes[start, end)` in an envelope whose checksum matched (see
 * `Encoder.decodeVerified`): those are the UTF-8 bytes `encode` wrote, so they are turned into text
 * with no separate UTF-8 validation and no sub-view. Syntax and tags are checked as `decode`
 * checks them.
 */
function decodeVerified(bytes: Uint8Array, start: number, end: number): unknown {
  const prefix = checkPrefix(bytes, start, end)
  return parse(prefix, utf8Text(bytes, start + 1, end))
}

/** The format byte at `start`; throws for an empty payload or an unknown format byte. */
function checkPrefix(bytes: Uint8Array, start: number, end: number): number {
  if (end <= start) throw new Error('json encoder payload is empty')
  const prefix = bytes[start] as number
  if (prefix !== PLAIN_PREFIX && prefix !== TAGGED_PREFIX) {
    throw new Error(
      `json encoder payload starts with unknown format byte 0x${prefix.toString(16).padStart(2, '0')}`,
    )
  }
  return prefix
}

function parse(prefix: number, text: string): unknown {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new SyntaxError(
      `json encoder payload is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
  return prefix === PLAIN_PREFIX ? parsed : fromWire(parsed)
}

const instance: Encoder<unknown> = Object.freeze({
  id: JSON_ENCODER_ID,
  encode,
  encodeText,
  decode,
  decodeVerified,
})

/**
 * The `json` encoder: JSON text that also round-trips Date, BigInt, Uint8Array (and Buffer,
 * read back as Uint8Array), Map, Set, NaN, ±Infinity, -0 and `undefined` in arrays, Maps and
 * Sets. Plain JSON values take a fast path: one `JSON.stringify` to write, one `JSON.parse` to
 * read. Always returns the same frozen instance, so registering it twice is harmless.
 *
 * `encodeText` returns the same bytes as text (the pipeline writes it straight into the
 * envelope), and `decodeVerified` reads a payload in place from an envelope whose checksum
 * matched (the pipeline's read of an entry with no transformer). `encode` and `encodeText` throw `CacheValueError` (`ENCODE_FAILED`) for `undefined` at the top level,
 * functions, symbols, objects of other classes and circular structures. `decode` throws
 * `Error` (a `SyntaxError` for invalid JSON) for empty input, an unknown format byte, invalid
 * UTF-8, invalid JSON or a malformed or unknown tag; it never returns a guess.
 */
export function jsonEncoder(): Encoder<unknown> {
  return instance
}

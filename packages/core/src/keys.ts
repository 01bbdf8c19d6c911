import { CacheKeyError } from './errors.js'
import type { KeyCodec } from './ports.js'

/** Default limit on an encoded key, in UTF-8 bytes. */
export const DEFAULT_MAX_KEY_BYTES = 1024

type WellFormed = string & { isWellFormed(): boolean }

/**
 * Checks an encoded key. Throws `CacheKeyError` with code `EMPTY_KEY`, `KEY_TOO_LONG` (over
 * `maxBytes` UTF-8 bytes) or `INVALID_KEY` (not a string, or a string with lone surrogates,
 * which no remote store could round-trip).
 */
export function validateKey(key: unknown, maxBytes: number): asserts key is string {
  // The common case in a few inlinable checks; anything unusual goes to the full check.
  if (
    typeof key !== 'string' ||
    key.length === 0 ||
    key.length * 3 > maxBytes ||
    !isWellFormedKey(key)
  ) {
    checkKeyFully(key, maxBytes)
  }
}

/** The full key check, with the errors; returns for a long key that fits in `maxBytes`. */
function checkKeyFully(key: unknown, maxBytes: number): void {
  if (typeof key !== 'string') {
    throw new CacheKeyError('INVALID_KEY', `key must be a string after encoding, got ${typeof key}`)
  }
  if (key.length === 0) throw new CacheKeyError('EMPTY_KEY', 'key must not be empty')
  const bytes = Buffer.byteLength(key, 'utf8')
  if (bytes > maxBytes) {
    throw new CacheKeyError(
      'KEY_TOO_LONG',
      `key is ${bytes} UTF-8 bytes, over the limit of ${maxBytes} (key starts '${key.slice(0, 32)}')`,
    )
  }
  if (!isWellFormedKey(key)) {
    throw new CacheKeyError('INVALID_KEY', 'key contains a lone UTF-16 surrogate')
  }
}

/**
 * True when `key` has no lone UTF-16 surrogate. Short keys (the usual case) are scanned here,
 * which V8 compiles inline; `String#isWellFormed` is a runtime call that costs more than the
 * whole scan of a short key.
 */
function isWellFormedKey(key: string): boolean {
  const length = key.length
  if (length > 64) return (key as WellFormed).isWellFormed()
  for (let i = 0; i < length; i++) {
    const c = key.charCodeAt(i)
    if ((c & 0xf800) !== 0xd800) continue
    // A high surrogate must be followed by a low one; a low one alone is lone.
    if (c > 0xdbff || i + 1 >= length || (key.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) return false
    i++
  }
  return true
}

/** The identity codec for string keys. */
export const stringKeys: KeyCodec<string> = {
  encode: (key) => key,
  decode: (encoded) => encoded,
}

/** Binary keys, stored as base64url strings (so any byte sequence is a valid key). */
export function bytesKeys(): KeyCodec<Uint8Array> {
  return {
    encode: (key) => {
      if (!(key instanceof Uint8Array)) {
        throw new CacheKeyError('INVALID_KEY', 'bytesKeys() expects Uint8Array keys')
      }
      return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64url')
    },
    decode: (encoded) => new Uint8Array(Buffer.from(encoded, 'base64url')),
  }
}

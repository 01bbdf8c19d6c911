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
  if (typeof key !== 'string') {
    throw new CacheKeyError('INVALID_KEY', `key must be a string after encoding, got ${typeof key}`)
  }
  if (key.length === 0) throw new CacheKeyError('EMPTY_KEY', 'key must not be empty')
  if (key.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(key, 'utf8')
    if (bytes > maxBytes) {
      throw new CacheKeyError(
        'KEY_TOO_LONG',
        `key is ${bytes} UTF-8 bytes, over the limit of ${maxBytes} (key starts '${key.slice(0, 32)}')`,
      )
    }
  }
  if (!(key as WellFormed).isWellFormed()) {
    throw new CacheKeyError('INVALID_KEY', 'key contains a lone UTF-16 surrogate')
  }
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

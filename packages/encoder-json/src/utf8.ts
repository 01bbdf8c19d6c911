import { isUtf8 } from 'node:buffer'

/** UTF-8 bytes of a string. Lone surrogates would become U+FFFD, but JSON text never has any. */
export function utf8Encode(text: string): Uint8Array {
  // Buffer.from takes small strings from Node's shared pool: cheaper than TextEncoder's
  // fresh ArrayBuffer per call, on the write path of every cache set.
  return Buffer.from(text, 'utf8')
}

/**
 * A string from UTF-8 bytes, starting at `start` (the bytes before it must be ASCII). Throws `TypeError` on invalid UTF-8 instead
 * of turning it into U+FFFD. A byte order mark is kept (so JSON.parse rejects it: the encoder
 * never writes one). `isUtf8` plus `Buffer#toString` is several times cheaper than a fatal
 * TextDecoder on the short payloads a cache reads most.
 */
export function utf8Decode(bytes: Uint8Array, start = 0): string {
  const view = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // Bytes before `start` are ASCII (a format byte): checking the whole view is the same check,
  // without allocating a sub-view.
  if (!isUtf8(view)) throw new TypeError('invalid UTF-8')
  return view.toString('utf8', start)
}

/**
 * The text of `bytes[start, end)`, decoded as UTF-8 with no validation (an invalid sequence
 * would become U+FFFD): only for bytes known to be what `utf8Encode` wrote.
 */
export function utf8Text(bytes: Uint8Array, start: number, end: number): string {
  const view = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // No encoding argument: UTF-8, the default, which skips the encoding lookup.
  return view.toString(undefined, start, end)
}

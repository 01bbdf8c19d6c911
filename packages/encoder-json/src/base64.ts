import { Buffer } from 'node:buffer'

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Bytes to padded standard base64. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/**
 * Canonical padded standard base64 to a fresh Uint8Array (never a pooled Buffer).
 * Throws `Error` for anything `toBase64` would not have produced: other characters, missing
 * or extra padding, non-zero unused bits.
 */
export function fromBase64(text: string): Uint8Array {
  if (!BASE64.test(text)) throw new Error('bytes payload is not canonical base64')
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  if (pad > 0) {
    // The last data character carries 4 (one byte left) or 2 (two bytes left) unused bits,
    // which must be zero: otherwise two texts would decode to the same bytes.
    const last = ALPHABET.indexOf(text.charAt(text.length - pad - 1))
    if ((last & (pad === 2 ? 0x0f : 0x03)) !== 0) {
      throw new Error('bytes payload is not canonical base64')
    }
  }
  return new Uint8Array(Buffer.from(text, 'base64'))
}

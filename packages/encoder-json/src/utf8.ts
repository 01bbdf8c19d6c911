const encoder = new TextEncoder()
// fatal: invalid UTF-8 throws instead of becoming U+FFFD. ignoreBOM: a byte order mark is kept,
// so JSON.parse rejects it (the encoder never writes one) instead of it being skipped silently.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** UTF-8 bytes of a string. Lone surrogates would become U+FFFD, but JSON text never has any. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text)
}

/** A string from UTF-8 bytes. Throws `TypeError` on invalid UTF-8. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

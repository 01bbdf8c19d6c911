import { CacheConfigError } from '@cacheport/core'

/** AES-256 key length in bytes. */
export const KEY_BYTES = 32

/** Key ids: 1-255 visible ASCII characters (0x21-0x7e), so they fit the envelope parameter. */
const KEY_ID = /^[\x21-\x7e]{1,255}$/

export function invalid(message: string): never {
  throw new CacheConfigError('INVALID_OPTION', message)
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function checkKeyId(id: unknown, where: string): string {
  if (typeof id !== 'string' || !KEY_ID.test(id)) {
    const shown = typeof id === 'string' ? `'${id.slice(0, 40)}'` : typeof id
    invalid(
      `${where}: key id must be 1-255 visible ASCII characters (0x21-0x7e, no spaces), got ${shown}`,
    )
  }
  return id
}

/** True when every byte equals the first one (all-zero keys included). */
export function isSingleByteRepeated(bytes: Uint8Array): boolean {
  for (let i = 1; i < bytes.byteLength; i++) if (bytes[i] !== bytes[0]) return false
  return true
}

/** Copies bytes given as a Uint8Array (Buffer included), or refuses anything else. */
export function copyBytes(value: unknown, where: string, hint = ''): Buffer {
  if (!(value instanceof Uint8Array)) {
    invalid(`${where} must be a Uint8Array or Buffer, got ${describe(value)}${hint}`)
  }
  return Buffer.from(value)
}

export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'object') return value.constructor?.name ?? 'an object'
  return typeof value
}

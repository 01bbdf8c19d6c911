import { hkdfSync } from 'node:crypto'
import {
  copyBytes,
  describe,
  invalid,
  isRecord,
  isSingleByteRepeated,
  KEY_BYTES,
} from './validate.js'

/** Shortest secret `deriveKey` accepts, in bytes (UTF-8 bytes for a string). */
export const MIN_SECRET_BYTES = 32
/** Shortest salt `deriveKey` accepts, in bytes. */
export const MIN_SALT_BYTES = 16
/** HKDF `info` used when none is given. */
export const DEFAULT_INFO = 'cacheport/aes-256-gcm/v1'

/** Options of `deriveKey`. */
export interface DeriveKeyOptions {
  /**
   * High-entropy secret (at least 32 bytes), for example 48 random bytes in base64 from a secret
   * manager. Not a password: HKDF does no key stretching.
   */
  readonly secret: string | Uint8Array
  /** Salt, at least 16 bytes. Not secret, but fixed for a deployment (changing it changes the key). */
  readonly salt: string | Uint8Array
  /** Context label; different labels give independent keys from the same secret. */
  readonly info?: string | Uint8Array
}

function toBytes(value: unknown, where: string): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  return copyBytes(value, where)
}

/**
 * Derives a 32-byte AES-256 key from a secret with HKDF-SHA256. Throws `CacheConfigError`
 * (`INVALID_OPTION`) for a secret under 32 bytes or made of one repeated byte, a salt under 16
 * bytes, or values of the wrong type.
 */
export function deriveKey(options: DeriveKeyOptions): Uint8Array {
  if (!isRecord(options)) invalid(`deriveKey needs an options object, got ${describe(options)}`)
  const secret = toBytes(options.secret, 'deriveKey: secret')
  if (secret.byteLength < MIN_SECRET_BYTES) {
    invalid(
      `deriveKey: secret is ${secret.byteLength} bytes, at least ${MIN_SECRET_BYTES} are required (use a random secret, not a password)`,
    )
  }
  if (isSingleByteRepeated(secret)) invalid('deriveKey: secret is one byte repeated')
  const salt = toBytes(options.salt, 'deriveKey: salt')
  if (salt.byteLength < MIN_SALT_BYTES) {
    invalid(`deriveKey: salt is ${salt.byteLength} bytes, at least ${MIN_SALT_BYTES} are required`)
  }
  const info = options.info === undefined ? DEFAULT_INFO : toBytes(options.info, 'deriveKey: info')
  if (info.length > 1024) invalid('deriveKey: info exceeds 1024 bytes')
  return new Uint8Array(hkdfSync('sha256', secret, salt, info, KEY_BYTES))
}

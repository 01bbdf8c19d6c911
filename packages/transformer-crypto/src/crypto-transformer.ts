import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import {
  checkKnownKeys,
  type TransformContext,
  type Transformer,
  TransformerPriority,
  type TransformResult,
} from '@cacheport/core'
import { NONCE_BYTES, writeNonce } from './nonce.js'
import {
  checkKeyId,
  copyBytes,
  describe,
  invalid,
  isRecord,
  isSingleByteRepeated,
  KEY_BYTES,
} from './validate.js'

/** The transformer id written into every entry it encrypted. */
export const CRYPTO_TRANSFORMER_ID = 'aes-256-gcm'
/** GCM authentication tag length: 128 bits. */
export const TAG_BYTES = 16
export { NONCE_BYTES }

type WellFormed = string & { isWellFormed(): boolean }

/** First bytes of the associated data: a label that pins the scheme and its version. */
const AAD_LABEL = Buffer.from('cacheport/aes-256-gcm/v1', 'latin1')

/** One key of the keyring. */
export interface KeyringEntry {
  /** Stored in every entry it encrypted: 1-255 visible ASCII characters (e.g. `2025-06`). */
  readonly id: string
  /** 32 random bytes, or the output of `deriveKey`. Copied on construction. */
  readonly key: Uint8Array
}

/** Options of `cryptoTransformer`. */
export interface CryptoTransformerOptions {
  /** Every key entries may have been written with. Reading needs the entry's key to be here. */
  readonly keys: readonly KeyringEntry[]
  /** The key new entries are encrypted with. */
  readonly activeKeyId: string
}

/** The AES-256-GCM transformer, with read-only information about its keyring. */
export interface CryptoTransformer extends Transformer {
  /** Id of the key new entries are encrypted with. */
  readonly activeKeyId: string
  /** Ids of every key that can decrypt, in keyring order. */
  readonly keyIds: readonly string[]
  /** Encrypts synchronously; never skips (returns `null`), so no value is stored in clear. */
  encode(bytes: Uint8Array, context: TransformContext): TransformResult
  /** Decrypts synchronously; throws `Error` for an unknown key id or failed authentication. */
  decode(bytes: Uint8Array, param: Uint8Array | undefined, context: TransformContext): Uint8Array
}

interface RingKey {
  readonly id: string
  readonly idBytes: Buffer
  readonly key: KeyObject
}

/**
 * Builds the AES-256-GCM transformer. Every value gets a fresh random 96-bit nonce; the output
 * is `nonce (12) || ciphertext || tag (16)`, and the envelope parameter is the key id. The
 * associated data binds the ciphertext to the namespace, the key and the key id.
 *
 * Throws `CacheConfigError` (`INVALID_OPTION`) for an empty keyring, a key that is not exactly
 * 32 bytes or is one repeated byte, two keys with the same id or the same bytes, a malformed key
 * id, or an `activeKeyId` that is not in the keyring.
 */
export function cryptoTransformer(options: CryptoTransformerOptions): CryptoTransformer {
  if (!isRecord(options)) {
    invalid(`cryptoTransformer needs an options object, got ${describe(options)}`)
  }
  checkKnownKeys(options, ['keys', 'activeKeyId'], 'cryptoTransformer')
  const { keys, activeKeyId } = options
  if (!Array.isArray(keys) || keys.length === 0) {
    invalid('cryptoTransformer: keys must be a non-empty array of { id, key }')
  }
  const ring = new Map<string, RingKey>()
  const material: Buffer[] = []
  for (const [i, entry] of keys.entries()) {
    if (!isRecord(entry)) invalid(`cryptoTransformer: keys[${i}] must be { id, key }`)
    checkKnownKeys(entry, ['id', 'key'], `cryptoTransformer: keys[${i}]`)
    const id = checkKeyId(entry.id, `cryptoTransformer: keys[${i}]`)
    if (ring.has(id)) invalid(`cryptoTransformer: two keys share the id '${id}'`)
    const bytes = copyBytes(
      entry.key,
      `cryptoTransformer: key '${id}'`,
      ' (to use a passphrase or secret string, derive a key with deriveKey)',
    )
    if (bytes.byteLength !== KEY_BYTES) {
      invalid(
        `cryptoTransformer: key '${id}' is ${bytes.byteLength} bytes, AES-256 needs exactly ${KEY_BYTES}`,
      )
    }
    if (isSingleByteRepeated(bytes)) {
      invalid(
        `cryptoTransformer: key '${id}' is one byte repeated (an all-zero or placeholder key)`,
      )
    }
    for (const [j, other] of material.entries()) {
      if (other.equals(bytes)) {
        invalid(`cryptoTransformer: keys '${keys[j]!.id}' and '${id}' are the same key`)
      }
    }
    material.push(bytes)
    ring.set(id, { id, idBytes: Buffer.from(id, 'latin1'), key: createSecretKey(bytes) })
  }
  for (const bytes of material) bytes.fill(0)
  if (typeof activeKeyId !== 'string' || !ring.has(activeKeyId)) {
    invalid(
      `cryptoTransformer: activeKeyId ${typeof activeKeyId === 'string' ? `'${activeKeyId}'` : describe(activeKeyId)} is not in the keyring (${[...ring.keys()].join(', ')})`,
    )
  }
  const active = ring.get(activeKeyId)!

  return Object.freeze({
    id: CRYPTO_TRANSFORMER_ID,
    priority: TransformerPriority.encryption,
    // Readers refuse entries that were not encrypted: a backend writer cannot plant plaintext.
    required: true,
    activeKeyId,
    keyIds: Object.freeze([...ring.keys()]),

    encode(bytes: Uint8Array, context: TransformContext): TransformResult {
      const aad = associatedData(active.idBytes, context)
      const size = bytes.byteLength
      const out = Buffer.allocUnsafe(NONCE_BYTES + size + TAG_BYTES)
      writeNonce(out, 0)
      const cipher = createCipheriv('aes-256-gcm', active.key, out.subarray(0, NONCE_BYTES), {
        authTagLength: TAG_BYTES,
      })
      cipher.setAAD(aad)
      const written = cipher.update(bytes).copy(out, NONCE_BYTES)
      cipher.final().copy(out, NONCE_BYTES + written)
      cipher.getAuthTag().copy(out, NONCE_BYTES + size)
      // A copy: the caller may keep or mutate the parameter, the keyring must not change.
      return { bytes: out, param: Buffer.from(active.idBytes) }
    },

    decode(
      bytes: Uint8Array,
      param: Uint8Array | undefined,
      context: TransformContext,
    ): Uint8Array {
      const key = keyFor(ring, param)
      const size = bytes.byteLength
      if (size < NONCE_BYTES + TAG_BYTES) {
        throw new Error(
          `${CRYPTO_TRANSFORMER_ID}: ciphertext of ${size} bytes is shorter than nonce and tag (${NONCE_BYTES + TAG_BYTES})`,
        )
      }
      const decipher = createDecipheriv('aes-256-gcm', key.key, bytes.subarray(0, NONCE_BYTES), {
        authTagLength: TAG_BYTES,
      })
      decipher.setAAD(associatedData(key.idBytes, context))
      decipher.setAuthTag(bytes.subarray(size - TAG_BYTES))
      const plain = decipher.update(bytes.subarray(NONCE_BYTES, size - TAG_BYTES))
      try {
        decipher.final()
      } catch {
        // Never hand back unauthenticated plaintext.
        plain.fill(0)
        throw new Error(
          `${CRYPTO_TRANSFORMER_ID}: authentication failed with key '${key.id}' (the entry was tampered with, truncated, or written for another namespace or key)`,
        )
      }
      return plain
    },
  })
}

function keyFor(ring: ReadonlyMap<string, RingKey>, param: Uint8Array | undefined): RingKey {
  if (param === undefined || param.byteLength === 0) {
    throw new Error(`${CRYPTO_TRANSFORMER_ID}: the entry carries no key id`)
  }
  const id = Buffer.from(param.buffer, param.byteOffset, param.byteLength).toString('latin1')
  const key = ring.get(id)
  if (key === undefined) {
    const shown = /^[\x21-\x7e]{1,64}$/.test(id)
      ? `'${id}'`
      : `0x${Buffer.from(param).toString('hex').slice(0, 64)}`
    throw new Error(
      `${CRYPTO_TRANSFORMER_ID}: key id ${shown} is not in the keyring (${[...ring.keys()].join(', ')})`,
    )
  }
  return key
}

/**
 * Associated data, every variable field length-prefixed so no two (key id, namespace, key)
 * triples share an encoding:
 *
 * `label || u8 len(keyId) || keyId || u32be len(ns) || ns (UTF-8) || u32be len(key) || key (UTF-8)`
 */
function associatedData(keyId: Buffer, context: TransformContext): Buffer {
  const { namespace, key } = context
  if (typeof namespace !== 'string' || typeof key !== 'string') {
    throw new TypeError(`${CRYPTO_TRANSFORMER_ID}: the context needs a string namespace and key`)
  }
  // A lone surrogate would turn into U+FFFD, so two different keys could share associated data.
  if (!(namespace as WellFormed).isWellFormed() || !(key as WellFormed).isWellFormed()) {
    throw new TypeError(`${CRYPTO_TRANSFORMER_ID}: namespace or key contains a lone surrogate`)
  }
  const nsLength = Buffer.byteLength(namespace, 'utf8')
  const keyLength = Buffer.byteLength(key, 'utf8')
  const out = Buffer.allocUnsafe(AAD_LABEL.length + 1 + keyId.length + 4 + nsLength + 4 + keyLength)
  let pos = AAD_LABEL.copy(out, 0)
  out[pos++] = keyId.length
  pos += keyId.copy(out, pos)
  pos = out.writeUInt32BE(nsLength, pos)
  pos += out.write(namespace, pos, 'utf8')
  pos = out.writeUInt32BE(keyLength, pos)
  out.write(key, pos, 'utf8')
  return out
}

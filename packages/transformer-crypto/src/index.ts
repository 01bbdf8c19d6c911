/**
 * @cacheport/transformer-crypto: AES-256-GCM encryption for cacheport entries, bound to the
 * namespace and key, with a keyring for rotation and HKDF key derivation.
 */
/// <reference types="node" preserve="true" />
// Node's types are part of this package's public types (Buffer in the key helpers), so
// the declarations reference them and package.json depends on @types/node.
export {
  CRYPTO_TRANSFORMER_ID,
  type CryptoTransformer,
  type CryptoTransformerOptions,
  cryptoTransformer,
  type KeyringEntry,
  NONCE_BYTES,
  TAG_BYTES,
} from './crypto-transformer.js'
export {
  DEFAULT_INFO,
  type DeriveKeyOptions,
  deriveKey,
  MIN_SALT_BYTES,
  MIN_SECRET_BYTES,
} from './derive-key.js'
export { KEY_BYTES } from './validate.js'

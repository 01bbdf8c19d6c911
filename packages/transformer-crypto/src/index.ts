/**
 * @cacheport/transformer-crypto: AES-256-GCM encryption for cacheport entries, bound to the
 * namespace and key, with a keyring for rotation and HKDF key derivation.
 */
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

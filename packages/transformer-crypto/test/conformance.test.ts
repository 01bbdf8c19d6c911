import { runTransformerConformance } from '@cacheport/conformance'
import { TransformerPriority } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { CRYPTO_TRANSFORMER_ID, cryptoTransformer, NONCE_BYTES, TAG_BYTES } from '../src/index.js'
import { flipBit, KEY_A, KEY_B } from './keys.js'

// The context the conformance suite decodes the corrupt table with.
const SUITE_CONTEXT = { namespace: 'conformance', key: 'some:key' }

const transformer = cryptoTransformer({ keys: [KEY_A, KEY_B], activeKeyId: KEY_A.id })
const sample = transformer.encode(Buffer.from('{"user":42,"name":"cacheport"}'), SUITE_CONTEXT)
const { bytes, param } = sample
const end = bytes.length

runTransformerConformance({
  name: CRYPTO_TRANSFORMER_ID,
  transformer,
  bindsContext: true,
  corrupt: [
    ['a flipped tag bit', { bytes: flipBit(bytes, -1, 7), param }],
    ['a flipped ciphertext bit', { bytes: flipBit(bytes, NONCE_BYTES + 3), param }],
    ['a flipped nonce bit', { bytes: flipBit(bytes, 0), param }],
    ['the tag cut short by one byte', { bytes: bytes.subarray(0, end - 1), param }],
    ['the ciphertext without its tag', { bytes: bytes.subarray(0, end - TAG_BYTES), param }],
    [
      'one byte less than nonce and tag',
      { bytes: bytes.subarray(0, NONCE_BYTES + TAG_BYTES - 1), param },
    ],
    ['an extra trailing byte', { bytes: Buffer.concat([bytes, Buffer.of(0)]), param }],
    ['empty bytes', { bytes: new Uint8Array(0), param }],
    ['an unknown key id', { bytes, param: Buffer.from('key-z') }],
    ['the id of another key in the keyring', { bytes, param: Buffer.from(KEY_B.id) }],
    ['a key id with a flipped bit', { bytes, param: flipBit(param!, 0) }],
    ['no key id', { bytes, param: undefined }],
    ['an empty key id', { bytes, param: new Uint8Array(0) }],
  ],
})

describe('the corrupt table above', () => {
  it('starts from a sample that decodes in the suite context', () => {
    const back = transformer.decode(bytes, param, SUITE_CONTEXT)
    expect(Buffer.from(back).toString()).toBe('{"user":42,"name":"cacheport"}')
  })

  it('is the encryption stage', () => {
    expect(transformer.id).toBe('aes-256-gcm')
    expect(transformer.priority).toBe(TransformerPriority.encryption)
  })
})

import { CacheConfigError } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import {
  type CryptoTransformerOptions,
  cryptoTransformer,
  type DeriveKeyOptions,
  deriveKey,
} from '../src/index.js'
import { KEY_A, KEY_B, testKey } from './keys.js'

const ctx = { namespace: 'ns', key: 'k' }
const SALT = 'cacheport-test-salt-16+'
const SECRET = 's'.repeat(31) + 'x' // 32 bytes, not one repeated byte

type Row = readonly [label: string, build: () => unknown, message: RegExp]

function build(options: unknown): () => unknown {
  return () => cryptoTransformer(options as CryptoTransformerOptions)
}

function derive(options: unknown): () => unknown {
  return () => deriveKey(options as DeriveKeyOptions)
}

const weakInputs: readonly Row[] = [
  // Options and keyring shape
  ['no options', build(undefined), /needs an options object/],
  ['keys not an array', build({ keys: KEY_A, activeKeyId: 'key-a' }), /non-empty array/],
  ['an empty keyring', build({ keys: [], activeKeyId: 'key-a' }), /non-empty array/],
  ['a keyring entry that is not an object', build({ keys: [null], activeKeyId: 'x' }), /keys\[0\]/],
  [
    'a misspelled option',
    build({ keys: [KEY_A], activeKeyID: 'key-a' }),
    /unknown option 'activeKeyID' \(did you mean 'activeKeyId'\?\)/,
  ],
  [
    'a misspelled keyring field',
    build({ keys: [{ id: 'key-a', kye: KEY_A.key }], activeKeyId: 'key-a' }),
    /keys\[0\]: unknown option 'kye' \(known: id, key\)/,
  ],
  // Key ids
  ['an empty key id', build({ keys: [{ ...KEY_A, id: '' }], activeKeyId: '' }), /key id/],
  [
    'a key id over 255 bytes',
    build({ keys: [{ ...KEY_A, id: 'k'.repeat(256) }], activeKeyId: 'k'.repeat(256) }),
    /key id/,
  ],
  [
    'a key id with a space',
    build({ keys: [{ ...KEY_A, id: 'key a' }], activeKeyId: 'key a' }),
    /key id/,
  ],
  [
    'a key id with a control character',
    build({ keys: [{ ...KEY_A, id: 'a\n' }], activeKeyId: 'a\n' }),
    /key id/,
  ],
  ['a non-ASCII key id', build({ keys: [{ ...KEY_A, id: 'clé' }], activeKeyId: 'clé' }), /key id/],
  [
    'a key id that is not a string',
    build({ keys: [{ ...KEY_A, id: 7 }], activeKeyId: 7 }),
    /key id/,
  ],
  [
    'duplicate key ids',
    build({ keys: [KEY_A, { ...KEY_B, id: KEY_A.id }], activeKeyId: KEY_A.id }),
    /share the id 'key-a'/,
  ],
  // Key material
  [
    'a 31-byte key',
    build({ keys: [{ id: 'a', key: testKey(1).subarray(1) }], activeKeyId: 'a' }),
    /31 bytes, AES-256 needs exactly 32/,
  ],
  [
    'a 33-byte key',
    build({
      keys: [{ id: 'a', key: Buffer.concat([testKey(1), Buffer.of(1)]) }],
      activeKeyId: 'a',
    }),
    /33 bytes/,
  ],
  [
    'a 16-byte (AES-128) key',
    build({ keys: [{ id: 'a', key: testKey(1).subarray(0, 16) }], activeKeyId: 'a' }),
    /16 bytes/,
  ],
  [
    'an all-zero key',
    build({ keys: [{ id: 'a', key: new Uint8Array(32) }], activeKeyId: 'a' }),
    /one byte repeated/,
  ],
  [
    'a key of one repeated byte',
    build({ keys: [{ id: 'a', key: new Uint8Array(32).fill(0xab) }], activeKeyId: 'a' }),
    /one byte repeated/,
  ],
  [
    'a string key (passphrase)',
    build({ keys: [{ id: 'a', key: 'x'.repeat(32) }], activeKeyId: 'a' }),
    /must be a Uint8Array.*deriveKey/,
  ],
  [
    'an ArrayBuffer key',
    build({ keys: [{ id: 'a', key: new ArrayBuffer(32) }], activeKeyId: 'a' }),
    /must be a Uint8Array/,
  ],
  [
    'two ids for the same key',
    build({ keys: [KEY_A, { id: 'copy', key: KEY_A.key }], activeKeyId: 'copy' }),
    /'key-a' and 'copy' are the same key/,
  ],
  // Active key
  [
    'an activeKeyId not in the keyring',
    build({ keys: [KEY_A], activeKeyId: 'key-b' }),
    /activeKeyId 'key-b' is not in the keyring/,
  ],
  [
    'a missing activeKeyId',
    build({ keys: [KEY_A] }),
    /activeKeyId undefined is not in the keyring/,
  ],
  // deriveKey
  ['deriveKey without options', derive(undefined), /needs an options object/],
  [
    'deriveKey with a 31-byte secret',
    derive({ secret: 's'.repeat(31), salt: SALT }),
    /secret is 31 bytes, at least 32/,
  ],
  ['deriveKey with an empty secret', derive({ secret: '', salt: SALT }), /secret is 0 bytes/],
  [
    'deriveKey with a repeated-byte secret',
    derive({ secret: new Uint8Array(64), salt: SALT }),
    /secret is one byte repeated/,
  ],
  [
    'deriveKey with a numeric secret',
    derive({ secret: 12345, salt: SALT }),
    /secret must be a Uint8Array/,
  ],
  [
    'deriveKey with an empty salt',
    derive({ secret: SECRET, salt: '' }),
    /salt is 0 bytes, at least 16/,
  ],
  [
    'deriveKey with a 15-byte salt',
    derive({ secret: SECRET, salt: new Uint8Array(15) }),
    /salt is 15 bytes/,
  ],
  ['deriveKey without a salt', derive({ secret: SECRET }), /salt must be a Uint8Array/],
  [
    'deriveKey with an oversized info',
    derive({ secret: SECRET, salt: SALT, info: 'i'.repeat(1025) }),
    /info exceeds 1024 bytes/,
  ],
]

describe('weak or malformed input', () => {
  it.each(weakInputs)('refuses %s', (_, make, message) => {
    let thrown: unknown
    try {
      make()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(CacheConfigError)
    expect((thrown as CacheConfigError).code).toBe('INVALID_OPTION')
    expect((thrown as Error).message).toMatch(message)
  })

  it('accepts the boundaries: 255-byte key id, 32-byte secret, 16-byte salt', () => {
    const id = '~'.repeat(255)
    expect(cryptoTransformer({ keys: [{ id, key: KEY_A.key }], activeKeyId: id }).activeKeyId).toBe(
      id,
    )
    expect(deriveKey({ secret: SECRET, salt: 's'.repeat(15) + 't' })).toHaveLength(32)
  })
})

describe('keyring', () => {
  it('reports its key ids and active key', () => {
    const t = cryptoTransformer({ keys: [KEY_A, KEY_B], activeKeyId: KEY_B.id })
    expect(t.keyIds).toEqual(['key-a', 'key-b'])
    expect(t.activeKeyId).toBe('key-b')
    expect(Object.isFrozen(t)).toBe(true)
  })

  it('copies keys: mutating the caller buffer afterwards changes nothing', () => {
    const callerKey = Uint8Array.from(KEY_A.key)
    const t = cryptoTransformer({ keys: [{ id: 'a', key: callerKey }], activeKeyId: 'a' })
    // Construction wipes its own copy, never the caller's buffer.
    expect(Buffer.from(callerKey).equals(Buffer.from(KEY_A.key))).toBe(true)
    const before = t.encode(Buffer.from('value'), ctx)
    callerKey.fill(0)
    const after = t.encode(Buffer.from('value'), ctx)
    // Both still decode with a fresh transformer built from the original key bytes.
    const fresh = cryptoTransformer({ keys: [{ id: 'a', key: KEY_A.key }], activeKeyId: 'a' })
    for (const { bytes, param } of [before, after]) {
      expect(Buffer.from(fresh.decode(bytes, param, ctx)).toString()).toBe('value')
    }
  })
})

describe('deriveKey', () => {
  it('matches RFC 5869 test case 2 (HKDF-SHA256, first 32 bytes)', () => {
    const range = (from: number) => Uint8Array.from({ length: 80 }, (_, i) => from + i)
    const key = deriveKey({ secret: range(0x00), salt: range(0x60), info: range(0xb0) })
    expect(Buffer.from(key).toString('hex')).toBe(
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c',
    )
  })

  it('is deterministic and treats a string secret as its UTF-8 bytes', () => {
    const a = deriveKey({ secret: SECRET, salt: SALT })
    const b = deriveKey({ secret: Buffer.from(SECRET), salt: Buffer.from(SALT) })
    expect(a).toBeInstanceOf(Uint8Array)
    expect(a).toHaveLength(32)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
  })

  it('gives independent keys for another salt, info or secret', () => {
    const base = Buffer.from(deriveKey({ secret: SECRET, salt: SALT })).toString('hex')
    const variants = [
      deriveKey({ secret: SECRET, salt: `${SALT}!` }),
      deriveKey({ secret: SECRET, salt: SALT, info: 'cacheport/aes-256-gcm/v2' }),
      deriveKey({ secret: `${SECRET}!`, salt: SALT }),
    ].map((k) => Buffer.from(k).toString('hex'))
    expect(new Set([base, ...variants]).size).toBe(4)
  })

  it('uses a fixed default info', () => {
    const implicit = deriveKey({ secret: SECRET, salt: SALT })
    const explicit = deriveKey({ secret: SECRET, salt: SALT, info: 'cacheport/aes-256-gcm/v1' })
    expect(Buffer.from(implicit).equals(Buffer.from(explicit))).toBe(true)
  })

  it('derives keys the transformer accepts', () => {
    const key = deriveKey({ secret: SECRET, salt: SALT })
    const t = cryptoTransformer({ keys: [{ id: 'derived', key }], activeKeyId: 'derived' })
    const { bytes, param } = t.encode(Buffer.from('ok'), ctx)
    expect(Buffer.from(t.decode(bytes, param, ctx)).toString()).toBe('ok')
  })
})

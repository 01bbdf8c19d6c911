import { createDecipheriv } from 'node:crypto'
import type { TransformContext, TransformResult } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { cryptoTransformer, NONCE_BYTES, TAG_BYTES } from '../src/index.js'
import { ascii, KEY_A, KEY_B } from './keys.js'

const t = cryptoTransformer({ keys: [KEY_A], activeKeyId: KEY_A.id })
const ctx: TransformContext = { namespace: 'users', key: 'user:1' }

function encode(input: Uint8Array, context = ctx): TransformResult {
  return t.encode(input, context)
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/** The associated data exactly as the README documents it. */
function documentedAad(keyId: string, context: TransformContext): Buffer {
  const ns = Buffer.from(context.namespace, 'utf8')
  const key = Buffer.from(context.key, 'utf8')
  return Buffer.concat([
    Buffer.from('cacheport/aes-256-gcm/v1'),
    Buffer.of(keyId.length),
    Buffer.from(keyId),
    u32(ns.length),
    ns,
    u32(key.length),
    key,
  ])
}

describe('output layout', () => {
  it('is nonce (12) || ciphertext || tag (16), with the key id as parameter', () => {
    const plain = Buffer.from('the plaintext, ünïcödé included')
    const { bytes, param } = encode(plain)
    expect(bytes.length).toBe(NONCE_BYTES + plain.length + TAG_BYTES)
    expect(ascii(param)).toBe(KEY_A.id)
    // Decrypt by hand, following only the documented layout and associated data.
    const decipher = createDecipheriv('aes-256-gcm', KEY_A.key, bytes.subarray(0, NONCE_BYTES))
    decipher.setAAD(documentedAad(KEY_A.id, ctx))
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
    const back = Buffer.concat([
      decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ])
    expect(back.equals(plain)).toBe(true)
  })

  it('encrypts empty input too (never skips, so nothing is stored in clear)', () => {
    const { bytes, param } = encode(new Uint8Array(0))
    expect(bytes.length).toBe(NONCE_BYTES + TAG_BYTES)
    expect(t.decode(bytes, param, ctx)).toHaveLength(0)
    expect(() => t.decode(bytes, param, { ...ctx, key: 'user:2' })).toThrow(/authentication/)
  })

  it('does not contain the plaintext', () => {
    const plain = Buffer.from('secret-value-'.repeat(20))
    const { bytes } = encode(plain)
    expect(Buffer.from(bytes).includes(Buffer.from('secret-value-'))).toBe(false)
  })

  it('hands out a parameter the caller may mutate without changing later entries', () => {
    const first = encode(Buffer.from('x'))
    first.param!.fill(0x41)
    const second = encode(Buffer.from('x'))
    expect(ascii(second.param)).toBe(KEY_A.id)
    expect(Buffer.from(t.decode(second.bytes, second.param, ctx)).toString()).toBe('x')
  })
})

describe('nonces', () => {
  it('are unique across 10,000 encodings', () => {
    const seen = new Set<string>()
    const input = Buffer.from('same input every time')
    for (let i = 0; i < 10_000; i++) {
      seen.add(Buffer.from(encode(input).bytes.subarray(0, NONCE_BYTES)).toString('hex'))
    }
    expect(seen.size).toBe(10_000)
  })

  it('make the same plaintext encrypt to different ciphertexts', () => {
    const input = Buffer.from('{"same":"value"}')
    const first = encode(input)
    const a = first.bytes
    const b = encode(input).bytes
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    // Not only the nonce differs: the ciphertext and tag do too.
    expect(Buffer.from(a.subarray(NONCE_BYTES)).equals(Buffer.from(b.subarray(NONCE_BYTES)))).toBe(
      false,
    )
    expect(Buffer.from(t.decode(a, first.param, ctx)).equals(input)).toBe(true)
  })
})

describe('associated data', () => {
  const input = Buffer.from('bound value')

  function decodesUnder(written: TransformContext, read: TransformContext): boolean {
    const { bytes, param } = encode(input, written)
    try {
      return Buffer.from(t.decode(bytes, param, read)).equals(input)
    } catch {
      return false
    }
  }

  it('decodes under the same namespace and key', () => {
    expect(decodesUnder(ctx, { namespace: 'users', key: 'user:1' })).toBe(true)
  })

  it.each([
    ['another key', { namespace: 'users', key: 'user:2' }],
    ['another namespace', { namespace: 'orders', key: 'user:1' }],
    ['namespace and key swapped', { namespace: 'user:1', key: 'users' }],
    ['the namespace/key boundary moved left', { namespace: 'user', key: 'suser:1' }],
    ['the namespace/key boundary moved right', { namespace: 'usersu', key: 'ser:1' }],
  ])('refuses %s', (_, read) => {
    expect(decodesUnder(ctx, read)).toBe(false)
  })

  it("encodes ('ab', 'c') and ('a', 'bc') differently", () => {
    expect(decodesUnder({ namespace: 'ab', key: 'c' }, { namespace: 'a', key: 'bc' })).toBe(false)
    expect(decodesUnder({ namespace: 'a', key: 'bc' }, { namespace: 'ab', key: 'c' })).toBe(false)
  })

  it('binds the key id: an entry relabelled with another id holding the same bytes fails', () => {
    // Two transformers whose keyrings give the same key bytes different ids.
    const relabelled = cryptoTransformer({
      keys: [{ id: 'other-id', key: KEY_A.key }],
      activeKeyId: 'other-id',
    })
    const { bytes } = encode(input)
    expect(() => relabelled.decode(bytes, Buffer.from('other-id'), ctx)).toThrow(
      /authentication failed/,
    )
  })

  it('refuses a namespace or key with a lone surrogate (UTF-8 would merge them)', () => {
    expect(() => t.encode(input, { namespace: 'users', key: 'a\ud800' })).toThrow(/surrogate/)
    expect(() => t.encode(input, { namespace: 'users\udc00', key: 'a' })).toThrow(/surrogate/)
  })
})

describe('decode errors', () => {
  const { bytes, param } = encode(Buffer.from('v'))

  it('name an unknown key id and the keyring', () => {
    expect(() => t.decode(bytes, Buffer.from(KEY_B.id), ctx)).toThrow(
      "aes-256-gcm: key id 'key-b' is not in the keyring (key-a)",
    )
  })

  it('show an unprintable key id as hex', () => {
    expect(() => t.decode(bytes, Buffer.of(0, 1, 0xff), ctx)).toThrow(/key id 0x0001ff /)
  })

  it('say authentication failed for tampered bytes', () => {
    const tampered = Uint8Array.from(bytes)
    tampered[NONCE_BYTES] = (tampered[NONCE_BYTES] as number) ^ 1
    expect(() => t.decode(tampered, param, ctx)).toThrow(/authentication failed with key 'key-a'/)
  })

  it('say the input is too short', () => {
    expect(() => t.decode(bytes.subarray(0, 27), param, ctx)).toThrow(/shorter than nonce and tag/)
  })
})

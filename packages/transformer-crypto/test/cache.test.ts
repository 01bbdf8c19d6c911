import {
  type BytesStore,
  type CacheEventMap,
  type CacheService,
  createCacheService,
  readEnvelope,
  type Transformer,
  TransformerPriority,
  writeEnvelope,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { afterEach, describe, expect, it } from 'vitest'
import { type CryptoTransformerOptions, cryptoTransformer, NONCE_BYTES } from '../src/index.js'
import { ascii, KEY_A, KEY_B } from './keys.js'

interface User {
  readonly id: number
  readonly name: string
}

type ErrorEvent = CacheEventMap['error']

const NS = 'users'
let provider = memoryProvider({ values: 'bytes' })
const services: CacheService[] = []

afterEach(async () => {
  services.length = 0
  await provider.close()
  provider = memoryProvider({ values: 'bytes' })
})

/** A service on the shared provider, encrypting with the given keyring. */
function service(keyring: CryptoTransformerOptions, extra: readonly Transformer[] = []) {
  const s = createCacheService({
    providers: { memory: provider },
    encoder: jsonEncoder(),
    transformers: [cryptoTransformer(keyring), ...extra],
  })
  services.push(s)
  return s
}

/** The namespace's cache plus the error events it emits. */
function open(s: CacheService, ns = NS) {
  const cache = s.namespace<User>(ns)
  const errors: ErrorEvent[] = []
  cache.on('error', (e) => errors.push(e))
  return { cache, errors }
}

function rawStore(ns = NS): BytesStore {
  return provider.openStore({ namespace: ns }) as BytesStore
}

async function raw(key: string, ns = NS): Promise<Uint8Array> {
  const bytes = await rawStore(ns).get(key)
  if (bytes === undefined) throw new Error(`nothing stored under ${ns}/${key}`)
  if (!(bytes instanceof Uint8Array)) throw bytes
  return bytes
}

async function keyIdOf(key: string): Promise<string | undefined> {
  const env = readEnvelope(await raw(key))
  expect(env.transformers.map((t) => t.id)).toEqual(['aes-256-gcm'])
  return ascii(env.transformers[0]!.param)
}

function expectDecodeFailure(errors: readonly ErrorEvent[], key: string, message: RegExp): void {
  expect(errors).toHaveLength(1)
  const [event] = errors
  expect(event!.namespace).toBe(NS)
  expect(event!.key).toBe(key)
  expect(event!.operation).toBe('get')
  expect((event!.error as { code?: string }).code).toBe('DECODE_FAILED')
  expect(event!.error.message).toMatch(message)
}

const alice: User = { id: 1, name: 'alice' }
const bob: User = { id: 2, name: 'bob' }
const carol: User = { id: 3, name: 'carol' }

describe('through a Cache on provider-memory (bytes)', () => {
  it('round-trips values and stores only ciphertext', async () => {
    const { cache, errors } = open(service({ keys: [KEY_A], activeKeyId: KEY_A.id }))
    await cache.set('u1', alice)
    expect(await cache.get('u1')).toEqual(alice)
    expect(Buffer.from(await raw('u1')).includes(Buffer.from('alice'))).toBe(false)
    expect(await keyIdOf('u1')).toBe(KEY_A.id)
    expect(errors).toEqual([])
  })

  it('rotates: old entries stay readable while their key is in the keyring', async () => {
    // 1. Written under key A only.
    const a = open(service({ keys: [KEY_A], activeKeyId: KEY_A.id }))
    await a.cache.set('u1', alice)
    await a.cache.set('u2', bob)
    expect(await keyIdOf('u1')).toBe(KEY_A.id)

    // 2. Keyring [A, B], B active: A-entries read, new entries use B.
    const ab = open(service({ keys: [KEY_A, KEY_B], activeKeyId: KEY_B.id }))
    expect(await ab.cache.get('u1')).toEqual(alice)
    expect(await ab.cache.get('u2')).toEqual(bob)
    await ab.cache.set('u3', carol)
    await ab.cache.set('u2', bob) // rewritten: now under B
    expect(await keyIdOf('u1')).toBe(KEY_A.id)
    expect(await keyIdOf('u2')).toBe(KEY_B.id)
    expect(await keyIdOf('u3')).toBe(KEY_B.id)
    expect(await ab.cache.get('u3')).toEqual(carol)
    expect(ab.errors).toEqual([])

    // 3. Keyring [B] only: the A-entry is a miss plus an error event; B-entries still read.
    const b = open(service({ keys: [KEY_B], activeKeyId: KEY_B.id }))
    const misses: string[] = []
    b.cache.on('miss', (e) => misses.push(e.key))
    await expect(b.cache.get('u1')).resolves.toBeUndefined()
    expectDecodeFailure(b.errors, 'u1', /key id 'key-a' is not in the keyring/)
    expect(misses).toEqual(['u1'])
    expect(await b.cache.get('u2')).toEqual(bob)
    expect(await b.cache.get('u3')).toEqual(carol)
    expect(b.errors).toHaveLength(1)

    // The service that still holds A reads the A-entry.
    expect(await ab.cache.get('u1')).toEqual(alice)
  })

  it('getOrSet reloads an entry whose key left the keyring and rewrites it under the active key', async () => {
    await open(service({ keys: [KEY_A], activeKeyId: KEY_A.id })).cache.set('u1', alice)
    const { cache, errors } = open(service({ keys: [KEY_B], activeKeyId: KEY_B.id }))
    expect(await cache.getOrSet('u1', async () => bob)).toEqual(bob)
    expectDecodeFailure(errors, 'u1', /key id 'key-a' is not in the keyring \(key-b\)/)
    expect(await keyIdOf('u1')).toBe(KEY_B.id)
    expect(await cache.get('u1')).toEqual(bob)
  })

  it('a ciphertext copied to another key is a miss plus an error event', async () => {
    const { cache, errors } = open(service({ keys: [KEY_A], activeKeyId: KEY_A.id }))
    await cache.set('u1', alice)
    await cache.set('u2', bob)
    // Someone with write access to the store plants u1's bytes under u2.
    await rawStore().set('u2', await raw('u1'))
    await expect(cache.get('u2')).resolves.toBeUndefined()
    expectDecodeFailure(errors, 'u2', /authentication failed/)
    expect(await cache.get('u1')).toEqual(alice)
  })

  it('a ciphertext copied to another namespace is a miss plus an error event', async () => {
    const s = service({ keys: [KEY_A], activeKeyId: KEY_A.id })
    const users = open(s, NS)
    const admins = open(s, 'admins')
    await users.cache.set('u1', alice)
    await rawStore('admins').set('u1', await raw('u1'))
    await expect(admins.cache.get('u1')).resolves.toBeUndefined()
    expect(admins.errors).toHaveLength(1)
    expect(admins.errors[0]!.error.message).toMatch(/authentication failed/)
    expect(await users.cache.get('u1')).toEqual(alice)
  })

  it('a tampered payload with a recomputed checksum is a miss plus an error event', async () => {
    const { cache, errors } = open(service({ keys: [KEY_A], activeKeyId: KEY_A.id }))
    await cache.set('u1', alice)
    const env = readEnvelope(await raw('u1'))
    const payload = Uint8Array.from(env.payload)
    payload[NONCE_BYTES] = (payload[NONCE_BYTES] as number) ^ 0x01
    // writeEnvelope recomputes the CRC, so only the AEAD tag can notice.
    await rawStore().set('u1', writeEnvelope(env.encoderId, env.transformers, env, payload))
    await expect(cache.get('u1')).resolves.toBeUndefined()
    expectDecodeFailure(errors, 'u1', /authentication failed/)
  })

  it('compression listed after crypto still runs first, on the plaintext', async () => {
    const seen: Uint8Array[] = []
    const reverse = (bytes: Uint8Array) => Uint8Array.from(bytes).reverse()
    const fakeCompression: Transformer = {
      id: 'test-compression',
      priority: TransformerPriority.compression,
      encode(bytes) {
        seen.push(Uint8Array.from(bytes))
        return { bytes: reverse(bytes) }
      },
      decode: (bytes) => reverse(bytes),
    }
    const { cache, errors } = open(
      service({ keys: [KEY_A], activeKeyId: KEY_A.id }, [fakeCompression]),
    )
    await cache.set('u1', alice)
    const env = readEnvelope(await raw('u1'))
    expect(env.transformers.map((t) => t.id)).toEqual(['test-compression', 'aes-256-gcm'])
    // The compression stage saw the encoder output, not ciphertext.
    expect(seen).toHaveLength(1)
    expect(Buffer.from(seen[0]!).equals(Buffer.from(jsonEncoder().encode(alice)))).toBe(true)
    expect(await cache.get('u1')).toEqual(alice)
    expect(errors).toEqual([])
  })
})

describe('entries that were never encrypted', () => {
  it('a plaintext entry planted by a backend writer is a miss plus an error event', async () => {
    const writer = createCacheService({ providers: { memory: provider }, encoder: jsonEncoder() })
    await writer.namespace<User>(NS).set('u:1', { id: 1, name: 'planted' })
    const { cache, errors } = open(service({ keys: [KEY_A], activeKeyId: KEY_A.id }))
    expect(await cache.get('u:1')).toBeUndefined()
    expect(errors.map((e) => e.error.message)).toEqual([
      expect.stringMatching(/required transformer 'aes-256-gcm'/),
    ])
  })

  it('a forged "not found" entry does not block getOrSet, while an encrypted one is honoured', async () => {
    const writer = createCacheService({ providers: { memory: provider }, encoder: jsonEncoder() })
    await writer.namespace<User>(NS).getOrSet('u:2', (ctx) => ctx.notFound())
    const { cache } = open(service({ keys: [KEY_A], activeKeyId: KEY_A.id }))
    let loads = 0
    const load = () => {
      loads++
      return { id: 2, name: 'real' }
    }
    expect(await cache.getOrSet('u:2', load)).toEqual({ id: 2, name: 'real' })
    expect(loads).toBe(1)
    await cache.delete('u:2')
    expect(await cache.getOrSet('u:3', (ctx) => ctx.notFound())).toBeUndefined()
    expect(readEnvelope(await raw('u:3')).transformers.map((t) => t.id)).toEqual(['aes-256-gcm'])
    expect(await cache.getOrSet('u:3', load)).toBeUndefined()
    expect(loads).toBe(1)
  })
})

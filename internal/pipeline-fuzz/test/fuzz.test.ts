import { crc32 } from 'node:zlib'
import {
  type CacheEventMap,
  type CacheProvider,
  createCacheService,
  type Encoder,
  readEnvelope,
  type Store,
  type Transformer,
} from '@cacheport/core'
import { cborEncoder } from '@cacheport/encoder-cbor'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { redisProvider } from '@cacheport/provider-redis'
import { mulberry32, type ServerHandle, startServer } from '@cacheport/test-harness'
import { cryptoTransformer } from '@cacheport/transformer-crypto'
import { gzipTransformer } from '@cacheport/transformer-gzip'
import { zstdTransformer } from '@cacheport/transformer-zstd'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const MUTATIONS = 10_000
const key = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff)

interface Pipeline {
  readonly name: string
  readonly encoder: Encoder
  readonly transformers: readonly Transformer[]
  /** True when a re-sealed (valid checksum) corruption must still be refused: authenticated. */
  readonly authenticated: boolean
}

const pipelines: readonly Pipeline[] = [
  { name: 'json', encoder: jsonEncoder(), transformers: [], authenticated: false },
  {
    name: 'cbor+gzip',
    encoder: cborEncoder(),
    transformers: [gzipTransformer({ minBytes: 64 })],
    authenticated: false,
  },
  {
    name: 'cbor+zstd+crypto',
    encoder: cborEncoder(),
    transformers: [
      cryptoTransformer({ keys: [{ id: 'k1', key }], activeKeyId: 'k1' }),
      zstdTransformer({ minBytes: 64 }),
    ],
    authenticated: true,
  },
]

/** Values of many shapes and sizes (all under ~8 KB, where CRC-32 catches every 3-bit error). */
function values(random: () => number): unknown[] {
  const text = (n: number) =>
    Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(random() * 90))).join('')
  return Array.from({ length: 40 }, (_, i) => {
    switch (i % 5) {
      case 0:
        return {
          id: i,
          name: text(10 + i),
          at: new Date(1_700_000_000_000 + i),
          tags: ['a', text(5)],
        }
      case 1:
        return Array.from({ length: 1 + i * 3 }, (_, j) => ({ j, v: text(8) }))
      case 2:
        return text(50 + i * 40)
      case 3:
        return new Uint8Array(200 + i * 10).map(() => Math.floor(random() * 256))
      default:
        return {
          nested: {
            deep: { list: [1, 2, 3], map: new Map([[i, text(20)]]), big: BigInt(i) * 10n ** 20n },
          },
        }
    }
  })
}

/** Random strings, truncations and 1-3 bit flips of valid entries. */
function mutations(valid: readonly Uint8Array[], random: () => number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < MUTATIONS; i++) {
    const base = valid[Math.floor(random() * valid.length)] as Uint8Array
    const kind = i % 3
    if (kind === 0) {
      out.push(new Uint8Array(Math.floor(random() * 300)).map(() => Math.floor(random() * 256)))
    } else if (kind === 1) {
      out.push(Uint8Array.from(base.subarray(0, Math.floor(random() * base.byteLength))))
    } else {
      // A copy: Buffer#slice would be a view and corrupt the original.
      const copy = Uint8Array.from(base)
      // 1-3 distinct bits: flipping one bit twice would give back the valid entry.
      const bits = new Set<number>()
      const flips = 1 + Math.floor(random() * 3)
      while (bits.size < flips) bits.add(Math.floor(random() * copy.byteLength * 8))
      for (const bit of bits) copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7))
      out.push(copy)
    }
  }
  return out
}

/** A corrupted payload behind a valid header and a recomputed checksum: what a hostile writer could plant. */
function reseal(entry: Uint8Array, random: () => number): Uint8Array {
  const envelope = readEnvelope(entry)
  const payloadStart = entry.byteLength - 4 - envelope.payload.byteLength
  const copy = Buffer.from(entry)
  const bit = Math.floor(random() * envelope.payload.byteLength * 8)
  copy[payloadStart + (bit >> 3)] = (copy[payloadStart + (bit >> 3)] as number) ^ (1 << (bit & 7))
  copy.writeUInt32BE(crc32(copy.subarray(0, copy.byteLength - 4)), copy.byteLength - 4)
  return copy
}

async function fuzz(provider: CacheProvider, pipeline: Pipeline, namespace: string, seed: number) {
  const random = mulberry32(seed)
  const service = createCacheService({
    providers: { p: provider },
    encoder: pipeline.encoder,
    transformers: pipeline.transformers,
  })
  const cache = service.namespace<unknown>(namespace)
  const store = provider.openStore({ namespace }) as Store<Uint8Array>
  const originals = values(random)
  await cache.setMany(originals.map((value, i) => ({ key: `valid${i}`, value })))
  expect(await cache.getMany(originals.map((_, i) => `valid${i}`))).toEqual(originals)
  const valid = (await store.getMany(originals.map((_, i) => `valid${i}`))) as Uint8Array[]
  const errors: CacheEventMap['error'][] = []
  cache.on('error', (e) => errors.push(e))
  const planted = mutations(valid, random)
  const batch = 500
  let misses = 0
  for (let start = 0; start < planted.length; start += batch) {
    const chunk = planted.slice(start, start + batch)
    await store.setMany(chunk.map((entry, i) => ({ key: `bad${start + i}`, entry })))
    const read = await cache.getMany(chunk.map((_, i) => `bad${start + i}`))
    misses += read.filter((v) => v === undefined).length
  }
  return { planted: planted.length, misses, errors, valid, cache, store, random }
}

function describeBackend(
  label: string,
  create: () => Promise<CacheProvider>,
  cleanup: () => Promise<void>,
) {
  describe(`read-path fuzz on ${label}`, () => {
    afterAll(cleanup)
    for (const [index, pipeline] of pipelines.entries()) {
      it(`${pipeline.name}: ${MUTATIONS} random, truncated and bit-flipped entries are each a miss plus an error event`, async () => {
        const provider = await create()
        const result = await fuzz(provider, pipeline, `fuzz-${index}`, 1000 + index)
        expect(result.misses).toBe(result.planted)
        expect(result.errors).toHaveLength(result.planted)
        expect(new Set(result.errors.map((e) => (e.error as { code?: string }).code))).toEqual(
          new Set(['DECODE_FAILED']),
        )
        if (pipeline.authenticated) {
          // With a valid checksum, only authentication stands between a corrupted payload and
          // the reader: each must still be refused.
          const resealed = Array.from({ length: 2_000 }, (_, i) =>
            reseal(result.valid[i % result.valid.length] as Uint8Array, result.random),
          )
          await result.store.setMany(resealed.map((entry, i) => ({ key: `sealed${i}`, entry })))
          const read = await result.cache.getMany(resealed.map((_, i) => `sealed${i}`))
          expect(read.filter((v) => v !== undefined)).toHaveLength(0)
        }
        await provider.close()
      })
    }
  })
}

describeBackend(
  'provider-memory (bytes)',
  async () => memoryProvider({ maximumSize: 100_000 }),
  async () => {},
)

let server: ServerHandle | undefined
beforeAll(async () => {
  server = await startServer({ kind: 'redis' })
}, 60_000)
describeBackend(
  'provider-redis (real redis-server)',
  async () => redisProvider({ url: (server as ServerHandle).url }),
  async () => {
    await server?.stop()
  },
)

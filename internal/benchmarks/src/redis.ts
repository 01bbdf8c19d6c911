import { type Cache, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { nodeRedisProvider, type RedisFamilyProvider } from '@cacheport/provider-node-redis'
import { redisProvider } from '@cacheport/provider-redis'
import { mulberry32, type ServerHandle, startServer } from '@cacheport/test-harness'
import { createClient } from '@redis/client'
import { Redis } from 'ioredis'
import type { Bench, Round, Subject } from './harness.js'

/**
 * cacheport on Redis against raw clients, on one redis-server the parent starts for the whole
 * run, with each client library on both sides: ioredis (cacheport's provider-redis) and
 * node-redis (provider-node-redis). Raw subjects do what a hand-written cache does:
 * JSON.stringify + SET, GET + JSON.parse, MGET + JSON.parse. Every subject uses one client;
 * ioredis with auto-pipelining, node-redis writing the commands of one tick in one batch (its
 * only mode).
 */
const URL_ENV = 'CACHEPORT_BENCH_REDIS_URL'
const KEYS = 10_000
const CONCURRENCY = 1_000
const BATCH = 100

let server: ServerHandle | undefined

/** Parent side: start (once) the server every redis bench uses; children read its URL. */
export async function startBenchServer(): Promise<void> {
  server ??= await startServer({ kind: 'redis' })
  process.env[URL_ENV] = server.url
}

export async function stopBenchServer(): Promise<void> {
  await server?.stop()
  server = undefined
}

export function url(): string {
  const u = process.env[URL_ENV]
  if (u === undefined) throw new Error(`${URL_ENV} is not set: run through npm run bench`)
  return u
}

export const record = (i: number) => ({
  id: i,
  name: `product ${i}`,
  price: 9.99 + i,
  tags: ['a', 'b'],
  stock: i % 17,
})
const key = (i: number) => `p:${i}`

function seededOrder(seed: number, n: number): Uint32Array {
  const random = mulberry32(seed)
  return Uint32Array.from({ length: n }, () => Math.floor(random() * KEYS))
}

async function raw(): Promise<Redis> {
  const client = new Redis(url(), { enableAutoPipelining: true })
  await client.ping()
  return client
}

/** The provider a cacheport subject runs on: ioredis (provider-redis) or node-redis. */
type Client = 'ioredis' | 'node-redis'

function provider(client: Client): Promise<RedisFamilyProvider> {
  return client === 'ioredis'
    ? redisProvider({ url: url(), keyPrefix: 'bench:' })
    : nodeRedisProvider({ url: url(), keyPrefix: 'bench:' })
}

async function cached(client: Client = 'ioredis'): Promise<Cache<ReturnType<typeof record>>> {
  const provider_ = await provider(client)
  const cache = createCacheService({
    providers: { redis: provider_ },
    encoder: jsonEncoder(),
  }).namespace<ReturnType<typeof record>>('products', { ttl: '1h' })
  await cache.setMany(Array.from({ length: KEYS }, (_, i) => ({ key: key(i), value: record(i) })))
  return cache
}

async function rawFilled(): Promise<Redis> {
  const client = await raw()
  await Promise.all(
    Array.from({ length: KEYS }, (_, i) =>
      client.set(key(i), JSON.stringify(record(i)), 'EX', 3600),
    ),
  )
  return client
}

/** A raw node-redis client (string replies, its default), connected. */
async function rawNode() {
  const client = createClient({ url: url() })
  await client.connect()
  return client
}

async function rawNodeFilled() {
  const client = await rawNode()
  await Promise.all(
    Array.from({ length: KEYS }, (_, i) =>
      client.set(key(i), JSON.stringify(record(i)), { expiration: { type: 'EX', value: 3600 } }),
    ),
  )
  return client
}

/** Runs `op` for `ops` operations with `concurrency` in flight; counts truthy results. */
function loop(order: Uint32Array, concurrency: number, op: (i: number) => Promise<unknown>): Round {
  let cursor = 0
  return async (ops) => {
    let found = 0
    let issued = 0
    const worker = async () => {
      while (issued < ops) {
        issued++
        const i = order[cursor++ % order.length] as number
        if (await op(i)) found++
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return found
  }
}

/** One subject: `prepare` builds the operation on key index `i`, resolving to "found". */
function subject(
  name: string,
  opsPerRound: number,
  concurrency: number,
  prepare: () => Promise<(i: number) => Promise<boolean>>,
): Subject {
  return {
    name,
    opsPerRound,
    async setup(seed) {
      return loop(seededOrder(seed, 1 << 16), concurrency, await prepare())
    },
  }
}

function getPair(concurrency: number, opsPerRound: number): Subject[] {
  return [
    subject('ioredis GET + JSON.parse', opsPerRound, concurrency, async () => {
      const client = await rawFilled()
      return async (i) => {
        const b = await client.getBuffer(key(i))
        return b !== null && JSON.parse(b.toString()) !== null
      }
    }),
    subject('cacheport Cache.get', opsPerRound, concurrency, async () => {
      const cache = await cached()
      return async (i) => (await cache.get(key(i))) !== undefined
    }),
    subject('node-redis GET + JSON.parse', opsPerRound, concurrency, async () => {
      const client = await rawNodeFilled()
      return async (i) => {
        const s = await client.get(key(i))
        return s !== null && JSON.parse(s) !== null
      }
    }),
    subject('cacheport Cache.get (node-redis)', opsPerRound, concurrency, async () => {
      const cache = await cached('node-redis')
      return async (i) => (await cache.get(key(i))) !== undefined
    }),
  ]
}

function setPair(concurrency: number, opsPerRound: number): Subject[] {
  const px = 3_600_000
  return [
    subject('ioredis SET (JSON.stringify)', opsPerRound, concurrency, async () => {
      const client = await raw()
      return async (i) => (await client.set(key(i), JSON.stringify(record(i)), 'PX', px)) === 'OK'
    }),
    subject('ioredis SET (Buffer)', opsPerRound, concurrency, async () => {
      const client = await raw()
      return async (i) =>
        (await client.set(key(i), Buffer.from(JSON.stringify(record(i))), 'PX', px)) === 'OK'
    }),
    subject('cacheport Cache.set', opsPerRound, concurrency, async () => {
      const cache = await cached()
      return async (i) => {
        await cache.set(key(i), record(i), { ttl: px })
        return true
      }
    }),
    subject('node-redis SET (JSON.stringify)', opsPerRound, concurrency, async () => {
      const client = await rawNode()
      const expiration = { type: 'PX', value: px } as const
      return async (i) =>
        (await client.set(key(i), JSON.stringify(record(i)), { expiration })) === 'OK'
    }),
    subject('node-redis SET (Buffer)', opsPerRound, concurrency, async () => {
      const client = await rawNode()
      const expiration = { type: 'PX', value: px } as const
      return async (i) =>
        (await client.set(key(i), Buffer.from(JSON.stringify(record(i))), { expiration })) === 'OK'
    }),
    subject('cacheport Cache.set (node-redis)', opsPerRound, concurrency, async () => {
      const cache = await cached('node-redis')
      return async (i) => {
        await cache.set(key(i), record(i), { ttl: px })
        return true
      }
    }),
  ]
}

/** Batches of 100 keys, one after another; one "op" is one key, so rates are keys/s. */
function batchSubject(
  name: string,
  prepare: () => Promise<(keys: string[]) => Promise<number>>,
): Subject {
  return {
    name,
    opsPerRound: 200_000,
    async setup(seed) {
      const fetch = await prepare()
      const order = seededOrder(seed, 1 << 16)
      let cursor = 0
      return async (ops) => {
        let found = 0
        for (let done = 0; done < ops; done += BATCH) {
          found += await fetch(
            Array.from({ length: BATCH }, () => key(order[cursor++ % order.length] as number)),
          )
        }
        return found
      }
    },
  }
}

const batchPair: Subject[] = [
  batchSubject('ioredis MGET(100) + JSON.parse', async () => {
    const client = await rawFilled()
    return async (keys) =>
      (await client.mgetBuffer(...keys)).filter((b) => b !== null && JSON.parse(b.toString()))
        .length
  }),
  batchSubject('cacheport getMany(100)', async () => {
    const cache = await cached()
    return async (keys) => (await cache.getMany(keys)).filter((v) => v !== undefined).length
  }),
  batchSubject('node-redis MGET(100) + JSON.parse', async () => {
    const client = await rawNodeFilled()
    return async (keys) =>
      (await client.mGet(keys)).filter((s) => s !== null && JSON.parse(s)).length
  }),
  batchSubject('cacheport getMany(100) (node-redis)', async () => {
    const cache = await cached('node-redis')
    return async (keys) => (await cache.getMany(keys)).filter((v) => v !== undefined).length
  }),
]

/** Reads: ratios to the raw ioredis and the raw node-redis subject (the first and the third). */
const vsRaw = (subjects: Subject[]) => ({
  'vs ioredis': subjects[0]?.name as string,
  'vs node-redis': subjects[2]?.name as string,
})
/**
 * cacheport stores binary envelopes, which clients write more slowly than strings: ratios to
 * raw ioredis with strings and with Buffers, and to raw node-redis with Buffers.
 */
const vsRawSet = (subjects: Subject[]) => ({
  'vs ioredis string': subjects[0]?.name as string,
  'vs ioredis Buffer': subjects[1]?.name as string,
  'vs node-redis Buffer': subjects[4]?.name as string,
})

const getSeq = getPair(1, 10_000)
const getConc = getPair(CONCURRENCY, 200_000)
const setSeq = setPair(1, 10_000)
const setConc = setPair(CONCURRENCY, 200_000)

/** The Redis benches, in the order they print. */
export const redisBenches: readonly Bench[] = [
  {
    name: 'redis-get-seq',
    description: 'Cache.get hits vs raw GET (ioredis, node-redis), sequential (one in flight)',
    subjects: getSeq,
    baselines: vsRaw(getSeq),
  },
  {
    name: 'redis-get-1000',
    description: `Cache.get hits vs raw GET (ioredis, node-redis), ${CONCURRENCY} in flight, pipelined`,
    subjects: getConc,
    baselines: vsRaw(getConc),
  },
  {
    name: 'redis-getmany',
    description: 'getMany(100) vs MGET of 100 keys (keys/s)',
    subjects: batchPair,
    baselines: vsRaw(batchPair),
  },
  {
    name: 'redis-set-seq',
    description: 'Cache.set vs raw SET (ioredis, node-redis), sequential',
    subjects: setSeq,
    baselines: vsRawSet(setSeq),
  },
  {
    name: 'redis-set-1000',
    description: `Cache.set vs raw SET (ioredis, node-redis), ${CONCURRENCY} in flight, pipelined`,
    subjects: setConc,
    baselines: vsRawSet(setConc),
  },
]

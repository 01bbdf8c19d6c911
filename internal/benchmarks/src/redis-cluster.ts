import { createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { redisClusterProvider } from '@cacheport/provider-redis-cluster'
import { type ClusterHandle, mulberry32, startCluster } from '@cacheport/test-harness'
import { Cluster } from 'ioredis'
import type { Bench, Subject } from './harness.js'

/**
 * getMany(100) on a 3+3 Redis Cluster against what a careful hand-written client does with raw
 * ioredis: group the keys by hash slot, send one MGET per slot, one pipeline per node, all
 * nodes in parallel, then JSON.parse. One "op" is one key, so rates are keys/s.
 */
const SEEDS_ENV = 'CACHEPORT_BENCH_CLUSTER_SEEDS'
const KEYS = 10_000
const BATCH = 100

let cluster: ClusterHandle | undefined

/** Parent side: start (once) the cluster the cluster bench uses; children read its seeds. */
export async function startBenchCluster(): Promise<void> {
  cluster ??= await startCluster({ kind: 'redis' })
  process.env[SEEDS_ENV] = JSON.stringify(cluster.seeds)
}

export async function stopBenchCluster(): Promise<void> {
  await cluster?.stop()
  cluster = undefined
}

function seeds(): { host: string; port: number }[] {
  const s = process.env[SEEDS_ENV]
  if (s === undefined) throw new Error(`${SEEDS_ENV} is not set: run through npm run bench`)
  return JSON.parse(s)
}

/** CRC16/XMODEM of the key's hash tag (or whole key) mod 16384: the cluster slot of a key. */
function calculateSlot(key: string): number {
  const open = key.indexOf('{')
  const close = open < 0 ? -1 : key.indexOf('}', open + 1)
  const tagged = close > open + 1 ? key.slice(open + 1, close) : key
  let crc = 0
  for (const byte of Buffer.from(tagged)) {
    crc ^= byte << 8
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc % 16384
}

const record = (i: number) => ({
  id: i,
  name: `product ${i}`,
  price: 9.99 + i,
  tags: ['a', 'b'],
  stock: i % 17,
})
const key = (i: number) => `p:${i}`

function batches(seed: number): () => string[] {
  const random = mulberry32(seed)
  return () => Array.from({ length: BATCH }, () => key(Math.floor(random() * KEYS)))
}

function batchSubject(
  name: string,
  prepare: () => Promise<(keys: string[]) => Promise<number>>,
): Subject {
  return {
    name,
    opsPerRound: 100_000,
    async setup(seed) {
      const fetch = await prepare()
      const next = batches(seed)
      return async (ops) => {
        let found = 0
        for (let done = 0; done < ops; done += BATCH) found += await fetch(next())
        return found
      }
    },
  }
}

const subjects: Subject[] = [
  batchSubject('ioredis per-slot MGET pipelines', async () => {
    const client = new Cluster(seeds(), { enableAutoPipelining: false })
    await Promise.all(
      Array.from({ length: KEYS }, (_, i) =>
        client.set(key(i), JSON.stringify(record(i)), 'EX', 3600),
      ),
    )
    return async (keys) => {
      const bySlot = new Map<number, string[]>()
      for (const k of keys) {
        const slot = calculateSlot(k)
        const list = bySlot.get(slot)
        if (list === undefined) bySlot.set(slot, [k])
        else list.push(k)
      }
      const byNode = new Map<string, string[][]>()
      for (const [slot, list] of bySlot) {
        const node = (client.slots[slot] as string[])[0] as string
        const groups = byNode.get(node)
        if (groups === undefined) byNode.set(node, [list])
        else groups.push(list)
      }
      let found = 0
      await Promise.all(
        [...byNode.values()].map(async (groups) => {
          const pipeline = client.pipeline()
          for (const list of groups) pipeline.mgetBuffer(...list)
          for (const [error, reply] of (await pipeline.exec()) ?? []) {
            if (error) throw error
            for (const b of reply as (Buffer | null)[])
              if (b !== null && JSON.parse(b.toString())) found++
          }
        }),
      )
      return found
    }
  }),
  batchSubject('cacheport getMany(100)', async () => {
    const provider = await redisClusterProvider({ nodes: seeds(), keyPrefix: 'bench:' })
    const cache = createCacheService({
      providers: { c: provider },
      encoder: jsonEncoder(),
    }).namespace<ReturnType<typeof record>>('products', { ttl: '1h' })
    await cache.setMany(Array.from({ length: KEYS }, (_, i) => ({ key: key(i), value: record(i) })))
    return async (keys) => (await cache.getMany(keys)).filter((v) => v !== undefined).length
  }),
]

export const clusterBenches: readonly Bench[] = [
  {
    name: 'cluster-getmany',
    description: 'getMany(100) on a 3+3 Redis Cluster vs raw per-slot MGET pipelines (keys/s)',
    subjects,
    baselines: { 'vs raw': subjects[0]?.name as string },
  },
]

import { createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { nodeRedisProvider, type RedisFamilyProvider } from '@cacheport/provider-node-redis'
import { redisProvider } from '@cacheport/provider-redis'
import { mulberry32 } from '@cacheport/test-harness'
import { createKeyv as createRedisKeyv } from '@keyv/redis'
import { createClient } from '@redis/client'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis'
import { createCache } from 'cache-manager'
import { createKeyv as createMemoryKeyv } from 'cacheable'
import { Redis } from 'ioredis'
import type { Bench, PreparedRound, Round, Subject } from './harness.js'
import { OBSERVED_LABEL, type Observed, observe } from './observability.js'
import { record, url } from './redis.js'

/**
 * Two-level caches (in-process L1 + Redis L2) against their peers, BentoCache and cache-manager,
 * on the redis-server the parent starts for the run. Every library gets the same value shape,
 * the same JSON serialization on Redis, the same 10-minute TTL with no grace period, stale
 * serving or jitter, an L1 bounded at 100,000 entries that holds live objects, and one Redis
 * client with commands pipelined. The README's "multilevel" section says why each setting is
 * what it is.
 */
type Value = ReturnType<typeof record>

/** The three operations compared, on one cache instance. */
interface Tiered {
  get(key: string): Promise<Value | undefined>
  set(key: string, value: Value): Promise<void>
  getOrSet(key: string, load: () => Promise<Value>): Promise<Value | undefined>
}

const TTL_MS = 10 * 60_000
const L1_ENTRIES = 100_000
/** Keys pre-warmed into L1 for the L1-hit bench. */
const L1_KEYS = 10_000
/** Operations in flight in the L2-hit and getOrSet benches. */
const CONCURRENCY = 100
/** Time the reader gets to drain the bus messages of the writer's writes, before a round. */
const BUS_SETTLE_MS = 300

/** Keys unique to this child process, so no two subjects (or runs) share a Redis key. */
const PID = `${process.pid}`

/**
 * BentoCache 1.6, as its multi-tier docs set it up (https://bentocache.dev/docs/multi-tier):
 * `bentostore().useL1Layer(memoryDriver(...)).useL2Layer(redisDriver(...)).useBus(redisBusDriver(...))`.
 * `serialize: false` keeps live objects in L1, like the others (the driver's default, `true`,
 * stores JSON strings there and parses on every L1 hit; https://bentocache.dev/docs/cache-drivers).
 * `maxItems` sizes L1 by entries (its default is 1,000); `grace: false` is its default, spelled
 * out. Its JSON serializer is the default one. The ioredis connection options turn on
 * auto-pipelining, as cacheport's Redis provider does.
 */
async function bentocache(): Promise<Tiered> {
  const u = new URL(url())
  const connection = {
    host: u.hostname,
    port: Number(u.port),
    enableAutoPipelining: true,
  }
  const bento = new BentoCache({
    default: 'multitier',
    prefix: 'bench',
    ttl: TTL_MS,
    grace: false,
    stores: {
      multitier: bentostore()
        .useL1Layer(memoryDriver({ maxItems: L1_ENTRIES, serialize: false }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
    },
  })
  const tiered: Tiered = {
    get: (key) => bento.get<Value>({ key }) as Promise<Value | undefined>,
    set: async (key, value) => {
      await bento.set({ key, value })
    },
    getOrSet: (key, load) => bento.getOrSet({ key, factory: load }),
  }
  await tiered.get('warm-up')
  return tiered
}

/**
 * cache-manager 7 with two Keyv stores, as its README's multi-store example sets it up
 * (https://github.com/jaredwray/cacheable/tree/main/packages/cache-manager#quick-start): a
 * `CacheableMemory` L1 (`createKeyv` from `cacheable`, which stores live objects) and a
 * `@keyv/redis` L2. Keyv's default serializer on Redis is its own recursive one; the L2 uses
 * `JSON.stringify` / `JSON.parse` instead, like the others (https://keyv.org/docs/keyv/#custom-serializers).
 * `@keyv/redis` runs on node-redis, which writes the commands issued in one tick in one batch.
 * cache-manager has no bus.
 */
async function cacheManager(): Promise<Tiered> {
  const l1 = createMemoryKeyv({ ttl: TTL_MS, lruSize: L1_ENTRIES })
  const l2 = createRedisKeyv(url())
  l2.serialize = JSON.stringify
  l2.deserialize = JSON.parse
  const cache = createCache({ stores: [l1, l2], ttl: TTL_MS })
  const tiered: Tiered = {
    get: (key) => cache.get<Value>(key),
    set: async (key, value) => {
      await cache.set(key, value)
    },
    getOrSet: (key, load) => cache.wrap(key, load),
  }
  await tiered.get('warm-up')
  return tiered
}

/**
 * cacheport with a `live` memory provider as L1 of a namespace on a Redis provider (ioredis's
 * provider-redis, or provider-node-redis), with its pub/sub bus (the default for multilevel
 * namespaces). `jitter: 0` matches the peers, which have no TTL jitter.
 */
async function cacheport(
  l2: () => Promise<RedisFamilyProvider> = () => redisProvider({ url: url(), keyPrefix: 'bench:' }),
  levels: 'two' | 'single' | 'two, admit always' = 'two',
  observed: Observed = 'none',
): Promise<Tiered> {
  const redis = await l2()
  const service = createCacheService({
    providers: {
      redis,
      local: memoryProvider({ maximumSize: L1_ENTRIES, values: 'live' }),
    },
    defaultProvider: 'redis',
    encoder: jsonEncoder(),
    defaults: { jitter: 0 },
    diagnostics: observed !== 'off',
  })
  observe(service, observed)
  const cache = service.namespace<Value>(
    'products',
    levels === 'single'
      ? { ttl: TTL_MS }
      : levels === 'two'
        ? { ttl: TTL_MS, l1: 'local' }
        : { ttl: TTL_MS, l1: { provider: 'local', admit: 'always' } },
  )
  const tiered: Tiered = {
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, load) => cache.getOrSet(key, load),
  }
  // A multilevel namespace bypasses L1 until its bus subscription is live.
  await cache.ready()
  await tiered.get('warm-up')
  return tiered
}

const onNodeRedis = () => nodeRedisProvider({ url: url(), keyPrefix: 'bench:' })

/** A hand-written cache over a raw client: GET + `JSON.parse`, SET of `JSON.stringify`. */
function rawTiered(client: {
  get(key: string): Promise<string | null>
  set(key: string, text: string): Promise<unknown>
}): Tiered {
  const get = async (key: string) => {
    const s = await client.get(key)
    return s === null ? undefined : (JSON.parse(s) as Value)
  }
  const set = async (key: string, value: Value) => {
    await client.set(key, JSON.stringify(value))
  }
  return {
    get,
    set,
    getOrSet: async (key, load) => {
      const hit = await get(key)
      if (hit !== undefined) return hit
      const value = await load()
      await set(key, value)
      return value
    },
  }
}

/**
 * Not a peer: no L1, one node-redis client (it writes the commands of one tick in one
 * batch), with the same TTL. The floor of what that client costs.
 */
async function rawNodeRedis(): Promise<Tiered> {
  const client = createClient({ url: url() })
  await client.connect()
  return rawTiered({
    get: (key) => client.get(key),
    set: (key, text) => client.set(key, text, { expiration: { type: 'PX', value: TTL_MS } }),
  })
}

/**
 * Not a peer: no L1, one ioredis client with auto-pipelining, with the same TTL. The floor
 * of what the client costs in the Redis benches.
 */
async function rawIoredis(): Promise<Tiered> {
  const client = new Redis(url(), { enableAutoPipelining: true })
  await client.ping()
  return rawTiered({
    get: (key) => client.get(key),
    set: (key, text) => client.set(key, text, 'PX', TTL_MS),
  })
}

type Library = readonly [string, () => Promise<Tiered>]

const libraries: readonly Library[] = [
  ['bentocache', bentocache],
  ['cache-manager', cacheManager],
  ['cacheport', () => cacheport()],
  ['cacheport (node-redis)', () => cacheport(onNodeRedis)],
]
const RAW_IOREDIS = '(ref) raw ioredis, no L1'
const RAW_NODE_REDIS = '(ref) raw node-redis, no L1'
const withReference: readonly Library[] = [
  ...libraries,
  ['cacheport (l1 admit: always)', () => cacheport(undefined, 'two, admit always')],
  ['cacheport single-level', () => cacheport(undefined, 'single')],
  ['cacheport single-level (node-redis)', () => cacheport(onNodeRedis, 'single')],
  [RAW_IOREDIS, rawIoredis],
  [RAW_NODE_REDIS, rawNodeRedis],
]

/** Runs `op(n)` for n in [0, ops) with `concurrency` in flight; counts the truthy results. */
async function inFlight(
  ops: number,
  concurrency: number,
  op: (n: number) => Promise<boolean>,
): Promise<number> {
  let next = 0
  let found = 0
  const worker = async () => {
    while (next < ops) if (await op(next++)) found++
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, ops) }, worker))
  return found
}

/** Calls per command redis-server has processed so far. */
async function commandCalls(probe: Redis): Promise<Map<string, number>> {
  const info = await probe.info('commandstats')
  return new Map(
    [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1] as string, Number(m[2])]),
  )
}

/**
 * Untimed check of what a bench claims about Redis traffic: runs `ops` operations, prints the
 * Redis commands they sent per operation, and throws unless their total is within `bounds`
 * (an L1 hit sends none; an L2 read sends at least one).
 */
async function checkTraffic(
  name: string,
  ops: number,
  bounds: { readonly min?: number; readonly max?: number },
  run: (ops: number) => unknown,
): Promise<void> {
  const probe = new Redis(url())
  try {
    const before = await commandCalls(probe)
    await run(ops)
    const sent = [...(await commandCalls(probe))]
      .map(([command, calls]) => {
        // The first INFO is counted by the second one.
        const own = command === 'info' ? 1 : 0
        return [command, calls - (before.get(command) ?? 0) - own] as const
      })
      .filter(([, calls]) => calls > 0)
    const total = sent.reduce((sum, [, calls]) => sum + calls, 0)
    const perOp = sent.map(([command, calls]) => `${command} ${(calls / ops).toFixed(2)}`)
    process.stderr.write(`  ${name}: Redis commands per op: ${perOp.join(', ') || 'none'}\n`)
    if (total > (bounds.max ?? Number.POSITIVE_INFINITY) || total < (bounds.min ?? 0)) {
      throw new Error(
        `${name}: ${total} Redis commands for ${ops} ops, expected ${JSON.stringify(bounds)}: the bench is not measuring what it says`,
      )
    }
  } finally {
    probe.disconnect()
  }
}

/** L1 hits: 10,000 keys written through the cache (L1 + L2), read back one at a time. */
function l1Subject(name: string, open: () => Promise<Tiered>): Subject {
  return {
    name,
    opsPerRound: 200_000,
    async setup(seed) {
      const cache = await open()
      const keys = Array.from({ length: L1_KEYS }, (_, i) => `l1:${PID}:${i}`)
      await inFlight(L1_KEYS, CONCURRENCY, async (i) => {
        await cache.set(keys[i] as string, record(i))
        return true
      })
      const random = mulberry32(seed)
      const order = Array.from({ length: 1 << 16 }, () => keys[Math.floor(random() * L1_KEYS)])
      let cursor = 0
      const round: Round = async (ops) => {
        let found = 0
        for (let n = 0; n < ops; n++) {
          if ((await cache.get(order[cursor++ & 0xffff] as string)) !== undefined) found++
        }
        return found
      }
      await checkTraffic(name, 1_000, { max: 0 }, round)
      return round
    },
  }
}

/**
 * L2 hits: before each round (untimed) a second instance of the same library, with its own
 * L1, Redis client and bus, writes a fresh key range; the round reads that range once from
 * the first instance, whose L1 has never seen those keys, `CONCURRENCY` reads in flight.
 */
function l2Subject(name: string, open: () => Promise<Tiered>): Subject {
  return {
    name,
    opsPerRound: 20_000,
    async setup() {
      const reader = await open()
      const writer = await open()
      let range = 0
      const keyOf = (n: number) => `l2:${PID}:${range}:${n}`
      const write = async (ops: number) => {
        range++
        await inFlight(ops, CONCURRENCY, async (n) => {
          await writer.set(keyOf(n), record(n))
          return true
        })
        await new Promise((resolve) => setTimeout(resolve, BUS_SETTLE_MS))
      }
      const round: Round = (ops) =>
        inFlight(ops, CONCURRENCY, async (n) => (await reader.get(keyOf(n))) !== undefined)
      await write(1_000)
      await checkTraffic(name, 1_000, { min: 1_000 }, round)
      const prepared: PreparedRound = { round, beforeRound: () => write(20_000) }
      return prepared
    },
  }
}

/** getOrSet on keys never used before: L1 miss, L2 miss, load, write both (and the bus). */
function getOrSetSubject(name: string, open: () => Promise<Tiered>): Subject {
  return {
    name,
    opsPerRound: 20_000,
    async setup() {
      const cache = await open()
      let next = 0
      const round: Round = (ops) =>
        inFlight(ops, CONCURRENCY, async () => {
          const i = next++
          const v = await cache.getOrSet(`gos:${PID}:${i}`, async () => record(i))
          return v !== undefined
        })
      await checkTraffic(name, 1_000, { min: 2_000 }, round)
      return round
    },
  }
}

function bench(
  name: string,
  description: string,
  subjects: readonly Library[],
  make: (name: string, open: () => Promise<Tiered>) => Subject,
): Bench {
  const references: Record<string, string> = subjects.some(([library]) => library === RAW_IOREDIS)
    ? { 'vs raw ioredis': RAW_IOREDIS, 'vs raw node-redis': RAW_NODE_REDIS }
    : {}
  return {
    name,
    description,
    subjects: subjects.map(([library, open]) => make(library, open)),
    baselines: {
      'vs bentocache': 'bentocache',
      'vs cache-manager': 'cache-manager',
      ...references,
    },
  }
}

/** cacheport's L1 hit with its diagnostics channels off, unobserved, and observed. */
const observedLibraries: readonly Library[] = (
  ['off', 'none', 'metrics', 'metrics+durations', 'traces'] as const
).map((o): Library => [`cacheport (${OBSERVED_LABEL[o]})`, () => cacheport(undefined, 'two', o)])

/** The multilevel benches, in the order they print. */
export const multilevelBenches: readonly Bench[] = [
  bench(
    'multilevel-l1-get',
    `get, L1 hit (${L1_KEYS} keys in L1), sequential (one in flight)`,
    libraries,
    l1Subject,
  ),
  {
    ...bench(
      'multilevel-l1-get-observed',
      `get, L1 hit (${L1_KEYS} keys in L1), sequential: cacheport with diagnostics off, no subscriber, and the OpenTelemetry package attached`,
      observedLibraries,
      l1Subject,
    ),
    baselines: { 'vs diagnostics off': 'cacheport (diagnostics off)' },
  },
  bench(
    'multilevel-l2-get',
    `get, L2 hit (L1 miss; keys written by another instance), ${CONCURRENCY} in flight`,
    withReference,
    l2Subject,
  ),
  bench(
    'multilevel-getorset',
    `getOrSet on a cold key (L1 + L2 miss, loader, write), ${CONCURRENCY} in flight`,
    withReference,
    getOrSetSubject,
  ),
]

/**
 * A cacheport "process" for the multi-process tests: opens one multilevel namespace `ml` (L1
 * memory, L2 the backend of `CACHEPORT_ML_CONFIG`) and serves the parent's requests over IPC.
 */
import { createCacheService, readEnvelope } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import type { RedisFamilyProvider } from '@cacheport/provider-redis'
import { redisProvider } from '@cacheport/provider-redis'
import { redisClusterProvider } from '@cacheport/provider-redis-cluster'
import { valkeyProvider } from '@cacheport/provider-valkey'
import { valkeyClusterProvider } from '@cacheport/provider-valkey-cluster'
import type { BackendSpec, Reply, Request, WorkerConfig, WorkerEvent } from './protocol.js'
import { wallNow } from './protocol.js'

const send = (message: Reply | WorkerEvent): void => {
  process.send?.(message)
}

async function connect(spec: BackendSpec): Promise<RedisFamilyProvider> {
  const common = {
    keyPrefix: spec.keyPrefix,
    invalidation: spec.invalidation,
    username: spec.username,
    password: spec.password,
  }
  switch (spec.provider) {
    case 'redis':
      return redisProvider({ ...common, url: spec.url })
    case 'valkey':
      return valkeyProvider({ ...common, url: spec.url })
    case 'redis-cluster':
      return redisClusterProvider({ ...common, nodes: spec.nodes ?? [] })
    case 'valkey-cluster':
      return valkeyClusterProvider({ ...common, nodes: spec.nodes ?? [] })
  }
}

const config = JSON.parse(process.env.CACHEPORT_ML_CONFIG ?? 'null') as WorkerConfig | null
if (config === null) throw new Error('CACHEPORT_ML_CONFIG is not set: run through spawnWorker()')

const l1 = memoryProvider({ maximumSize: 10_000, values: 'live' })
const l2 = await connect(config.backend)
const json = jsonEncoder()
const service = createCacheService({
  providers: { l2, local: l1 },
  defaultProvider: 'l2',
  encoder: jsonEncoder(),
  defaults: { jitter: 0 },
})
// Every L2 hit is copied into L1 (the suite checks coherence of copies after one read).
const cache = service.namespace<unknown>('ml', {
  ttl: '10m',
  l1: { provider: 'local', admit: 'always' },
  ...config.namespace,
})
const l1Store = l1.openStore({ namespace: 'ml' })
const l2Store = l2.openStore({ namespace: 'ml' })
/** Loaders of `slowLoad` waiting for their `release`, by key. */
const held = new Map<string, () => void>()

cache.on('invalidate', (e) => {
  if (e.reason === 'remote') send({ event: 'invalidate', at: wallNow(), keys: e.keys ?? [] })
})
cache.on('bus', (e) => send({ event: 'bus', at: wallNow(), detail: e.state }))
cache.on('error', (e) =>
  send({ event: 'error', at: wallNow(), detail: `${e.operation}: ${e.error.message}` }),
)

let loaderCalls = 0

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'get':
      return (await cache.get(request.key)) ?? null
    case 'set':
      await cache.set(request.key, request.value, { tags: request.tags })
      return null
    case 'delete':
      return cache.delete(request.key)
    case 'invalidateTags':
      return cache.invalidateTags(request.tags)
    case 'clear':
      await cache.clear()
      return null
    case 'l1Has':
      return (await l1Store.get(request.key)) !== undefined
    case 'storm': {
      const before = loaderCalls
      const loader = async () => {
        loaderCalls++
        await new Promise((r) => setTimeout(r, request.loaderMs))
        return { loadedBy: process.pid }
      }
      const values = await Promise.all(
        Array.from({ length: request.concurrency }, () => cache.getOrSet(request.key, loader)),
      )
      return { loaderCalls: loaderCalls - before, values }
    }
    case 'slowLoad':
      return (
        (await cache.getOrSet(request.key, async (ctx) => {
          loaderCalls++
          if (request.tags !== undefined) ctx.setTags(request.tags)
          const released = new Promise<void>((r) => held.set(request.key, r))
          send({ event: 'loading', at: wallNow(), keys: [request.key] })
          await released
          return request.value
        })) ?? null
      )
    case 'slowRefresh':
      return (
        (await cache.refresh(request.key, async () => {
          loaderCalls++
          const released = new Promise<void>((r) => held.set(request.key, r))
          send({ event: 'loading', at: wallNow(), keys: [request.key] })
          await released
          return request.value
        })) ?? null
      )
    case 'release':
      held.get(request.key)?.()
      held.delete(request.key)
      return null
    case 'l2Get': {
      const raw = await l2Store.get(request.key)
      if (!(raw instanceof Uint8Array)) return null
      const envelope = readEnvelope(raw)
      return envelope.negative ? null : json.decode(envelope.payload)
    }
    case 'bulkStorm': {
      const asked: string[] = []
      const loader = async (keys: string[]) => {
        loaderCalls++
        asked.push(...keys)
        await new Promise((r) => setTimeout(r, request.loaderMs))
        return keys.map((k) => [k, { key: k, loadedBy: process.pid }] as const)
      }
      const values = await Promise.all(
        Array.from({ length: request.calls }, () => cache.getOrSetMany(request.keys, loader)),
      )
      return { asked, values }
    }
    case 'warm': {
      for (const [n, key] of request.keys.entries()) await cache.getOrSet(key, async () => n)
      return request.keys.length
    }
    case 'close':
      await service.close()
      setImmediate(() => process.exit(0))
      return null
  }
}

process.on('message', (message: Request & { id: number }) => {
  const startedAt = wallNow()
  handle(message).then(
    (result) => send({ id: message.id, ok: true, result, startedAt, at: wallNow() }),
    (error: unknown) =>
      send({
        id: message.id,
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        startedAt,
        at: wallNow(),
      }),
  )
})

await cache.ready()
send({ event: 'ready', at: wallNow() })

import { runProviderConformance } from '@cacheport/conformance'
import { afterAll, beforeAll } from 'vitest'
import { type RedisNodes, startRedisNodes } from './redis-nodes.js'

// The conformance kit on a sharded provider over three real Redis servers (weights
// 100/200/300); the bus and lock checks run against the bus node and the keys' nodes.
let nodes: RedisNodes | undefined
let starting: Promise<RedisNodes> | undefined
const started = () => {
  starting ??= startRedisNodes().then((n) => {
    nodes = n
    return n
  })
  return starting
}
beforeAll(started, 60_000)
afterAll(() => nodes?.stop(), 60_000)

runProviderConformance({
  name: 'provider-sharded over 3 Redis servers',
  createProvider: async () => (await started()).provider({ keyPrefix: 'conf:' }),
  capabilities: {
    values: 'bytes',
    nativeTtl: true,
    tags: true,
    compute: true,
    iterate: true,
    bus: true,
    lock: true,
    search: false,
  },
  fencedWrites: true,
  ttlMs: 150,
})

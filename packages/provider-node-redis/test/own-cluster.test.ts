import type { BytesStore } from '@cacheport/core'
import { nodeRedisClientOf, nodeRedisClusterProvider } from '@cacheport/provider-node-redis'
import { type ClusterHandle, startCluster } from '@cacheport/test-harness'
import { createCluster } from '@redis/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

describe('provider-node-redis-cluster: bring your own cluster client', { timeout: 60_000 }, () => {
  let cluster: ClusterHandle
  beforeAll(async () => {
    cluster = await startCluster({ kind: 'redis' })
  }, 90_000)
  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  it('connects a cluster client that is not open yet, works through it, and never closes it', async () => {
    const client = createCluster({
      rootNodes: cluster.seeds.map(({ host, port }) => ({ socket: { host, port } })),
    })
    client.on('error', () => undefined)
    const provider = await nodeRedisClusterProvider({ client, keyPrefix: 'own:', buckets: 8 })
    expect(nodeRedisClientOf(provider)).toBe(client)
    const store = provider.openStore({ namespace: 'own' }) as BytesStore
    const bytes = new Uint8Array([0, 255, 1, 128])
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`)
    await store.setMany(keys.map((key) => ({ key, entry: bytes, tags: ['t'] })))
    expect((await store.getMany(keys)).every((v) => v !== undefined)).toBe(true)
    expect(await store.invalidateTags(['t'])).toBe(50)
    await store.clear()
    await provider.close()
    expect(client.isOpen).toBe(true)
    expect(await client.set('{own}still', 'open')).toBe('OK')
    client.destroy()
  })
})

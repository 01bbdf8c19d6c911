import { type BackendSpec, spawnWorker, type Worker } from '@cacheport/multilevel-suite'
import {
  type ClusterHandle,
  type ServerHandle,
  startCluster,
  startServer,
} from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * Race-free write-back across processes: A runs getOrSet with a loader that holds until the
 * test releases it; meanwhile B (another process) sets, deletes, invalidates a tag or clears.
 * A's loaded value must not overwrite B's value nor bring back what B removed. With no
 * interference A's value is written as usual (so the fence does not simply refuse everything).
 * The namespaces run without the bus (`bus: false`): with it, B's message would usually
 * reach A before the write-back and overtake the load in A's process, hiding what the store's
 * fence does; the fence is what holds when that message is late, lost, or there is no bus.
 */
const TOPOLOGIES = [
  { name: 'redis standalone', cluster: false },
  { name: 'redis cluster', cluster: true },
] as const

for (const topology of TOPOLOGIES) {
  describe(`write-back of a slow load, ${topology.name}`, () => {
    let server: ServerHandle | undefined
    let cluster: ClusterHandle | undefined
    let a: Worker
    let b: Worker

    beforeAll(async () => {
      let spec: BackendSpec
      if (topology.cluster) {
        cluster = await startCluster({ kind: 'redis' })
        spec = { provider: 'redis-cluster', nodes: cluster.seeds, keyPrefix: 'wb:' }
      } else {
        server = await startServer({ kind: 'redis' })
        spec = { provider: 'redis', url: server.url, keyPrefix: 'wb:' }
      }
      const namespace = { bus: false }
      ;[a, b] = await Promise.all([
        spawnWorker('A', spec, namespace),
        spawnWorker('B', spec, namespace),
      ])
    })

    afterAll(async () => {
      await Promise.allSettled([a?.close(), b?.close()])
      await server?.stop()
      await cluster?.stop()
    })

    /** Starts A's slow load of `key`, runs `interfere` once A's loader runs, then releases it. */
    async function race(
      key: string,
      interfere: () => Promise<unknown>,
      tags?: string[],
    ): Promise<unknown> {
      const loading = a.next((e) => e.event === 'loading' && e.keys?.[0] === key, 20_000)
      const load = a.do({ op: 'slowLoad', key, value: 'loaded-by-A', tags })
      await loading
      await interfere()
      await a.do({ op: 'release', key })
      return load
    }

    it('writes the loaded value back when nothing interferes', async () => {
      const value = await race('quiet', async () => undefined, ['t-quiet'])
      expect(value).toBe('loaded-by-A')
      expect(await b.do({ op: 'l2Get', key: 'quiet' })).toBe('loaded-by-A')
    })

    it('does not overwrite a value another process set during the load', async () => {
      const value = await race('set', () => b.do({ op: 'set', key: 'set', value: 'set-by-B' }))
      // A's caller still gets what its loader produced; the store keeps B's write.
      expect(value).toBe('loaded-by-A')
      expect(await b.do({ op: 'l2Get', key: 'set' })).toBe('set-by-B')
      expect(await a.do({ op: 'get', key: 'set' })).toBe('set-by-B')
    })

    it('does not bring back a key another process deleted during the load', async () => {
      await race('deleted', () => b.do({ op: 'delete', key: 'deleted' }))
      expect(await b.do({ op: 'l2Get', key: 'deleted' })).toBeNull()
      expect(await a.do({ op: 'get', key: 'deleted' })).toBeNull()
    })

    it('does not bring back a key set and then deleted during the load', async () => {
      await race('set-deleted', async () => {
        await b.do({ op: 'set', key: 'set-deleted', value: 'set-by-B' })
        await b.do({ op: 'delete', key: 'set-deleted' })
      })
      expect(await b.do({ op: 'l2Get', key: 'set-deleted' })).toBeNull()
    })

    it('does not write back a tagged value whose tag another process invalidated during the load', async () => {
      await race('tagged', () => b.do({ op: 'invalidateTags', tags: ['shop:1'] }), ['shop:1'])
      expect(await b.do({ op: 'l2Get', key: 'tagged' })).toBeNull()
    })

    it('does not write back a value after another process cleared the namespace', async () => {
      await race('cleared', () => b.do({ op: 'clear' }))
      expect(await b.do({ op: 'l2Get', key: 'cleared' })).toBeNull()
    })

    it('writes back a load that began after the delete', async () => {
      await b.do({ op: 'delete', key: 'after' })
      await race('after', async () => undefined)
      expect(await b.do({ op: 'l2Get', key: 'after' })).toBe('loaded-by-A')
    })
  })
}

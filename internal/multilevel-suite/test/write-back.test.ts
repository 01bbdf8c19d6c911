import { type BackendSpec, spawnWorker, type Worker } from '@cacheport/multilevel-suite'
import { KeyLayout } from '@cacheport/redis-kit'
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

/** A Redis server or cluster for the workers, with keys under `keyPrefix`. */
async function startBackend(
  cluster: boolean,
  keyPrefix: string,
): Promise<{ spec: BackendSpec; server?: ServerHandle; cluster?: ClusterHandle }> {
  if (cluster) {
    const handle = await startCluster({ kind: 'redis' })
    return { spec: { provider: 'redis-cluster', nodes: handle.seeds, keyPrefix }, cluster: handle }
  }
  const handle = await startServer({ kind: 'redis' })
  return { spec: { provider: 'redis', url: handle.url, keyPrefix }, server: handle }
}

for (const topology of TOPOLOGIES) {
  describe(`write-back of a slow load, ${topology.name}`, () => {
    let server: ServerHandle | undefined
    let cluster: ClusterHandle | undefined
    let a: Worker
    let b: Worker

    beforeAll(async () => {
      const started = await startBackend(topology.cluster, 'wb:')
      ;({ server, cluster } = started)
      const spec = started.spec
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

/**
 * The fence of a cold key taken without a round trip: A's namespace has a live bus, and A has
 * just written back a key of the same bucket and delete cell (a "sibling"), so it knows the
 * generations it needs. B changes keys with its bus off, so A hears nothing of it (as when a
 * message is late or lost): the fence alone must hold. C's bus is on: what it changes, A
 * hears, and A's next load there is captured afresh instead of refused.
 */
for (const topology of TOPOLOGIES) {
  describe(`write-back with learned fence generations, ${topology.name}`, () => {
    let server: ServerHandle | undefined
    let cluster: ClusterHandle | undefined
    let a: Worker
    let b: Worker
    let c: Worker
    // The worker's namespace `ml`, as the providers lay it out (64 buckets on a cluster).
    const layout = new KeyLayout('wl:', 'ml', topology.cluster ? 64 : 1)

    /** A key `<key>-sib-<n>` of the same bucket and delete cell as `key`. */
    const siblingOf = (key: string): string => {
      for (let n = 0; ; n++) {
        const sibling = `${key}-sib-${n}`
        if (
          layout.bucket(sibling) === layout.bucket(key) &&
          layout.fenceCellIndex(sibling) === layout.fenceCellIndex(key)
        ) {
          return sibling
        }
      }
    }

    beforeAll(async () => {
      const started = await startBackend(topology.cluster, 'wl:')
      ;({ server, cluster } = started)
      const spec = started.spec
      ;[a, b, c] = await Promise.all([
        spawnWorker('A', spec, { bus: true }),
        spawnWorker('B', spec, { bus: false }),
        spawnWorker('C', spec, { bus: true }),
      ])
    })

    afterAll(async () => {
      await Promise.allSettled([a?.close(), b?.close(), c?.close()])
      await server?.stop()
      await cluster?.stop()
    })

    /** HMGET and HSETNX calls so far (a fence read by round trip sends one); `undefined` on a cluster. */
    const fenceReads = async () => {
      if (server === undefined) return undefined
      const info = String(await server.command('INFO', 'commandstats'))
      const calls = (command: string) =>
        Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
      return calls('hmget') + calls('hsetnx')
    }

    /** A loads `key`'s sibling (learning), then loads `key` with B's `interfere` during it. */
    async function race(key: string, interfere: () => Promise<unknown>): Promise<unknown> {
      await a.do({ op: 'warm', keys: [siblingOf(key)] })
      const before = await fenceReads()
      const loading = a.next((e) => e.event === 'loading' && e.keys?.[0] === key, 20_000)
      const load = a.do({ op: 'slowLoad', key, value: 'loaded-by-A' })
      await loading
      // The fence was taken from what A learned: no fence read reached the server.
      if (before !== undefined) expect(await fenceReads()).toBe(before)
      await interfere()
      await a.do({ op: 'release', key })
      return load
    }

    it('writes back when nothing interferes', async () => {
      expect(await race('quiet', async () => undefined)).toBe('loaded-by-A')
      expect(await b.do({ op: 'l2Get', key: 'quiet' })).toBe('loaded-by-A')
    })

    it('does not overwrite a value another process set, unannounced', async () => {
      await race('set', () => b.do({ op: 'set', key: 'set', value: 'set-by-B' }))
      expect(await b.do({ op: 'l2Get', key: 'set' })).toBe('set-by-B')
    })

    it('does not bring back a key another process set and deleted, unannounced', async () => {
      await race('set-deleted', async () => {
        await b.do({ op: 'set', key: 'set-deleted', value: 'set-by-B' })
        await b.do({ op: 'delete', key: 'set-deleted' })
      })
      expect(await b.do({ op: 'l2Get', key: 'set-deleted' })).toBeNull()
    })

    it('does not write back after another process cleared, unannounced', async () => {
      await race('cleared', () => b.do({ op: 'clear' }))
      expect(await b.do({ op: 'l2Get', key: 'cleared' })).toBeNull()
    })

    it('after an unannounced delete, refuses the next write-back in that cell once, then writes', async () => {
      await a.do({ op: 'warm', keys: [siblingOf('unheard')] })
      await b.do({ op: 'delete', key: 'unheard' })
      // A learned the cell before B's delete: its write-back is refused (the conservative
      // side), and the refusal's reply teaches A the new generation.
      await a.do({ op: 'warm', keys: ['unheard'] })
      expect(await b.do({ op: 'l2Get', key: 'unheard' })).toBeNull()
      await a.do({ op: 'warm', keys: ['unheard'] })
      expect(await b.do({ op: 'l2Get', key: 'unheard' })).toBe(0)
    })

    it('after an announced delete, writes back the next load of that key', async () => {
      await a.do({ op: 'warm', keys: [siblingOf('heard')] })
      const heard = a.next(
        (e) => e.event === 'invalidate' && e.keys?.includes('heard') === true,
        20_000,
      )
      await c.do({ op: 'delete', key: 'heard' })
      await heard
      await a.do({ op: 'warm', keys: ['heard'] })
      expect(await b.do({ op: 'l2Get', key: 'heard' })).toBe(0)
    })
  })
}

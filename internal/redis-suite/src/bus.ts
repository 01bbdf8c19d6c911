import {
  type BytesStore,
  CacheClosedError,
  CacheConfigError,
  type InvalidationBus,
  providerPort,
} from '@cacheport/core'
import { KeyLayout, type RedisFamilyProvider } from '@cacheport/redis-kit'
import type { ServerHandle } from '@cacheport/test-harness'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, migrateSlot, rawCommand } from './backend.js'
import { type Recorder, recorder, waitFor } from './recorder.js'
import type { RedisFamilySuiteOptions } from './suite.js'

const PREFIX = 'bus:'

const bytesStore = (p: RedisFamilyProvider, namespace: string) =>
  p.openStore({ namespace }) as BytesStore

/** Retries `call` until it succeeds (the data client reconnects by itself), up to `ms`. */
async function retry(call: () => unknown, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      await call()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** The server that owns `key`'s slot: the standalone server, or a cluster primary. */
async function ownerOf(backend: Backend, key: string): Promise<ServerHandle> {
  if (backend.topology === 'standalone') return backend.server
  const [first] = await backend.cluster.primaries()
  const slot = Number(await (first as ServerHandle).command('CLUSTER', 'KEYSLOT', key))
  const ranges = (await (first as ServerHandle).command('CLUSTER', 'SLOTS')) as [
    number,
    number,
    [string, number],
  ][]
  const range = ranges.find(([start, end]) => slot >= Number(start) && slot <= Number(end))
  const port = Number(range?.[2][1])
  const node = backend.cluster.nodes.find((n) => n.port === port)
  if (node === undefined) throw new Error(`no node owns slot ${slot}`)
  return node
}

/** Kills the node that owns `key`, waits for the cluster (or server) to serve again. */
async function killAndRecover(backend: Backend, key: string): Promise<() => Promise<void>> {
  const victim = await ownerOf(backend, key)
  victim.kill('SIGKILL')
  if (backend.topology === 'standalone') {
    return async () => {
      await victim.restart()
    }
  }
  // A replica takes over; the killed node comes back as a replica.
  return async () => {
    const deadline = Date.now() + 20_000
    for (;;) {
      const primaries = await backend.cluster.primaries()
      if (primaries.length === 3 && !primaries.some((p) => p.port === victim.port)) break
      if (Date.now() > deadline) throw new Error('no replica took over')
      await new Promise((r) => setTimeout(r, 100))
    }
    await victim.restart()
    await backend.cluster.waitUntilHealthy()
  }
}

/**
 * Registers the hooks of one describe block: two providers `a` and `b` in `mode` on the
 * suite's shared backend, and subscriptions that end after each test.
 */
function busPair(
  options: RedisFamilySuiteOptions,
  shared: () => Promise<Backend>,
  mode: 'pubsub' | 'tracking',
) {
  const state = {
    backend: undefined as unknown as Backend,
    a: undefined as unknown as RedisFamilyProvider,
    b: undefined as unknown as RedisFamilyProvider,
  }
  let ends: (() => Promise<void>)[] = []
  beforeAll(async () => {
    state.backend = await shared()
    const extras =
      mode === 'pubsub' ? { keyPrefix: PREFIX } : { keyPrefix: PREFIX, invalidation: mode }
    state.a = await options.connect(state.backend, extras)
    state.b = await options.connect(state.backend, extras)
  }, 60_000)
  afterEach(async () => {
    for (const end of ends) await end()
    ends = []
  })
  afterAll(async () => {
    await state.a?.close()
    await state.b?.close()
  })
  const bus = (p: RedisFamilyProvider): InvalidationBus => providerPort(p, 'bus')
  const listen = async (p: RedisFamilyProvider, ns: string): Promise<Recorder> => {
    const r = recorder()
    ends.push(await bus(p).subscribe(ns, r))
    expect(r.events).toEqual(['resumed'])
    return r
  }
  return Object.assign(state, { bus, listen })
}

/**
 * The invalidation bus, in both modes, between two providers on the suite's shared backend:
 * delivery to other processes only, round trips of keys, tags and clear, the subscription
 * lifecycle across a server kill, and (tracking) writes by any client, flushes and tag
 * invalidations reported by the server.
 */
export function describeBus(
  options: RedisFamilySuiteOptions,
  shared: () => Promise<Backend>,
): void {
  describe(`${options.name}: invalidation bus (pubsub)`, { timeout: 60_000 }, () => {
    const pair = busPair(options, shared, 'pubsub')
    const { bus, listen } = pair
    let a: RedisFamilyProvider, b: RedisFamilyProvider, backend: Backend
    beforeAll(() => {
      ;({ a, b, backend } = pair)
    })

    // Delivery between processes and unsubscribing are checked by the conformance kit.
    it('is the default mode, and stamps its own origin on what it publishes', async () => {
      expect(bus(a).mode).toBe('pubsub')
      const rb = await listen(b, 'stamp')
      await bus(a).publish({ namespace: 'stamp', origin: 'forged', keys: ['x'] })
      const got = await rb.received(() => true)
      expect(got.origin).toBe(bus(a).origin)
    })

    it('sends the publishes of one tick as one message that carries every key', async () => {
      const rb = await listen(b, 'one-tick')
      const keys = ['a', 'b', 'c', 'd']
      await Promise.all(
        keys.map((k) => bus(a).publish({ namespace: 'one-tick', origin: '', keys: [k] })),
      )
      await rb.received((m) => m.keys?.includes('d') === true)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(rb.messages).toEqual([{ namespace: 'one-tick', origin: bus(a).origin, keys }])
    })

    it('refuses bad input with CacheConfigError', async () => {
      await expect(bus(a).publish({ namespace: 'a{b', origin: '', keys: ['k'] })).rejects.toThrow(
        CacheConfigError,
      )
      await expect(
        bus(a).publish({ namespace: 'ok', origin: '', keys: [1 as unknown as string] }),
      ).rejects.toThrow(CacheConfigError)
      await expect(bus(a).subscribe('bad:ns', recorder())).rejects.toThrow(CacheConfigError)
      await expect(bus(a).subscribe('ok', {} as never)).rejects.toThrow(CacheConfigError)
    })

    it('rejects with CacheClosedError after close()', async () => {
      const c = await options.connect(backend, { keyPrefix: PREFIX })
      const port = bus(c)
      await c.close()
      await expect(port.publish({ namespace: 'x', origin: '', clear: true })).rejects.toThrow(
        CacheClosedError,
      )
      await expect(port.subscribe('x', recorder())).rejects.toThrow(CacheClosedError)
    })
  })

  describe(`${options.name}: invalidation bus (tracking)`, { timeout: 60_000 }, () => {
    const pair = busPair(options, shared, 'tracking')
    const { bus, listen } = pair
    let a: RedisFamilyProvider, b: RedisFamilyProvider, backend: Backend
    beforeAll(() => {
      ;({ a, b, backend } = pair)
    })
    const valueKey = (ns: string, key: string) => new KeyLayout(PREFIX, ns, a.buckets).valueKey(key)

    it('reports a write by any client to a value key of the namespace, and nothing else', async () => {
      expect(bus(b).mode).toBe('tracking')
      const rb = await listen(b, 'trk')
      await rawCommand(backend, 'SET', valueKey('trk-other', 'k'), 'x')
      await rawCommand(backend, 'SET', `${PREFIX}unrelated`, 'x')
      await rawCommand(backend, 'SET', valueKey('trk', 'written:outside'), 'x')
      const got = await rb.received((m) => m.keys?.includes('written:outside') === true)
      expect(got).toMatchObject({ namespace: 'trk', keys: ['written:outside'] })
      expect(got.origin).not.toBe(bus(b).origin)
      expect(rb.messages.every((m) => m.namespace === 'trk')).toBe(true)
    })

    it('reports every value key a tag invalidation or clear() removes', async () => {
      const rb = await listen(b, 'trk-tags')
      const store = bytesStore(a, 'trk-tags')
      const bytes = new Uint8Array([1, 2, 3])
      await store.set('t1', bytes, { tags: ['red'] })
      await store.set('t2', bytes, { tags: ['red', 'blue'] })
      await store.set('t3', bytes, { tags: ['blue'] })
      await store.set('t4', bytes)
      await rb.received((m) => m.keys?.includes('t4') === true)
      rb.messages.length = 0
      expect(await store.invalidateTags(['red'])).toBe(2)
      await waitFor(
        () => ['t1', 't2'].every((k) => rb.messages.some((m) => m.keys?.includes(k))),
        5_000,
        'tag invalidation reported',
      )
      rb.messages.length = 0
      await store.clear()
      await waitFor(
        () => ['t3', 't4'].every((k) => rb.messages.some((m) => m.keys?.includes(k))),
        5_000,
        'clear reported',
      )
    })

    it('reports FLUSHALL as clear for every subscribed namespace', async () => {
      const r1 = await listen(b, 'trk-f1')
      const r2 = await listen(b, 'trk-f2')
      await rawCommand(backend, 'FLUSHALL')
      await r1.received((m) => m.clear === true && m.namespace === 'trk-f1')
      await r2.received((m) => m.clear === true && m.namespace === 'trk-f2')
    })

    it('publish is accepted (the server reports the writes themselves)', async () => {
      await expect(
        bus(a).publish({ namespace: 'trk', origin: bus(a).origin, tags: ['x'] }),
      ).resolves.toBeUndefined()
    })
  })

  for (const invalidation of ['pubsub', 'tracking'] as const) {
    describe(`${options.name}: invalidation bus (${invalidation}) across a server kill`, {
      timeout: 90_000,
    }, () => {
      it('reports interrupted at once, resumed after recovery, and messages flow again', async () => {
        const backend = await shared()
        const a = await options.connect(backend, { keyPrefix: PREFIX, invalidation })
        const b = await options.connect(backend, { keyPrefix: PREFIX, invalidation })
        try {
          const ns = `kill-${invalidation}`
          const rb = recorder()
          const end = await providerPort(b, 'bus').subscribe(ns, rb)
          const layout = new KeyLayout(PREFIX, ns, b.buckets)
          // The node to kill: the channel's owner (pubsub), or the owner of a tracked key.
          const key = invalidation === 'pubsub' ? layout.busChannel : layout.valueKey('k')
          const recover = await killAndRecover(backend, key)
          await rb.eventCount(2)
          expect(rb.events).toEqual(['resumed', 'interrupted'])
          await recover()
          await rb.eventCount(3)
          expect(rb.events.slice(0, 3)).toEqual(['resumed', 'interrupted', 'resumed'])
          // A link that drops once more while the cluster settles (a failover right after the
          // restart) is reported the same way: the states keep alternating.
          expect(rb.events.every((e, i) => e === (i % 2 === 0 ? 'resumed' : 'interrupted'))).toBe(
            true,
          )
          await retry(
            () =>
              invalidation === 'pubsub'
                ? providerPort(a, 'bus').publish({ namespace: ns, origin: '', keys: ['after'] })
                : bytesStore(a, ns).set('after', new Uint8Array([1])),
            10_000,
          )
          await rb.received((m) => m.keys?.includes('after') === true, 10_000)
          await end()
        } finally {
          await a.close()
          await b.close()
        }
      })
    })
  }

  if (options.topology === 'cluster')
    describe(`${options.name}: invalidation bus across cluster topology changes`, {
      timeout: 90_000,
    }, () => {
      it('pubsub: follows its channel to the primary its slot moved to', async () => {
        const backend = await shared()
        if (backend.topology !== 'cluster') throw new Error('needs a cluster')
        const a = await options.connect(backend, { keyPrefix: PREFIX })
        const b = await options.connect(backend, { keyPrefix: PREFIX })
        try {
          const rb = recorder()
          const end = await providerPort(b, 'bus').subscribe('moving', rb)
          const channel = new KeyLayout(PREFIX, 'moving', b.buckets).busChannel
          const from = await ownerOf(backend, channel)
          const to = (await backend.cluster.primaries()).find((p) => p.port !== from.port)
          const slot = Number(await from.command('CLUSTER', 'KEYSLOT', channel))
          await migrateSlot(backend.cluster, slot, from, to as ServerHandle)
          expect((await ownerOf(backend, channel)).port).toBe(to?.port)
          await rb.eventCount(3)
          expect(rb.events.slice(0, 3)).toEqual(['resumed', 'interrupted', 'resumed'])
          // A link that drops once more while the cluster settles (a failover right after the
          // restart) is reported the same way: the states keep alternating.
          expect(rb.events.every((e, i) => e === (i % 2 === 0 ? 'resumed' : 'interrupted'))).toBe(
            true,
          )
          await retry(
            () =>
              providerPort(a, 'bus').publish({ namespace: 'moving', origin: '', keys: ['moved'] }),
            10_000,
          )
          await rb.received((m) => m.keys?.includes('moved') === true, 10_000)
          await end()
        } finally {
          await a.close()
          await b.close()
        }
      })

      it('tracking: after a manual failover, tracks the new primary', async () => {
        const backend = await shared()
        if (backend.topology !== 'cluster') throw new Error('needs a cluster')
        const a = await options.connect(backend, { keyPrefix: PREFIX })
        const b = await options.connect(backend, { keyPrefix: PREFIX, invalidation: 'tracking' })
        try {
          const rb = recorder()
          const end = await providerPort(b, 'bus').subscribe('failover', rb)
          const key = new KeyLayout(PREFIX, 'failover', b.buckets).valueKey('k')
          const owner = await ownerOf(backend, key)
          let replica: ServerHandle | undefined
          for (const node of await backend.cluster.replicas()) {
            const role = (await node.command('ROLE')) as [string, string, number]
            if (Number(role[2]) === owner.port) replica = node
          }
          if (replica === undefined) throw new Error(`no replica of ${owner.port}`)
          await replica.command('CLUSTER', 'FAILOVER')
          const promoted = replica
          const deadline = Date.now() + 15_000
          while ((await ownerOf(backend, key)).port !== promoted.port) {
            if (Date.now() > deadline) throw new Error('failover did not happen')
            await new Promise((r) => setTimeout(r, 100))
          }
          await rb.eventCount(3)
          expect(rb.events.slice(0, 3)).toEqual(['resumed', 'interrupted', 'resumed'])
          // A link that drops once more while the cluster settles (a failover right after the
          // restart) is reported the same way: the states keep alternating.
          expect(rb.events.every((e, i) => e === (i % 2 === 0 ? 'resumed' : 'interrupted'))).toBe(
            true,
          )
          // A write straight to the new primary (not through this process) is reported.
          await promoted.command('SET', key, 'x')
          await rb.received((m) => m.keys?.includes('k') === true, 10_000)
          await end()
        } finally {
          await a.close()
          await b.close()
        }
      })
    })
}

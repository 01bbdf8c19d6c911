import {
  type BusSubscriber,
  CacheConfigError,
  type CacheProvider,
  type InvalidationMessage,
  type LockAcquireOptions,
  type MaybePromise,
  providerPort,
  type Store,
} from '@cacheport/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** What the port checks need from the provider suite. */
export interface PortConformanceContext {
  /** The provider under test (created by the provider suite's `beforeAll`). */
  readonly provider: () => CacheProvider
  /**
   * A second provider on the same backend, standing for another process: the bus checks
   * publish from one and receive on the other.
   */
  readonly createPeer: () => MaybePromise<CacheProvider>
  /** A namespace name no other test uses. */
  readonly freshName: (label: string) => string
  /** Lets time pass for lock expiry (moves a manual clock, or waits in real time). */
  readonly elapse: (ms: number) => Promise<void>
  readonly ttlMs: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await sleep(5)
  }
}

interface Recording extends BusSubscriber {
  readonly messages: InvalidationMessage[]
  readonly events: string[]
}

function recording(): Recording {
  const messages: InvalidationMessage[] = []
  const events: string[] = []
  return {
    messages,
    events,
    message: (m) => {
      messages.push(m)
    },
    interrupted: () => {
      events.push('interrupted')
    },
    resumed: () => {
      events.push('resumed')
    },
  }
}

/**
 * The checks of the optional `bus` port: declared mode and origin, the subscription
 * lifecycle, delivery between two providers (published messages in `pubsub` mode, store
 * writes in `tracking` mode) and never back to the publisher.
 */
export function describeBusConformance(context: PortConformanceContext): void {
  describe('bus', () => {
    let peer: CacheProvider
    beforeAll(async () => {
      peer = await context.createPeer()
    })
    afterAll(async () => {
      await peer?.close()
    })

    it('is exposed with a mode and an origin of its own', () => {
      const bus = providerPort(context.provider(), 'bus')
      expect(['pubsub', 'tracking']).toContain(bus.mode)
      expect(typeof bus.origin).toBe('string')
      expect(bus.origin).not.toBe('')
      expect(providerPort(peer, 'bus').origin).not.toBe(bus.origin)
    })

    it('resolves subscribe() once live (after one resumed), and delivers what another process changed', async () => {
      const bus = providerPort(context.provider(), 'bus')
      const other = providerPort(peer, 'bus')
      const ns = context.freshName('bus')
      const mine = recording()
      const elsewhere = recording()
      const end = await bus.subscribe(ns, mine)
      const endElsewhere = await bus.subscribe(context.freshName('bus-other'), elsewhere)
      expect(mine.events).toEqual(['resumed'])
      try {
        if (bus.mode === 'pubsub') {
          const sent: InvalidationMessage[] = [
            { namespace: ns, origin: other.origin, keys: ['k1', 'ünï'] },
            { namespace: ns, origin: other.origin, tags: ['t'] },
            { namespace: ns, origin: other.origin, clear: true },
          ]
          for (const m of sent) await other.publish(m)
          await until(() => mine.messages.length >= 3, 5_000, 'three messages')
          expect(mine.messages).toEqual(sent)
        } else {
          await (peer.openStore({ namespace: ns }) as Store<Uint8Array>).set(
            'written',
            new Uint8Array([1]),
          )
          await until(
            () => mine.messages.some((m) => m.namespace === ns && m.keys?.includes('written')),
            5_000,
            'the write reported',
          )
        }
        expect(elsewhere.messages).toEqual([])
      } finally {
        await end()
        await endElsewhere()
      }
    })

    it('never delivers a process its own messages, and stops after unsubscribe', async () => {
      const bus = providerPort(context.provider(), 'bus')
      const other = providerPort(peer, 'bus')
      const ns = context.freshName('bus-own')
      const mine = recording()
      const gone = recording()
      const end = await bus.subscribe(ns, mine)
      const endGone = await bus.subscribe(ns, gone)
      await endGone()
      try {
        await bus.publish({ namespace: ns, origin: bus.origin, keys: ['own'] })
        if (bus.mode === 'pubsub') {
          await other.publish({ namespace: ns, origin: other.origin, keys: ['marker'] })
        } else {
          const store = peer.openStore({ namespace: ns }) as Store<Uint8Array>
          await store.set('marker', new Uint8Array([1]))
        }
        await until(
          () => mine.messages.some((m) => m.keys?.includes('marker')),
          5_000,
          'the marker',
        )
        expect(mine.messages.filter((m) => m.origin === bus.origin)).toEqual([])
        expect(gone.messages).toEqual([])
      } finally {
        await end()
      }
    })
  })
}

/**
 * The checks of the optional `lock` port: one holder at a time, release only by the holder,
 * expiry after `ttlMs`, `waitMs` and abort giving `undefined`, and bad options refused with
 * `CacheConfigError`.
 */
export function describeLockConformance(context: PortConformanceContext): void {
  describe('lock', () => {
    const lock = () => providerPort(context.provider(), 'lock')

    it('admits one holder at a time among concurrent acquirers', async () => {
      const ns = context.freshName('lock')
      let holders = 0
      let most = 0
      let acquired = 0
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const handle = await lock().acquire(ns, 'k', { ttlMs: 10_000, waitMs: 10_000 })
          if (handle === undefined) return
          acquired++
          holders++
          most = Math.max(most, holders)
          await sleep(5)
          holders--
          expect(await handle.release()).toBe(true)
        }),
      )
      expect(acquired).toBe(8)
      expect(most).toBe(1)
    })

    it('names its namespace and key, and releases only once', async () => {
      const ns = context.freshName('lock')
      const handle = await lock().acquire(ns, 'k', { ttlMs: 10_000, waitMs: 0 })
      expect(handle).toMatchObject({ namespace: ns, key: 'k' })
      expect(await lock().acquire(ns, 'k', { ttlMs: 10_000, waitMs: 0 })).toBeUndefined()
      const other = await lock().acquire(ns, 'other', { ttlMs: 10_000, waitMs: 0 })
      expect(other).toBeDefined()
      expect(await handle?.release()).toBe(true)
      expect(await handle?.release()).toBe(false)
      await other?.release()
    })

    it('tries many locks at once without waiting (acquireMany, or one acquire per key)', async () => {
      const ns = context.freshName('lock')
      const port = lock()
      const held = await port.acquire(ns, 'b', { ttlMs: 10_000, waitMs: 0 })
      const keys = ['a', 'b', 'c', 'd{x}', 'e']
      const started = performance.now()
      const handles =
        port.acquireMany !== undefined
          ? await port.acquireMany(ns, keys, { ttlMs: 10_000 })
          : await Promise.all(keys.map((k) => port.acquire(ns, k, { ttlMs: 10_000, waitMs: 0 })))
      expect(performance.now() - started).toBeLessThan(2_000)
      expect(handles.map((h) => h?.key)).toEqual(['a', undefined, 'c', 'd{x}', 'e'])
      // Each handle holds its own key, and frees it.
      expect(await port.acquire(ns, 'c', { ttlMs: 10_000, waitMs: 0 })).toBeUndefined()
      for (const h of handles) expect((await h?.release()) ?? true).toBe(true)
      const again = await port.acquire(ns, 'c', { ttlMs: 10_000, waitMs: 0 })
      expect(again).toBeDefined()
      await again?.release()
      await held?.release()
    })

    it('expires after ttlMs; the lapsed holder then releases nothing', async () => {
      const ns = context.freshName('lock')
      const first = await lock().acquire(ns, 'k', { ttlMs: context.ttlMs, waitMs: 0 })
      expect(first).toBeDefined()
      await context.elapse(context.ttlMs * 2 + 50)
      const second = await lock().acquire(ns, 'k', { ttlMs: 10_000, waitMs: 0 })
      expect(second).toBeDefined()
      expect(await first?.release()).toBe(false)
      expect(await lock().acquire(ns, 'k', { ttlMs: 10_000, waitMs: 0 })).toBeUndefined()
      expect(await second?.release()).toBe(true)
    })

    it('gives up with undefined after waitMs, or as soon as the signal aborts', async () => {
      const ns = context.freshName('lock')
      const held = await lock().acquire(ns, 'k', { ttlMs: 10_000, waitMs: 0 })
      let started = performance.now()
      expect(await lock().acquire(ns, 'k', { ttlMs: 1_000, waitMs: 100 })).toBeUndefined()
      expect(performance.now() - started).toBeGreaterThanOrEqual(95)
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 50)
      started = performance.now()
      const options = { ttlMs: 1_000, waitMs: 10_000, signal: controller.signal }
      expect(await lock().acquire(ns, 'k', options)).toBeUndefined()
      expect(performance.now() - started).toBeLessThan(1_000)
      await held?.release()
      const gaveUp = { ttlMs: 1_000, waitMs: 1_000, signal: AbortSignal.abort() }
      expect(await lock().acquire(ns, 'k', gaveUp)).toBeUndefined()
    })

    it('refuses bad options with CacheConfigError', async () => {
      const ns = context.freshName('lock')
      const bad: unknown[] = [
        { ttlMs: 0, waitMs: 0 },
        { ttlMs: -1, waitMs: 0 },
        { ttlMs: Number.NaN, waitMs: 0 },
        { ttlMs: Number.POSITIVE_INFINITY, waitMs: 0 },
        { ttlMs: 100, waitMs: -1 },
        { ttlMs: 100, waitMs: Number.NaN },
        { ttlMs: 100, waitMs: Number.POSITIVE_INFINITY },
      ]
      for (const options of bad) {
        await expect(
          Promise.resolve().then(() => lock().acquire(ns, 'k', options as LockAcquireOptions)),
          JSON.stringify(options),
        ).rejects.toBeInstanceOf(CacheConfigError)
      }
    })
  })
}

import {
  CacheClosedError,
  CacheConfigError,
  type DistributedLock,
  type LockAcquireOptions,
  providerPort,
} from '@cacheport/core'
import { hashTagOf, KeyLayout, type RedisFamilyProvider } from '@cacheport/redis-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, rawCommand, scanAll } from './backend.js'
import type { RedisFamilySuiteOptions } from './suite.js'

const PREFIX = 'lock:'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The distributed lock between two providers (two processes) on the suite's shared backend.
 * The conformance kit checks the port's contract on one provider (expiry, waitMs, abort,
 * option ranges); these tests add what is Redis-specific.
 */
export function describeLock(
  options: RedisFamilySuiteOptions,
  shared: () => Promise<Backend>,
): void {
  describe(`${options.name}: distributed lock`, { timeout: 60_000 }, () => {
    let backend: Backend
    let a: RedisFamilyProvider
    let b: RedisFamilyProvider
    beforeAll(async () => {
      backend = await shared()
      a = await options.connect(backend, { keyPrefix: PREFIX })
      b = await options.connect(backend, { keyPrefix: PREFIX })
    }, 60_000)
    afterAll(async () => {
      await a?.close()
      await b?.close()
    })
    const lock = (p: RedisFamilyProvider): DistributedLock => providerPort(p, 'lock')

    it('admits one holder at a time among concurrent acquirers of two processes', async () => {
      let holders = 0
      let most = 0
      let acquired = 0
      const worker = async (p: RedisFamilyProvider) => {
        const handle = await lock(p).acquire('mx', 'hot', { ttlMs: 5_000, waitMs: 10_000 })
        if (handle === undefined) return
        acquired++
        holders++
        most = Math.max(most, holders)
        await sleep(10)
        holders--
        expect(await handle.release()).toBe(true)
      }
      await Promise.all(Array.from({ length: 12 }, (_, i) => worker(i % 2 === 0 ? a : b)))
      expect(acquired).toBe(12)
      expect(most).toBe(1)
      // Other keys are independent.
      const x = await lock(a).acquire('mx', 'x', { ttlMs: 1_000, waitMs: 0 })
      const y = await lock(b).acquire('mx', 'y', { ttlMs: 1_000, waitMs: 0 })
      expect(x).toMatchObject({ namespace: 'mx', key: 'x' })
      expect(y).toMatchObject({ namespace: 'mx', key: 'y' })
      await x?.release()
      await y?.release()
    })

    it('lets only the holder release: a lapsed holder gets false and frees nothing', async () => {
      const first = await lock(a).acquire('own', 'k', { ttlMs: 100, waitMs: 0 })
      expect(first).toBeDefined()
      expect(await lock(b).acquire('own', 'k', { ttlMs: 100, waitMs: 0 })).toBeUndefined()
      await sleep(150)
      const second = await lock(b).acquire('own', 'k', { ttlMs: 5_000, waitMs: 0 })
      expect(second).toBeDefined()
      expect(await first?.release()).toBe(false)
      expect(await lock(a).acquire('own', 'k', { ttlMs: 100, waitMs: 0 })).toBeUndefined()
      expect(await second?.release()).toBe(true)
      expect(await second?.release()).toBe(false)
      const third = await lock(a).acquire('own', 'k', { ttlMs: 100, waitMs: 0 })
      expect(third).toBeDefined()
      await third?.release()
    })

    it('keeps the lock next to the value, and clear() leaves it alone', async () => {
      const layout = new KeyLayout(PREFIX, 'near', a.buckets)
      for (const key of ['a', 'b', 'user:42']) {
        expect(hashTagOf(layout.lockKey(key))).toBe(hashTagOf(layout.valueKey(key)))
      }
      const held = await lock(a).acquire('near', 'user:42', { ttlMs: 10_000, waitMs: 0 })
      expect(await scanAll(backend, `${PREFIX}l{near:*`)).toEqual([layout.lockKey('user:42')])
      await a.openStore({ namespace: 'near' }).clear()
      expect(await rawCommand(backend, 'EXISTS', layout.lockKey('user:42'))).toBe(1)
      expect(await held?.release()).toBe(true)
      expect(await scanAll(backend, `${PREFIX}l{near:*`)).toEqual([])
    })

    // Ranges of ttlMs and waitMs are checked by the conformance kit.
    it('refuses malformed options and namespaces with CacheConfigError', async () => {
      const bad: unknown[] = [
        { ttlMs: '100', waitMs: 0 },
        { ttlMs: 100 },
        { ttlMs: 100, waitMs: 0, signal: 'stop' },
        undefined,
      ]
      for (const o of bad) {
        await expect(
          lock(a).acquire('cfg', 'k', o as LockAcquireOptions),
          JSON.stringify(o),
        ).rejects.toThrow(CacheConfigError)
      }
      await expect(lock(a).acquire('bad:ns', 'k', { ttlMs: 100, waitMs: 0 })).rejects.toThrow(
        CacheConfigError,
      )
    })

    it('rejects with CacheClosedError once the provider is closed', async () => {
      const c = await options.connect(backend, { keyPrefix: PREFIX })
      const port = lock(c)
      await c.close()
      await expect(port.acquire('closed', 'k', { ttlMs: 100, waitMs: 0 })).rejects.toThrow(
        CacheClosedError,
      )
    })
  })
}

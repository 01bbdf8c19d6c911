import {
  type Cache,
  CacheError,
  type CacheEventMap,
  CacheTimeoutError,
  CacheUnavailableError,
  createCacheService,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { KeyLayout, type RedisFamilyProvider } from '@cacheport/redis-kit'
import { getFreePort, type ServerHandle, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RedisFamilySuiteOptions } from './suite.js'

const TIMEOUTS = { operation: 400, atomic: 400, bulk: 400, clear: 400 }
/** Time a failing call may take beyond its timeout (the deadline sweep runs every 25 ms). */
const SLACK_MS = 250

async function settle(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  try {
    await call()
    return { error: undefined, ms: performance.now() - started }
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
}

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (performance.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Failure behaviour against real servers: down and back, slow, foreign bytes, refused. */
export function describeFailures(
  options: RedisFamilySuiteOptions,
  sharedServer: () => Promise<ServerHandle>,
): void {
  describe(`${options.name}: failure behaviour`, { timeout: 60_000 }, () => {
    it('rejects construction with CacheUnavailableError when nothing listens', async () => {
      const port = await getFreePort()
      const { error, ms } = await settle(() =>
        options.createProvider({ host: '127.0.0.1', port, connectTimeoutMs: 1_000 }),
      )
      expect(error).toBeInstanceOf(CacheUnavailableError)
      expect((error as Error).message).toContain(`127.0.0.1:${port}`)
      expect(ms).toBeLessThan(1_000 + SLACK_MS)
    })

    describe('server stopped, then restarted', () => {
      let server: ServerHandle
      let provider: RedisFamilyProvider
      let cache: Cache<string, string>
      beforeAll(async () => {
        server = await startServer({ kind: options.server })
        provider = await options.createProvider({ url: server.url, timeouts: TIMEOUTS })
        cache = createCacheService({
          providers: { p: provider },
          encoder: jsonEncoder(),
        }).namespace('down')
        await cache.set('k', 'before', { tags: ['t'] })
      }, 60_000)
      afterAll(async () => {
        await provider?.close()
        await server?.stop()
      })

      it('fails every call fast with a typed error while down, and recovers without a rebuild', async () => {
        expect(await cache.get('k')).toBe('before')
        server.kill('SIGKILL')
        await eventually(async () => !server.running, 5_000)
        const calls: [string, () => Promise<unknown>][] = [
          ['get', () => cache.get('k')],
          ['getMany', () => cache.getMany(['k', 'j'])],
          ['set', () => cache.set('k', 'v')],
          ['set with tags', () => cache.set('k', 'v', { tags: ['t'] })],
          ['delete', () => cache.delete('k')],
          ['invalidateTags', () => cache.invalidateTags(['t'])],
          ['clear', () => cache.clear()],
          ['compute', () => cache.compute('k', () => ({ action: 'keep' }))],
          ['getOrSet', () => cache.getOrSet('other', () => 'loaded')],
        ]
        for (const [label, call] of calls) {
          const { error, ms } = await settle(call)
          // getOrSet fails on its read: the loader never runs against a dead cache.
          expect(error, label).toBeInstanceOf(CacheError)
          expect(
            error instanceof CacheUnavailableError || error instanceof CacheTimeoutError,
            `${label}: ${(error as Error).message}`,
          ).toBe(true)
          expect(ms, label).toBeLessThan(TIMEOUTS.operation + SLACK_MS)
        }
        const health = await provider.health()
        expect(health.healthy).toBe(false)

        await server.restart()
        await eventually(async () => {
          await cache.set('k', 'after')
          return (await cache.get('k')) === 'after'
        }, 10_000)
        expect((await provider.health()).healthy).toBe(true)
        // Scripts are gone after a restart: EVALSHA falls back to EVAL.
        await cache.set('tagged', 'v', { tags: ['t2'] })
        expect(await cache.invalidateTags(['t2'])).toBe(1)
      })
    })

    it('times out calls to a server that answers too slowly', async () => {
      const server = await startServer({ kind: options.server })
      const provider = await options.createProvider({ url: server.url, timeouts: TIMEOUTS })
      try {
        const cache = createCacheService({
          providers: { p: provider },
          encoder: jsonEncoder(),
        }).namespace<string>('slow')
        await cache.set('k', 'v')
        const sleeping = server.command('DEBUG', 'SLEEP', '1.5').catch(() => undefined)
        await new Promise((r) => setTimeout(r, 50))
        const { error, ms } = await settle(() => cache.get('k'))
        expect(error).toBeInstanceOf(CacheTimeoutError)
        expect(ms).toBeLessThan(TIMEOUTS.operation + SLACK_MS)
        await sleeping
        await eventually(async () => (await cache.get('k')) === 'v', 5_000)
      } finally {
        await provider.close()
        await server.stop()
      }
    })

    describe('on the shared server', () => {
      let server: ServerHandle
      let provider: RedisFamilyProvider
      beforeAll(async () => {
        server = await sharedServer()
        provider = await options.createProvider({ url: server.url, keyPrefix: 'fail:' })
      })
      afterAll(async () => {
        await provider?.close()
      })

      it('reads a key written by another client as a miss plus an error event', async () => {
        const service = createCacheService({ providers: { p: provider }, encoder: jsonEncoder() })
        const cache = service.namespace<string>('foreign')
        const errors: CacheEventMap['error'][] = []
        cache.on('error', (e) => errors.push(e))
        const valueKey = new KeyLayout('fail:', 'foreign', 1).valueKey('k')
        expect(await server.cli('SET', valueKey, 'written by redis-cli')).toBe('OK')
        expect(await cache.get('k')).toBeUndefined()
        expect(errors).toHaveLength(1)
        expect(errors[0]?.error).toMatchObject({ code: 'DECODE_FAILED' })
        await server.cli('SET', valueKey, 'Tx')
        expect(await cache.get('k')).toBeUndefined()
        expect(errors).toHaveLength(2)
      })

      it('clear() removes only this namespace and prefix, never foreign keys', async () => {
        const other = await options.createProvider({ url: server.url, keyPrefix: 'other:' })
        try {
          const mine = createCacheService({
            providers: { p: provider },
            encoder: jsonEncoder(),
          }).namespace<number>('clr')
          const theirs = createCacheService({
            providers: { p: other },
            encoder: jsonEncoder(),
          }).namespace<number>('clr')
          await mine.set('a', 1, { tags: ['x'] })
          await theirs.set('a', 2, { tags: ['x'] })
          await server.cli('SET', 'unrelated', 'keep me')
          await mine.clear()
          expect(await mine.get('a')).toBeUndefined()
          expect(await theirs.get('a')).toBe(2)
          expect(await server.cli('GET', 'unrelated')).toBe('keep me')
          expect(await theirs.invalidateTags(['x'])).toBe(1)
        } finally {
          await other.close()
        }
      })

      it('close() closes a client it created but never one it was given', async () => {
        const borrowed = (await options.createProvider({ url: server.url })).client
        const lender = await options.createProvider({ client: borrowed })
        await lender.close()
        expect(await borrowed.ping()).toBe('PONG')
        borrowed.disconnect()
        const owner = await options.createProvider({ url: server.url })
        await owner.close()
        await eventually(async () => owner.client.status === 'end', 2_000)
        expect(owner.client.status).toBe('end')
      })
    })
  })
}

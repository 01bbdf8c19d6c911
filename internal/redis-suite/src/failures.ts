import {
  type Cache,
  CacheClosedError,
  CacheConfigError,
  CacheError,
  CacheTimeoutError,
  CacheUnavailableError,
  createCacheService,
  providerPort,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import type { RedisFamilyProvider } from '@cacheport/redis-kit'
import type { ClusterHandle, ServerHandle } from '@cacheport/test-harness'
import { getFreePort, startCluster, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Backend, ConnectExtras } from './backend.js'
import { recorder } from './recorder.js'
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

/** Failure behaviour against real servers: refused; and on standalone, down and back, and slow. */
export function describeFailures(options: RedisFamilySuiteOptions): void {
  describe(`${options.name}: failure behaviour`, { timeout: 60_000 }, () => {
    it('refuses an unknown or misspelled option with CacheConfigError naming the closest name', async () => {
      const port = await getFreePort()
      const nowhere = { host: '127.0.0.1', port, url: `redis://127.0.0.1:${port}` }
      const backend: Backend =
        options.topology === 'standalone'
          ? { topology: 'standalone', server: nowhere as unknown as ServerHandle }
          : {
              topology: 'cluster',
              cluster: { seeds: [{ host: '127.0.0.1', port }] } as unknown as ClusterHandle,
            }
      // Refused before any connection is tried: nothing listens on that port.
      const typo = { kyePrefix: 'shop:' } as unknown as ConnectExtras
      const { error } = await settle(() => options.connect(backend, typo))
      expect(error).toBeInstanceOf(CacheConfigError)
      expect((error as Error).message).toMatch(/'kyePrefix'.*did you mean 'keyPrefix'/)
      const badTimeout = { timeouts: { opration: 5 } } as unknown as ConnectExtras
      const second = await settle(() => options.connect(backend, badTimeout))
      expect(second.error).toBeInstanceOf(CacheConfigError)
      expect((second.error as Error).message).toContain("did you mean 'timeouts.operation'")
    })

    it('rejects construction with CacheUnavailableError when nothing listens', async () => {
      const port = await getFreePort()
      // A backend handle whose only node listens nowhere.
      const nowhere = {
        host: '127.0.0.1',
        port,
        url: `redis://127.0.0.1:${port}`,
      } as unknown as ServerHandle
      const backend: Backend =
        options.topology === 'standalone'
          ? { topology: 'standalone', server: nowhere }
          : {
              topology: 'cluster',
              cluster: { seeds: [{ host: '127.0.0.1', port }] } as unknown as ClusterHandle,
            }
      const { error, ms } = await settle(() =>
        options.connect(backend, { connectTimeoutMs: 1_000 }),
      )
      expect(error).toBeInstanceOf(CacheUnavailableError)
      expect((error as Error).message).toContain(`127.0.0.1:${port}`)
      expect(ms).toBeLessThan(1_000 + SLACK_MS)
    })

    if (options.topology === 'standalone')
      describe('server stopped, then restarted', () => {
        let server: ServerHandle
        let provider: RedisFamilyProvider
        let cache: Cache<string>
        let strictCache: Cache<string>
        beforeAll(async () => {
          server = await startServer({ kind: options.server })
          provider = await options.connect(
            { topology: 'standalone', server },
            { timeouts: TIMEOUTS },
          )
          const service = createCacheService({ providers: { p: provider }, encoder: jsonEncoder() })
          cache = service.namespace('down')
          strictCache = service.namespace('down-strict', { loaderFallback: false })
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
            [
              'lock acquire',
              () => providerPort(provider, 'lock').acquire('down', 'k', { ttlMs: 100, waitMs: 0 }),
            ],
            [
              'bus publish',
              () =>
                providerPort(provider, 'bus').publish({
                  namespace: 'down',
                  origin: '',
                  clear: true,
                }),
            ],
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
          // getOrSet falls back to the loader: the value is served, the failed read and
          // write-back are error events. With loaderFallback: false it fails like a read.
          const errors: string[] = []
          const off = cache.on('error', (e) => errors.push(e.operation))
          const loaded = await settle(() => cache.getOrSet('other', () => 'loaded'))
          off()
          expect(loaded.error).toBeUndefined()
          expect(loaded.ms).toBeLessThan(2 * TIMEOUTS.operation + SLACK_MS)
          expect(await cache.getOrSet('other2', () => 'loaded')).toBe('loaded')
          expect(errors).toEqual(['get', 'set'])
          const strict = await settle(() => strictCache.getOrSet('other', () => 'loaded'))
          expect(
            strict.error instanceof CacheUnavailableError ||
              strict.error instanceof CacheTimeoutError,
          ).toBe(true)
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
          const lock = providerPort(provider, 'lock')
          const handle = await lock.acquire('down', 'k', { ttlMs: 1_000, waitMs: 0 })
          expect(await handle?.release()).toBe(true)
        })
      })

    if (options.topology === 'cluster')
      it('fails calls at once with CacheUnavailableError while no node of the cluster is reachable', async () => {
        const cluster = await startCluster({ kind: options.server })
        const slow = { operation: 3_000, atomic: 3_000, bulk: 3_000, clear: 3_000 }
        const provider = await options.connect({ topology: 'cluster', cluster }, { timeouts: slow })
        try {
          const service = createCacheService({ providers: { p: provider }, encoder: jsonEncoder() })
          const cache = service.namespace<string>('down')
          await cache.set('k', 'before')
          await Promise.all(cluster.nodes.map((node) => node.stop()))
          // Give the client a moment to see every connection close.
          await new Promise((r) => setTimeout(r, 300))
          for (const [label, call] of [
            ['get', () => cache.get('k')],
            ['set', () => cache.set('k', 'v')],
            ['getMany', () => cache.getMany(['k', 'j'])],
            ['delete', () => cache.delete('k')],
          ] as const) {
            const { error, ms } = await settle(call)
            expect(error, label).toBeInstanceOf(CacheUnavailableError)
            // Well under the 3 s operation timeout: nothing waited in an offline queue.
            expect(ms, label).toBeLessThan(1_000)
          }
        } finally {
          await provider.close().catch(() => undefined)
          await cluster.stop()
        }
      })

    if (options.topology === 'standalone')
      it('a bus subscribe() with the server down rejects within connectTimeoutMs, or on close()', async () => {
        const server = await startServer({ kind: options.server })
        const provider = await options.connect(
          { topology: 'standalone', server },
          { connectTimeoutMs: 500 },
        )
        const bus = providerPort(provider, 'bus')
        try {
          server.kill('SIGKILL')
          await eventually(async () => !server.running, 5_000)
          const { error, ms } = await settle(() => bus.subscribe('down', recorder()))
          expect(error).toBeInstanceOf(CacheUnavailableError)
          expect(ms).toBeLessThan(500 + SLACK_MS)
          const pending = settle(() => bus.subscribe('down', recorder()))
          await new Promise((r) => setTimeout(r, 50))
          await provider.close()
          const closed = await pending
          expect(closed.error).toBeInstanceOf(CacheClosedError)
          expect(closed.ms).toBeLessThan(300)
        } finally {
          await provider.close()
          await server.stop()
        }
      })

    if (options.topology === 'standalone')
      it('times out calls to a server that answers too slowly', async () => {
        const server = await startServer({ kind: options.server })
        const provider = await options.connect(
          { topology: 'standalone', server },
          { timeouts: TIMEOUTS },
        )
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
  })
}

import { spawnWorker, type Worker } from '@cacheport/multilevel-suite'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * The distributed stampede lock: 4 processes x 250 concurrent getOrSet calls on one cold key
 * run the loader exactly once in the whole fleet. In each process the 250 calls share one
 * local load; across processes the lock lets one load run, and the others find its value in
 * L2 when they get the lock or when the bus wakes them.
 */
describe('distributed stampede lock across processes', () => {
  let server: ServerHandle
  let workers: Worker[] = []

  beforeAll(async () => {
    server = await startServer({ kind: 'redis' })
    const spec = { provider: 'redis' as const, url: server.url, keyPrefix: 'lock:' }
    workers = await Promise.all(
      ['P1', 'P2', 'P3', 'P4'].map((name) => spawnWorker(name, spec, { lock: { wait: '10s' } })),
    )
  })

  afterAll(async () => {
    await Promise.allSettled(workers.map((w) => w.close()))
    await server?.stop()
  })

  for (const round of [1, 2, 3]) {
    it(`runs the loader once for 4 x 250 cold getOrSet calls (round ${round})`, async () => {
      const key = `cold-${round}`
      const results = (await Promise.all(
        workers.map((w) => w.do({ op: 'storm', key, concurrency: 250, loaderMs: 50 })),
      )) as { loaderCalls: number; values: { loadedBy: number }[] }[]
      const calls = results.reduce((n, r) => n + r.loaderCalls, 0)
      expect(calls).toBe(1)
      const loadedBy = new Set(results.flatMap((r) => r.values.map((v) => v.loadedBy)))
      expect(loadedBy.size).toBe(1)
      expect(results.every((r) => r.values.length === 250)).toBe(true)
    })
  }
})

import { type BackendSpec, spawnWorker, type Worker } from '@cacheport/multilevel-suite'
import {
  type ClusterHandle,
  type ServerHandle,
  startCluster,
  startServer,
} from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * Locked bulk loads: 4 processes x concurrent getOrSetMany calls over overlapping key sets on
 * cold keys. Each key must be loaded exactly once in the whole fleet, every call must get
 * every value, and all processes must agree on who loaded each key (no deadlock: the test
 * would time out).
 */
const KEYS = Array.from({ length: 40 }, (_, i) => `k${i}`)
/** Overlapping windows of the 40 keys, one per process; each key is in two windows. */
const WINDOWS = [
  KEYS.slice(0, 20),
  KEYS.slice(10, 30),
  KEYS.slice(20, 40),
  [...KEYS.slice(30, 40), ...KEYS.slice(0, 10)],
]

interface StormResult {
  asked: string[]
  values: ({ key: string; loadedBy: number } | null)[][]
}

for (const topology of ['redis standalone', 'redis cluster'] as const) {
  describe(`locked getOrSetMany across 4 processes, ${topology}`, () => {
    let server: ServerHandle | undefined
    let cluster: ClusterHandle | undefined
    let workers: Worker[] = []

    beforeAll(async () => {
      let spec: BackendSpec
      if (topology === 'redis cluster') {
        cluster = await startCluster({ kind: 'redis' })
        spec = { provider: 'redis-cluster', nodes: cluster.seeds, keyPrefix: 'bl:' }
      } else {
        server = await startServer({ kind: 'redis' })
        spec = { provider: 'redis', url: server.url, keyPrefix: 'bl:' }
      }
      workers = await Promise.all(
        ['P1', 'P2', 'P3', 'P4'].map((name) => spawnWorker(name, spec, { lock: { wait: '20s' } })),
      )
    })

    afterAll(async () => {
      await Promise.allSettled(workers.map((w) => w.close()))
      await server?.stop()
      await cluster?.stop()
    })

    for (const round of [1, 2]) {
      it(`loads each of 40 keys exactly once (round ${round})`, async () => {
        const keysOf = (w: number) => (WINDOWS[w] as string[]).map((k) => `r${round}:${k}`)
        const results = (await Promise.all(
          workers.map((w, i) => w.do({ op: 'bulkStorm', keys: keysOf(i), calls: 5, loaderMs: 30 })),
        )) as StormResult[]
        const asked = results.flatMap((r) => r.asked).sort()
        expect(asked).toEqual(KEYS.map((k) => `r${round}:${k}`).sort())
        const loadedBy = new Map<string, number>()
        results.forEach((r, w) => {
          expect(r.values).toHaveLength(5)
          for (const call of r.values) {
            expect(call.map((v) => v?.key)).toEqual(keysOf(w))
            for (const v of call) {
              if (v === null) throw new Error('a call got no value')
              const seen = loadedBy.get(v.key)
              if (seen === undefined) loadedBy.set(v.key, v.loadedBy)
              else expect(v.loadedBy, v.key).toBe(seen)
            }
          }
        })
        expect(loadedBy.size).toBe(40)
      })
    }
  })
}

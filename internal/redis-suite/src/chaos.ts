import {
  type Cache,
  CacheTimeoutError,
  CacheUnavailableError,
  createCacheService,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { DEFAULT_TIMEOUTS, KeyLayout, type RedisFamilyProvider } from '@cacheport/redis-kit'
import {
  type ClusterHandle,
  mulberry32,
  type ServerHandle,
  startCluster,
} from '@cacheport/test-harness'
import { afterEach, describe, expect, it } from 'vitest'
import { type Backend, migrateSlot } from './backend.js'
import type { RedisFamilySuiteOptions } from './suite.js'

/** The chaos tests run with the default timeouts: what an application gets out of the box. */
const TIMEOUTS = DEFAULT_TIMEOUTS
/** A failing call may take its timeout plus the deadline sweep and scheduling noise. */
const SLACK_MS = 500
const KEYS = 2_000

interface LoadReport {
  ok: number
  errors: { error: unknown; ms: number; at: number }[]
}

/** A steady mix of getOrSet, set (some tagged) and getMany(5) from 16 workers until stopped. */
function startLoad(cache: Cache<number>, seed: number): { stop: () => Promise<LoadReport> } {
  const random = mulberry32(seed)
  const report: LoadReport = { ok: 0, errors: [] }
  let running = true
  const key = () => `k${Math.floor(random() * KEYS)}`
  const worker = async () => {
    while (running) {
      const r = random()
      const started = performance.now()
      try {
        if (r < 0.4) await cache.getOrSet(key(), () => 1)
        else if (r < 0.7) await cache.set(key(), 2, r < 0.45 ? { tags: ['chaos'] } : {})
        else await cache.getMany([key(), key(), key(), key(), key()])
        report.ok++
      } catch (error) {
        report.errors.push({ error, ms: performance.now() - started, at: Date.now() })
      }
    }
  }
  const workers = Array.from({ length: 16 }, worker)
  return {
    stop: async () => {
      running = false
      await Promise.all(workers)
      return report
    },
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(check: () => Promise<boolean>, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`)
    await sleep(100)
  }
}

function summary(label: string, report: LoadReport): string {
  const kinds = new Map<string, number>()
  for (const e of report.errors) {
    const name = (e.error as Error).constructor.name
    kinds.set(name, (kinds.get(name) ?? 0) + 1)
  }
  const detail = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'
  return `[chaos] ${label}: ${report.ok} calls succeeded, ${report.errors.length} failed (${detail})`
}

/**
 * Chaos under load on a real cluster: a graceful failover, a primary killed with SIGKILL, and
 * a live migration of the namespace's slots to another primary. Each test starts its own
 * cluster, since each one changes the topology.
 */
export function describeChaos(options: RedisFamilySuiteOptions): void {
  if (options.topology !== 'cluster') return
  describe(`${options.name}: chaos under load`, { timeout: 90_000 }, () => {
    let cluster: ClusterHandle | undefined
    let provider: RedisFamilyProvider | undefined
    afterEach(async () => {
      await provider?.close()
      await cluster?.stop()
      provider = undefined
      cluster = undefined
    }, 60_000)

    async function setUp(): Promise<{ cluster: ClusterHandle; cache: Cache<number> }> {
      cluster = await startCluster({ kind: options.server })
      const backend: Backend = { topology: 'cluster', cluster }
      provider = await options.connect(backend)
      const cache = createCacheService({
        providers: { p: provider },
        encoder: jsonEncoder(),
      }).namespace<number>('chaos', { ttl: '10m' })
      await cache.setMany(Array.from({ length: KEYS }, (_, i) => ({ key: `k${i}`, value: 0 })))
      return { cluster, cache }
    }

    it('a manual CLUSTER FAILOVER reaches no caller as an error', async () => {
      const { cluster, cache } = await setUp()
      const load = startLoad(cache, 1)
      await sleep(500)
      const replica = (await cluster.replicas())[0] as ServerHandle
      await replica.command('CLUSTER', 'FAILOVER')
      await until(
        async () => (await cluster.primaries()).some((p) => p.port === replica.port),
        10_000,
        'failover',
      )
      await sleep(1_500)
      const report = await load.stop()
      console.log(summary(`${options.name} manual failover`, report))
      expect(report.ok).toBeGreaterThan(500)
      expect(report.errors.map((e) => String(e.error))).toEqual([])
    })

    it('a primary killed with SIGKILL fails calls only with typed errors within their timeout, and service recovers', async () => {
      const { cluster, cache } = await setUp()
      const load = startLoad(cache, 2)
      await sleep(500)
      const victim = (await cluster.primaries())[0] as ServerHandle
      const killedAt = Date.now()
      victim.kill('SIGKILL')
      // Recovery: a replica is promoted and the client follows; then a clean second of load.
      await until(
        async () => (await cluster.primaries()).filter((p) => p.port !== victim.port).length === 3,
        15_000,
        'promotion',
      )
      let clean = false
      const recoverBy = Date.now() + 20_000
      while (!clean && Date.now() < recoverBy) {
        const probe = startLoad(cache, 3)
        await sleep(1_000)
        const probeReport = await probe.stop()
        clean = probeReport.errors.length === 0 && probeReport.ok > 100
      }
      const report = await load.stop()
      console.log(
        `${summary(`${options.name} primary killed`, report)}; recovered ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill at the latest`,
      )
      expect(clean).toBe(true)
      for (const e of report.errors) {
        expect(
          e.error instanceof CacheUnavailableError || e.error instanceof CacheTimeoutError,
          String(e.error),
        ).toBe(true)
        expect(e.ms).toBeLessThan(TIMEOUTS.bulk + SLACK_MS)
      }
      // The outage lasts a few seconds of a 16-worker load: failures stay a minority of calls.
      expect(report.errors.length).toBeLessThan(report.ok)
    })

    it('live resharding of the namespace\u2019s slots reaches no caller as an error', async () => {
      const { cluster, cache } = await setUp()
      const [from, to] = (await cluster.primaries()) as [ServerHandle, ServerHandle]
      const layout = new KeyLayout('', 'chaos', provider!.buckets)
      const owned = new Set<number>()
      const ranges = (await from.command('CLUSTER', 'SLOTS')) as [
        number,
        number,
        [string, number],
      ][]
      const mine = ranges.filter((r) => Number(r[2][1]) === from.port)
      for (let b = 0; b < layout.buckets; b++) {
        const slot = Number(await from.command('CLUSTER', 'KEYSLOT', layout.valuePrefix(b)))
        if (mine.some(([start, end]) => slot >= Number(start) && slot <= Number(end)))
          owned.add(slot)
      }
      const slots = [...owned]
      const load = startLoad(cache, 4)
      await sleep(300)
      let migrated = 0
      for (const slot of slots) migrated += await migrateSlot(cluster, slot, from, to)
      await sleep(1_000)
      const report = await load.stop()
      console.log(
        `${summary(`${options.name} resharding`, report)}; moved ${slots.length} slots, ${migrated} keys`,
      )
      expect(slots.length).toBeGreaterThan(0)
      expect(migrated).toBeGreaterThan(0)
      expect(report.errors.map((e) => String(e.error))).toEqual([])
      const values = await cache.getMany(Array.from({ length: 200 }, (_, i) => `k${i}`))
      expect(values.every((v) => v !== undefined)).toBe(true)
    })
  })
}

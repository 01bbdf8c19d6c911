import { type BytesStore, CacheTimeoutError, CacheUnsupportedError } from '@cacheport/core'
import { KeyLayout } from '@cacheport/redis-kit'
import { startServer } from '@cacheport/test-harness'
import { expect, it } from 'vitest'
import { type Backend, migrateSlot, rawCommand } from './backend.js'
import {
  decoded,
  keysOf,
  put,
  query,
  SCHEMA,
  type SearchSuiteContext,
  search,
  until,
} from './search-helpers.js'

/**
 * Standalone only: the refusal without the module, the query timeout, eviction. Clusters
 * only: the spread and merge over every primary, a slot migration, a failover.
 */
export function describeSearchTopology(ctx: SearchSuiteContext): void {
  if (ctx.options.topology === 'standalone') {
    it('without the module, search rejects with CacheUnsupportedError naming it and the node; caching still works', async () => {
      const bare = await startServer({ kind: ctx.options.server })
      const p = await ctx.options.connect(
        { topology: 'standalone', server: bare },
        { keyPrefix: 'srch:' },
      )
      try {
        const store = p.openStore({
          namespace: 'nomodule',
          search: { schema: SCHEMA, indexName: 'index:nomodule' },
        }) as BytesStore
        await put(store, 'k', 'v', { title: 'x' })
        expect(await decoded(await store.get('k'))).toBe('v')
        const error = await search(store, query()).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(CacheUnsupportedError)
        expect((error as Error).message).toContain(
          "RediSearch 2.4 ('search' module) is not loaded on 127.0.0.1:",
        )
        expect((error as Error).message).toContain(String(bare.port))
      } finally {
        await p.close()
        await bare.stop()
      }
    })
  }

  if (ctx.options.topology === 'standalone') {
    it('rejects with CacheTimeoutError after the query timeout', async () => {
      const store = ctx.open()
      await put(store, 'k', 1, { title: 'slow' })
      expect(await keysOf(store, query({ text: 'slow' }))).toEqual(['k'])
      const sleeping = rawCommand(ctx.backend, 'DEBUG', 'SLEEP', '1')
      await new Promise((r) => setTimeout(r, 50))
      const started = Date.now()
      const error = await search(store, query({ text: 'slow', timeoutMs: 200 })).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(CacheTimeoutError)
      expect(Date.now() - started).toBeLessThan(900)
      await sleeping
    })

    it('an evicted entry leaves the index (maxmemory allkeys-random)', async () => {
      const small = await startServer({
        kind: ctx.options.server,
        search: true,
        args: ['--maxmemory', '8mb', '--maxmemory-policy', 'allkeys-random'],
      })
      const p = await ctx.options.connect(
        { topology: 'standalone', server: small },
        { keyPrefix: 'srch:' },
      )
      try {
        const store = p.openStore({
          namespace: 'evict',
          search: { schema: SCHEMA, indexName: 'index:evict' },
        }) as BytesStore
        const filler = 'x'.repeat(20_000)
        for (let i = 0; i < 1_000; i++)
          await put(store, `e${i}`, filler, { title: 'evictable', price: i })
        const info = String(await small.command('INFO', 'stats'))
        expect(Number(/evicted_keys:(\d+)/.exec(info)?.[1])).toBeGreaterThan(0)
        const remaining = Number(await small.command('DBSIZE'))
        expect(remaining).toBeLessThan(1_000)
        const result = await search(store, query({ text: 'evictable', limit: 0 }))
        expect(result.total).toBe(remaining)
      } finally {
        await p.close()
        await small.stop()
      }
    })
  }

  if (ctx.options.topology === 'cluster') {
    it('spreads a namespace over every primary and merges: total, order and pages', async () => {
      const store = ctx.open()
      for (let i = 0; i < 60; i++) await put(store, `c${i}`, i, { title: 'everywhere', price: i })
      const page = await search(
        store,
        query({
          text: 'everywhere',
          sort: { field: 'price', order: 'desc' },
          offset: 5,
          limit: 10,
        }),
      )
      expect(page.total).toBe(60)
      expect(page.hits.map((h) => h.key)).toEqual(
        Array.from({ length: 10 }, (_, i) => `c${54 - i}`),
      )
      // One index per bucket, each on the primary that holds the bucket's keys.
      const perNode = await Promise.all(
        (await clusterOf(ctx.backend).primaries()).map(async (node) => {
          const names = ((await node.command('FT._LIST')) as string[]).filter((name) =>
            name.startsWith(`srch:index:${store.namespace}{`),
          )
          let docs = 0
          for (const name of names) {
            const info = (await node.command('FT.INFO', name)) as unknown[]
            docs += Number(info[info.indexOf('num_docs') + 1])
          }
          return docs
        }),
      )
      expect(perNode.filter((count) => count > 0).length).toBe(3)
      expect(perNode.reduce((a, b) => a + b, 0)).toBe(60)
      const unsorted = new Set<string>()
      for (let offset = 0; offset < 60; offset += 7) {
        for (const hit of (await search(store, query({ offset, limit: 7 }))).hits)
          unsorted.add(hit.key)
      }
      expect(unsorted.size).toBe(60)
    })

    it('keeps entries searchable through a slot migration', async () => {
      const store = ctx.open()
      for (let i = 0; i < 40; i++) await put(store, `m${i}`, i, { title: 'migrating', price: i })
      const cluster = clusterOf(ctx.backend)
      const valueKey = new KeyLayout('srch:', store.namespace, ctx.provider.buckets).valueKey('m0')
      const slot = Number(await rawCommand(ctx.backend, 'CLUSTER', 'KEYSLOT', valueKey))
      const primaries = await cluster.primaries()
      let from = primaries[0]
      for (const node of primaries) {
        if (Number(await node.command('CLUSTER', 'COUNTKEYSINSLOT', String(slot))) > 0) from = node
      }
      const to = primaries.find((node) => node !== from)
      if (from === undefined || to === undefined) throw new Error('no primaries')
      expect(await migrateSlot(cluster, slot, from, to)).toBeGreaterThan(0)
      const result = await search(store, query({ text: 'migrating', limit: 100 }))
      expect(result.total).toBe(40)
      expect(result.hits.map((h) => h.key).sort()).toEqual(
        Array.from({ length: 40 }, (_, i) => `m${i}`).sort(),
      )
      expect(await decoded(await store.get('m0'))).toBe(0)
    })

    it('keeps answering through a failover (a replica promoted), indexing new writes on the new primary', async () => {
      const store = ctx.open()
      for (let i = 0; i < 30; i++) await put(store, `f${i}`, i, { title: 'failover', price: i })
      const cluster = clusterOf(ctx.backend)
      const replica = (await cluster.replicas())[0]
      if (replica === undefined) throw new Error('no replica')
      await replica.command('CLUSTER', 'FAILOVER')
      await until(async () => (await cluster.primaries()).includes(replica), 'the failover')
      await cluster.waitUntilHealthy()
      await until(async () => {
        try {
          return (await search(store, query({ text: 'failover' }))).total === 30
        } catch {
          return false
        }
      }, 'search after the failover')
      for (let i = 30; i < 40; i++) await put(store, `f${i}`, i, { title: 'failover', price: i })
      const result = await search(
        store,
        query({ text: 'failover', sort: { field: 'price', order: 'desc' }, limit: 3 }),
      )
      expect(result.total).toBe(40)
      expect(result.hits.map((h) => h.key)).toEqual(['f39', 'f38', 'f37'])
    })
  }
}

function clusterOf(backend: Backend) {
  if (backend.topology !== 'cluster') throw new Error('not a cluster')
  return backend.cluster
}

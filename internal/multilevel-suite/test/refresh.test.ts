import { spawnWorker, type Worker } from '@cacheport/multilevel-suite'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * `cache.refresh` on a two-tier namespace (memory L1, Redis L2, the bus, the lock) across two
 * processes: the old value is served everywhere until the new one is written, then the bus
 * brings the new value to the other process; two processes refreshing one key at once run
 * one loader (the lock), and the second takes the value the first wrote.
 */
describe('refresh across processes (redis, two tiers, lock)', () => {
  let server: ServerHandle
  let a: Worker
  let b: Worker

  beforeAll(async () => {
    server = await startServer({ kind: 'redis' })
    const spec = { provider: 'redis' as const, url: server.url, keyPrefix: 'rf:' }
    const namespace = { lock: { wait: '10s' as const } }
    ;[a, b] = await Promise.all([
      spawnWorker('A', spec, namespace),
      spawnWorker('B', spec, namespace),
    ])
  })

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()])
    await server?.stop()
  })

  it('serves the old value until the new one is written, then everywhere the new one', async () => {
    await a.do({ op: 'set', key: 'k', value: 'old' })
    expect(await b.do({ op: 'get', key: 'k' })).toBe('old')
    expect(await b.do({ op: 'l1Has', key: 'k' })).toBe(true)
    const loading = a.next((e) => e.event === 'loading' && e.keys?.[0] === 'k')
    const refreshed = a.do({ op: 'slowRefresh', key: 'k', value: 'new' })
    await loading
    expect(await a.do({ op: 'get', key: 'k' })).toBe('old')
    expect(await b.do({ op: 'get', key: 'k' })).toBe('old')
    expect(await b.do({ op: 'l2Get', key: 'k' })).toBe('old')
    const dropped = b.next((e) => e.event === 'invalidate' && (e.keys ?? []).includes('k'))
    await a.do({ op: 'release', key: 'k' })
    expect(await refreshed).toBe('new')
    await dropped
    expect(await b.do({ op: 'get', key: 'k' })).toBe('new')
    expect(await a.do({ op: 'get', key: 'k' })).toBe('new')
  })

  it('runs one loader when two processes refresh a key at once', async () => {
    await a.do({ op: 'set', key: 'both', value: 'old' })
    const aLoading = a.next((e) => e.event === 'loading' && e.keys?.[0] === 'both')
    const fromA = a.do({ op: 'slowRefresh', key: 'both', value: 'by-A' })
    await aLoading
    let bLoaded = false
    b.next((e) => e.event === 'loading' && e.keys?.[0] === 'both', 30_000).then(
      () => {
        bLoaded = true
      },
      () => undefined,
    )
    const fromB = b.do({ op: 'slowRefresh', key: 'both', value: 'by-B' })
    // B waits on A's lock; once A writes and releases, B takes A's value.
    await new Promise((r) => setTimeout(r, 200))
    await a.do({ op: 'release', key: 'both' })
    expect(await fromA).toBe('by-A')
    expect(await fromB).toBe('by-A')
    expect(bLoaded).toBe(false)
    expect(await b.do({ op: 'l2Get', key: 'both' })).toBe('by-A')
  })
})

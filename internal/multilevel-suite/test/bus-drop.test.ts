import { spawnWorker, type Worker } from '@cacheport/multilevel-suite'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * A bus connection that drops may lose messages, so B must empty and bypass its L1 until it
 * has resubscribed: a write made while B could not hear it must never be read stale.
 */
describe('bus connection drop across processes (redis, pub/sub)', () => {
  let server: ServerHandle
  let a: Worker
  let b: Worker

  beforeAll(async () => {
    server = await startServer({ kind: 'redis' })
    const spec = { provider: 'redis' as const, url: server.url, keyPrefix: 'drop:' }
    ;[a, b] = await Promise.all([spawnWorker('A', spec), spawnWorker('B', spec)])
  })

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()])
    await server?.stop()
  })

  it('empties L1 when the bus drops, and serves the new value after it resumes', async () => {
    await a.do({ op: 'set', key: 'k', value: 'old' })
    expect(await b.do({ op: 'get', key: 'k' })).toBe('old')
    expect(await b.do({ op: 'l1Has', key: 'k' })).toBe(true)

    const down = b.next((e) => e.event === 'bus' && e.detail === 'interrupted', 10_000)
    server.kill()
    await down
    expect(await b.do({ op: 'l1Has', key: 'k' })).toBe(false)

    const up = b.next((e) => e.event === 'bus' && e.detail === 'resumed', 20_000)
    await server.restart()
    await up
    // Data connections reconnect on their own schedule: retry until they work again.
    const once = async (w: Worker, request: Parameters<Worker['call']>[0]) => {
      let reply = await w.call(request)
      for (let i = 0; i < 100 && !reply.ok; i++) {
        await new Promise((r) => setTimeout(r, 100))
        reply = await w.call(request)
      }
      return reply
    }
    // The restarted server lost its data (no persistence): B must not answer from memory.
    expect(await once(b, { op: 'get', key: 'k' })).toMatchObject({ ok: true, result: null })
    expect(await once(a, { op: 'set', key: 'k', value: 'new' })).toMatchObject({ ok: true })
    expect(await b.do({ op: 'get', key: 'k' })).toBe('new')
    expect(await b.do({ op: 'l1Has', key: 'k' })).toBe(true)
  })
})

import { spawnWorker, type Worker } from '@cacheport/multilevel-suite'
import { leastPrivilegeAclRule } from '@cacheport/redis-kit'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const PREFIX = 'retry:'
const RULE = leastPrivilegeAclRule({ keyPrefix: PREFIX })

/**
 * core retries a failed invalidation publish from a bounded queue: a PUBLISH refused once
 * (here by the ACL: A's user may do everything but publish) still reaches B once the cause
 * is gone, so B does not keep serving its stale L1 copy until the TTL.
 */
describe('a publish that fails once still reaches the other process (redis, pub/sub)', () => {
  let server: ServerHandle
  let a: Worker
  let b: Worker

  beforeAll(async () => {
    server = await startServer({
      kind: 'redis',
      users: [`writer on >writer-secret ${RULE} -publish`, `reader on >reader-secret ${RULE}`],
    })
    const spec = { provider: 'redis' as const, url: server.url, keyPrefix: PREFIX }
    ;[a, b] = await Promise.all([
      spawnWorker('A', { ...spec, username: 'writer', password: 'writer-secret' }),
      spawnWorker('B', { ...spec, username: 'reader', password: 'reader-secret' }),
    ])
  })

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()])
    await server?.stop()
  })

  it('B drops its L1 copy and reads the new value once PUBLISH is allowed again', async () => {
    await b.do({ op: 'set', key: 'k', value: 'old' })
    expect(await b.do({ op: 'get', key: 'k' })).toBe('old')
    expect(await b.do({ op: 'l1Has', key: 'k' })).toBe(true)

    const failed = a.next((e) => e.event === 'error' && /NOPERM/.test(e.detail ?? ''), 5_000)
    await a.do({ op: 'set', key: 'k', value: 'new' })
    const error = await failed
    expect(error.detail).toMatch(/publish/i)
    // A's write went through, but B has not heard of it and still holds the old copy.
    expect(await b.do({ op: 'l1Has', key: 'k' })).toBe(true)

    const heard = b.next((e) => e.event === 'invalidate' && e.keys?.includes('k') === true, 8_000)
    await server.command('ACL', 'SETUSER', 'writer', '+publish')
    await heard
    expect(await b.do({ op: 'l1Has', key: 'k' })).toBe(false)
    expect(await b.do({ op: 'get', key: 'k' })).toBe('new')
  })
})

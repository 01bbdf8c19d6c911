import {
  CacheConfigError,
  type CacheProvider,
  CacheUnavailableError,
  createCacheService,
  providerPort,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { leastPrivilegeAclRule, type RedisFamilyProvider } from '@cacheport/redis-kit'
import {
  createTestCertificates,
  RespError,
  type ServerHandle,
  sendCommand,
  startCluster,
  startServer,
  type TestCertificates,
} from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, type BackendAccess, dataServers } from './backend.js'
import { recorder } from './recorder.js'
import type { RedisFamilySuiteOptions } from './suite.js'

const PREFIX = 'sec:'
const ADMIN_PASSWORD = 'admin-secret'
const USER = 'cacheport'
const USER_PASSWORD = 'user-secret'
const CONNECT_TIMEOUT_MS = 2_000
/** How much longer than `connectTimeoutMs` a refused construction may take. */
const SLACK_MS = 500

const service = (provider: CacheProvider) =>
  createCacheService({ providers: { p: provider }, encoder: jsonEncoder() })

/** Awaits `call`, which must reject; returns the error and how long it took. */
async function refusal(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  try {
    const provider = await call()
    await (provider as RedisFamilyProvider).close()
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
  throw new Error('expected construction to be refused, but it connected')
}

/** A typed cacheport error: the server cannot be used as configured. */
function expectTypedRefusal(outcome: { error: unknown; ms: number }, cause: RegExp): void {
  const { error, ms } = outcome
  expect(
    error instanceof CacheUnavailableError || error instanceof CacheConfigError,
    `expected CacheUnavailableError or CacheConfigError, got ${String(error)}`,
  ).toBe(true)
  expect((error as Error).message).toMatch(cause)
  expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS)
}

/**
 * TLS and access control against a real server (or cluster, with TLS on the cluster bus and
 * for replication) that the file starts: `requirepass`, an ACL user with redis-kit's
 * least-privilege rule, TLS only with a CA made at run time. The whole basic flow and the bus
 * work with the right CA and credentials; another CA and wrong passwords are typed errors at
 * construction within the connect timeout; a key outside the prefix is NOPERM.
 */
export function describeSecurity(options: RedisFamilySuiteOptions): void {
  describe(`${options.name}: TLS and access control`, { timeout: 60_000 }, () => {
    let certs: TestCertificates
    let backend: Backend
    const cluster = options.topology === 'cluster'
    const tls = () => ({ ca: certs.ca })
    const as = (access: BackendAccess): Backend => ({ ...backend, access })
    const user = (): BackendAccess => ({ username: USER, password: USER_PASSWORD, tls: tls() })
    const connectAs = (access: BackendAccess) =>
      options.connect(as(access), { keyPrefix: PREFIX, connectTimeoutMs: CONNECT_TIMEOUT_MS })

    beforeAll(async () => {
      certs = await createTestCertificates()
      const security = {
        kind: options.server,
        tls: { certificates: certs },
        password: ADMIN_PASSWORD,
        users: [
          `${USER} on >${USER_PASSWORD} ${leastPrivilegeAclRule({ keyPrefix: PREFIX, cluster })}`,
        ],
      }
      backend = cluster
        ? { topology: 'cluster', cluster: await startCluster(security) }
        : { topology: 'standalone', server: await startServer(security) }
    }, 60_000)
    afterAll(async () => {
      if (backend?.topology === 'standalone') await backend.server.stop()
      else if (backend?.topology === 'cluster') await backend.cluster.stop()
      await certs?.remove()
    }, 60_000)

    it('runs the basic flow over TLS as the least-privilege user, with no ACL denial', async () => {
      for (const node of await dataServers(backend)) await node.command('ACL', 'LOG', 'RESET')
      const provider = await connectAs(user())
      try {
        const cache = service(provider).namespace<{ n: number }>('flow')
        await cache.set('a', { n: 1 }, { tags: ['t'] })
        expect(await cache.get('a')).toEqual({ n: 1 })
        expect(await cache.getMany(['a', 'missing'])).toEqual([{ n: 1 }, undefined])
        expect(await cache.getOrSet('b', () => ({ n: 2 }))).toEqual({ n: 2 })
        expect(await cache.getOrSet('b', () => ({ n: 3 }))).toEqual({ n: 2 })
        expect(await cache.invalidateTags(['t'])).toBe(1)
        expect(await cache.get('a')).toBeUndefined()
        await cache.clear()
        expect(await cache.get('b')).toBeUndefined()
      } finally {
        await provider.close()
      }
      for (const node of await dataServers(backend)) {
        const denials = (await node.command('ACL', 'LOG')) as string[][]
        // Each entry is a flat [field, value, ...] list: show what was denied.
        const denied = denials.map((entry) => {
          const field = (name: string) => entry[entry.indexOf(name) + 1]
          return `${field('reason')} ${field('context')} ${field('object')} (${field('username')})`
        })
        // node-redis sends CLIENT SETINFO on connect to servers that know it (Valkey, Redis
        // 7.2+), ignores the refusal, and the rule leaves it out (Redis 7.0 rejects the name).
        expect(denied.filter((d) => !d.includes('client|setinfo'))).toEqual([])
      }
    })

    it('carries invalidations between two providers over TLS (pubsub)', async () => {
      const a = await connectAs(user())
      const b = await connectAs(user())
      try {
        const r = recorder()
        const end = await providerPort(b, 'bus').subscribe('flow', r)
        try {
          expect(r.events).toEqual(['resumed'])
          await providerPort(a, 'bus').publish({ namespace: 'flow', keys: ['k'], origin: 'test' })
          const got = await r.received((m) => m.keys?.includes('k') === true)
          expect(got.origin).toBe(providerPort(a, 'bus').origin)
        } finally {
          await end()
        }
      } finally {
        await a.close()
        await b.close()
      }
    })

    it('refuses a server certificate signed by another CA with a typed error, not a hang', async () => {
      const other = await createTestCertificates('other')
      try {
        const outcome = await refusal(() => connectAs({ ...user(), tls: { ca: other.ca } }))
        expectTypedRefusal(outcome, /certificate/i)
      } finally {
        await other.remove()
      }
    })

    it('authenticates the default user with requirepass, and refuses a wrong password', async () => {
      const provider = await connectAs({ password: ADMIN_PASSWORD, tls: tls() })
      try {
        const cache = service(provider).namespace<number>('pass')
        await cache.set('k', 1)
        expect(await cache.get('k')).toBe(1)
      } finally {
        await provider.close()
      }
      const outcome = await refusal(() => connectAs({ password: 'wrong', tls: tls() }))
      expectTypedRefusal(outcome, /WRONGPASS|NOAUTH|invalid username-password/i)
    })

    it('refuses an ACL user with a wrong password, or no password, with a typed error', async () => {
      const wrong = await refusal(() => connectAs({ ...user(), password: 'wrong' }))
      expectTypedRefusal(wrong, /WRONGPASS|NOAUTH|invalid username-password/i)
      const none = await refusal(() => connectAs({ tls: tls() }))
      expectTypedRefusal(none, /NOAUTH|auth/i)
    })

    it('lets the least-privilege user touch nothing outside its prefix (NOPERM)', async () => {
      const [node] = (await dataServers(backend)) as [ServerHandle]
      const asUser = { tls: tls(), auth: [USER, USER_PASSWORD] }
      const denied = async (...args: string[]) => {
        const error = await sendCommand(node.port, args, asUser).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error, args.join(' ')).toBeInstanceOf(RespError)
        expect(String(error)).toMatch(/NOPERM/)
      }
      await denied('SET', 'outside', 'x')
      await denied('GET', 'outside')
      await denied('PUBLISH', 'outside-bus{ns}', 'x')
      await denied('FLUSHALL')
      await denied('CONFIG', 'GET', 'requirepass')
      await denied('KEYS', '*')
      // Inside the prefix the same user may read (the key's slot decides where it lives).
      if (!cluster) expect(await sendCommand(node.port, ['GET', `${PREFIX}x`], asUser)).toBeNull()
    })
  })
}

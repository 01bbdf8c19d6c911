import { runProviderConformance } from '@cacheport/conformance'
import type { CacheProvider } from '@cacheport/core'
import type { ServerKind } from '@cacheport/test-harness'
import { afterAll, beforeAll } from 'vitest'
import { type Backend, type Connect, startBackend, stopBackend, type Topology } from './backend.js'
import { describeBus } from './bus.js'
import { describeChaos } from './chaos.js'
import { describeFailures } from './failures.js'
import { describeHygiene } from './hygiene.js'
import { describeLock } from './lock.js'
import { describeSecurity } from './security.js'
import { describeSharedBackend } from './shared-backend.js'

/** Options of `describeRedisFamilyProvider`. */
export interface RedisFamilySuiteOptions {
  /** Suite title, e.g. `provider-redis`. */
  readonly name: string
  /** Which server binary the harness starts. */
  readonly server: ServerKind
  /** One server, or a 3-primary, 3-replica cluster. */
  readonly topology: Topology
  /** Builds the provider under test for the backend the suite started. */
  readonly connect: Connect
}

/** The capabilities every Redis-family provider declares today. */
export const CAPABILITIES = {
  values: 'bytes',
  nativeTtl: true,
  tags: true,
  compute: true,
  iterate: true,
  bus: true,
  lock: true,
  search: true,
} as const

/**
 * Registers, for one provider: the conformance kit against a real server or cluster, the
 * failure tests, TLS and access control (on a backend of their own), the bad-input table, the tests on a shared backend (foreign bytes, clear on every node and only
 * of its namespace, client ownership), the tag-hygiene test, the distributed lock and the
 * invalidation bus in both modes (including a server kill). Starts one backend for the
 * file and stops it afterwards.
 */
export function describeRedisFamilyProvider(options: RedisFamilySuiteOptions): void {
  let backend: Backend | undefined
  const shared = async (): Promise<Backend> => {
    backend ??= await startBackend(options.server, options.topology)
    return backend
  }
  beforeAll(async () => {
    await shared()
  }, 60_000)
  afterAll(async () => {
    await stopBackend(backend)
  }, 60_000)

  runProviderConformance({
    name: `${options.name} on ${options.server} (${options.topology})`,
    createProvider: async (): Promise<CacheProvider> =>
      options.connect(await shared(), { keyPrefix: 'conf:' }),
    capabilities: CAPABILITIES,
    fencedWrites: true,
    ttlMs: 150,
  })
  describeFailures(options)
  describeSecurity(options)
  describeSharedBackend(options, shared)
  describeHygiene(options, shared)
  describeLock(options, shared)
  // Last on the shared backend: its kill tests restart servers (and fail over clusters).
  describeBus(options, shared)
  describeChaos(options)
}

import { runProviderConformance } from '@cacheport/conformance'
import type { CacheProvider } from '@cacheport/core'
import type { RedisFamilyProvider, RedisStandaloneOptions } from '@cacheport/redis-kit'
import { type ServerHandle, type ServerKind, startServer } from '@cacheport/test-harness'
import { afterAll, beforeAll } from 'vitest'
import { describeFailures } from './failures.js'
import { describeHygiene } from './hygiene.js'

/** Options of `describeRedisFamilyProvider`. */
export interface RedisFamilySuiteOptions {
  /** Suite title, e.g. `provider-redis`. */
  readonly name: string
  /** Which server binary the harness starts. */
  readonly server: ServerKind
  /** The provider factory under test. */
  readonly createProvider: (options: RedisStandaloneOptions) => Promise<RedisFamilyProvider>
}

export const CAPABILITIES = {
  values: 'bytes',
  nativeTtl: true,
  tags: true,
  compute: true,
  iterate: true,
  bus: false,
  lock: false,
  search: false,
} as const

/**
 * Registers, for one provider: the conformance kit against a real server, the failure tests
 * (server down and back, slow server, foreign bytes, connection refused) and the tag-hygiene
 * test. Starts one server for the file and stops it afterwards.
 */
export function describeRedisFamilyProvider(options: RedisFamilySuiteOptions): void {
  let server: ServerHandle | undefined
  const ensureServer = async (): Promise<ServerHandle> => {
    server ??= await startServer({ kind: options.server })
    return server
  }
  beforeAll(async () => {
    await ensureServer()
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  }, 60_000)

  runProviderConformance({
    name: `${options.name} on ${options.server}-server`,
    createProvider: async (): Promise<CacheProvider> =>
      options.createProvider({ url: (await ensureServer()).url }),
    capabilities: CAPABILITIES,
    ttlMs: 150,
  })
  describeFailures(options, ensureServer)
  describeHygiene(options, ensureServer)
}

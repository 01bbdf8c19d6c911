import type { CacheProvider } from '@cacheport/core'
import { keyvProvider } from '@cacheport/provider-keyv'
import {
  type MemcachedHandle,
  type PostgresHandle,
  startMemcached,
  startPostgres,
} from '@cacheport/test-harness'
import KeyvMemcache from '@keyv/memcache'
import KeyvPostgres from '@keyv/postgres'

/** A real backend started by the harness, and how to open a provider on it. */
export interface Backend {
  readonly name: string
  readonly nativeTtl: boolean
  /** TTL the conformance kit uses: memcached expires in whole seconds. */
  readonly ttlMs: number
  start(): Promise<void>
  provider(): CacheProvider
  stop(): Promise<void>
}

/** memcached (Debian) through `@keyv/memcache`. */
export function memcachedBackend(): Backend {
  let server: MemcachedHandle | undefined
  return {
    name: 'memcached via @keyv/memcache',
    nativeTtl: true,
    ttlMs: 1000,
    async start() {
      server = await startMemcached()
    },
    provider() {
      return keyvProvider({
        store: new KeyvMemcache(server!.address),
        nativeTtl: true,
        name: 'memcache',
      })
    },
    async stop() {
      await server?.stop()
    },
  }
}

/** PostgreSQL (Debian, a throwaway cluster) through `@keyv/postgres` (pure JS `pg`). */
export function postgresBackend(): Backend {
  let server: PostgresHandle | undefined
  let adapter: KeyvPostgres | undefined
  return {
    name: 'PostgreSQL via @keyv/postgres',
    nativeTtl: false,
    ttlMs: 80,
    async start() {
      server = await startPostgres()
      adapter = new KeyvPostgres({ uri: server.url, useUnloggedTable: true })
    },
    provider() {
      // @keyv/postgres keeps ONE pg pool per process, and its disconnect() ends it for every
      // adapter: the providers share one adapter, and stop() disconnects it once.
      return keyvProvider({ store: adapter!, name: 'postgres', disconnectOnClose: false })
    },
    async stop() {
      await adapter?.disconnect()
      await server?.stop()
    },
  }
}

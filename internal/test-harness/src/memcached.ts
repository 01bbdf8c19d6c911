import { mkdtemp } from 'node:fs/promises'
import { resolveBinary } from './binaries.js'
import { reapOrphans, TEMP_DIR_PREFIX } from './cleanup.js'
import { getFreePort, HOST } from './ports.js'
import { startProcess } from './process-server.js'
import { tcpProbe } from './tcp-probe.js'

/** Options of {@link startMemcached}. */
export interface StartMemcachedOptions {
  /** Memory for items, MiB (`-m`). Default 64. */
  readonly memoryMb?: number
  /** Largest item (`-I`), e.g. `8m`. Default `8m`. */
  readonly maxItemSize?: string
  /** Readiness timeout, ms. Default 10,000. */
  readonly startTimeoutMs?: number
}

/** A running memcached. */
export interface MemcachedHandle {
  readonly host: '127.0.0.1'
  readonly port: number
  /** `127.0.0.1:PORT`, what memjs and `@keyv/memcache` take. */
  readonly address: string
  log(): string
  /** Stops the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>
}

/**
 * Starts `memcached` (Debian package `memcached`) on 127.0.0.1 and a random free port, TCP
 * only, and waits until it answers `version`. The process dies with this Node process.
 */
export async function startMemcached(
  options: StartMemcachedOptions = {},
): Promise<MemcachedHandle> {
  const bin = resolveBinary('memcached')
  await reapOrphans().catch(() => 0)
  const dir = await mkdtemp(`${TEMP_DIR_PREFIX}memcached-`)
  const port = await getFreePort()
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : []
  const handle = await startProcess({
    kind: 'memcached',
    bin,
    args: [
      '-l',
      HOST,
      '-p',
      String(port),
      '-U',
      '0',
      '-m',
      String(options.memoryMb ?? 64),
      '-I',
      options.maxItemSize ?? '8m',
      ...asRoot,
    ],
    dir,
    port,
    probe: () => tcpProbe(port, 'version\r\n', 'VERSION'),
    startTimeoutMs: options.startTimeoutMs ?? 10_000,
    stopSignal: 'SIGTERM',
  })
  return {
    host: HOST,
    port,
    address: `${HOST}:${port}`,
    log: handle.log,
    stop: handle.stop,
  }
}

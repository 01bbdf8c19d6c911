import { execFile, execFileSync } from 'node:child_process'
import { accessSync, chownSync, constants, readdirSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { reapOrphans, TEMP_DIR_PREFIX } from './cleanup.js'
import { getFreePort, HOST } from './ports.js'
import { startProcess } from './process-server.js'
import { tcpProbe } from './tcp-probe.js'

const run = promisify(execFile)

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Readiness timeout (initdb included), ms. Default 30,000. */
  readonly startTimeoutMs?: number
}

/** A running throwaway PostgreSQL cluster. */
export interface PostgresHandle {
  readonly host: '127.0.0.1'
  readonly port: number
  /** `postgresql://postgres@127.0.0.1:PORT/postgres` (trust authentication). */
  readonly url: string
  log(): string
  /** Stops the server (smart shutdown, SIGKILL after 5 s) and removes the cluster. Idempotent. */
  stop(): Promise<void>
}

/** The bin dir of the newest PostgreSQL the Debian `postgresql` package installed. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql'
  let versions: string[] = []
  try {
    versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  } catch {
    // not installed
  }
  for (const version of versions) {
    const dir = join(root, version, 'bin')
    try {
      accessSync(join(dir, 'initdb'), constants.X_OK)
      return dir
    } catch {
      // try the next one
    }
  }
  throw new Error(
    'initdb not found under /usr/lib/postgresql/*/bin; install it with scripts/install-servers.sh',
  )
}

/** Root cannot run PostgreSQL: run it as the `postgres` user the Debian package creates. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  return { uid, gid }
}

/**
 * Creates a throwaway cluster with `initdb` (trust authentication, no fsync) in a private temp
 * dir and runs `postgres` on 127.0.0.1 and a random free port, with no Unix socket, until
 * `stop()` or until this Node process dies. As root it runs as the `postgres` user; never as
 * a system service.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresHandle> {
  const bin = postgresBinDir()
  const user = serverUser()
  await reapOrphans().catch(() => 0)
  const dir = await mkdtemp(`${TEMP_DIR_PREFIX}postgres-`)
  if (user !== undefined) chownSync(dir, user.uid, user.gid)
  const data = join(dir, 'data')
  await run(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
    { cwd: dir, ...(user ?? {}) },
  )
  const port = await getFreePort()
  const handle = await startProcess({
    kind: 'postgres',
    bin: join(bin, 'postgres'),
    args: [
      '-D',
      data,
      '-h',
      HOST,
      '-p',
      String(port),
      '-k',
      '',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    dir,
    port,
    probe: async (output) => /ready to accept connections/.test(output) && (await tcpProbe(port)),
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    // Smart shutdown: waits for clients that are still closing, so none reads a FATAL.
    stopSignal: 'SIGTERM',
    ...(user ?? {}),
  })
  return {
    host: HOST,
    port,
    url: `postgresql://postgres@${HOST}:${port}/postgres`,
    log: handle.log,
    stop: handle.stop,
  }
}

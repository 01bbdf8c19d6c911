/**
 * Orphan prevention. Servers started by this harness must never outlive the Node process that
 * started them (the "owner"), even when that process crashes or is SIGKILLed. Three layers:
 *
 * 1. In-process hooks: every live server is tracked; on process `exit`, `SIGINT`, `SIGTERM`,
 *    `SIGHUP` (and a fatal uncaught exception) they are SIGKILLed synchronously and their temp
 *    dirs removed. A signal is re-raised afterwards when nobody else handles it, so the
 *    default "terminate" behaviour is kept.
 * 2. A watchdog that survives a SIGKILLed owner (no JS runs then):
 *    - `pdeathsig` (Linux, default when util-linux `setpriv` is available): the server is
 *      spawned as `setpriv --pdeathsig KILL -- redis-server ...`, i.e. `prctl(PR_SET_PDEATHSIG)`
 *      followed by `exec`, so the kernel SIGKILLs the server as soon as its parent (the thread
 *      of the owner that spawned it) dies. Same pid, no extra process, no polling.
 *    - `poll` (fallback elsewhere): a tiny detached `sh` loop per server checks `kill -0 OWNER`
 *      every second and SIGKILLs the server (and removes its temp dir) once the owner is gone;
 *      it exits on its own when the server exits.
 *    Force one with `CACHEPORT_TEST_HARNESS_WATCHDOG=pdeathsig|poll`.
 * 3. Pidfile reaping: each server writes a record (`<pid>.json`: owner pid, server pid, temp
 *    dir) into `$TMPDIR/cacheport-test-harness-<uid>/`. {@link reapOrphans} (run by every
 *    `startServer`) kills servers whose owner is dead (after checking the pid still belongs to
 *    that server: its cwd must be its unique temp dir) and removes their temp
 *    dirs, which layer 2's `pdeathsig` mode leaves behind.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** How servers are tied to the lifetime of the owning Node process (see module docs). */
export type WatchdogMode = 'pdeathsig' | 'poll'

/** A live server as seen by the exit hooks. */
export interface LiveServer {
  /** SIGKILL the process and remove its temp dir, synchronously. Must not throw. */
  killSync(): void
}

const live = new Set<LiveServer>()
let hooksInstalled = false

function killAllSync(): void {
  for (const server of [...live]) {
    try {
      server.killSync()
    } catch {
      // best effort: keep going
    }
  }
  live.clear()
}

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', killAllSync)
  process.on('uncaughtExceptionMonitor', () => {
    // Only when the exception is fatal: test runners install their own handler and go on.
    if (process.listenerCount('uncaughtException') === 0) killAllSync()
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync()
      process.removeListener(signal, onSignal)
      // Keep the default behaviour (terminate) unless somebody else handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    }
    process.on(signal, onSignal)
  }
}

/** Registers a live server with the exit hooks. */
export function trackLive(server: LiveServer): void {
  installHooks()
  live.add(server)
}

/** Unregisters a server (after it was stopped). */
export function untrackLive(server: LiveServer): void {
  live.delete(server)
}

let detectedMode: WatchdogMode | undefined

/** The watchdog mode in use: `CACHEPORT_TEST_HARNESS_WATCHDOG`, else auto-detected. */
export function watchdogMode(): WatchdogMode {
  const forced = process.env.CACHEPORT_TEST_HARNESS_WATCHDOG
  if (forced === 'pdeathsig' || forced === 'poll') return forced
  if (detectedMode === undefined) {
    const probe =
      process.platform === 'linux'
        ? spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' })
        : undefined
    detectedMode = probe?.status === 0 ? 'pdeathsig' : 'poll'
  }
  return detectedMode
}

/** Wraps a command so that the kernel kills it when the calling thread dies (`pdeathsig`). */
export function wrapCommand(command: string, args: readonly string[]): [string, string[]] {
  if (watchdogMode() === 'pdeathsig')
    return ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
  return [command, [...args]]
}

const POLL_WATCHDOG = `owner=$1 server=$2 dir=$3 record=$4
while kill -0 "$owner" 2>/dev/null; do
  kill -0 "$server" 2>/dev/null || exit 0
  sleep 1
done
kill -KILL "$server" 2>/dev/null
rm -rf -- "$dir" "$record"
`

/**
 * In `poll` mode, starts the detached `sh` watchdog for one server process; `undefined` in
 * `pdeathsig` mode (nothing to start).
 */
export function startWatchdog(serverPid: number, dir: string): ChildProcess | undefined {
  if (watchdogMode() !== 'poll') return undefined
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      POLL_WATCHDOG,
      'cacheport-watchdog',
      String(process.pid),
      String(serverPid),
      dir,
      recordPath(serverPid),
    ],
    { detached: true, stdio: 'ignore' },
  )
  child.on('error', () => {})
  child.unref()
  return child
}

/** What {@link reapOrphans} needs to know about a server started by some process. */
export interface ServerRecord {
  pid: number
  owner: number
  dir: string
  kind: string
  port: number
}

/** Directory of the pidfile records (per user). */
export const registryDir: string = join(
  tmpdir(),
  `cacheport-test-harness-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`,
)

function recordPath(pid: number): string {
  return join(registryDir, `${pid}.json`)
}

/** Writes the pidfile record of a freshly spawned server. Best effort. */
export function writeRecord(record: ServerRecord): void {
  try {
    mkdirSync(registryDir, { recursive: true, mode: 0o700 })
    writeFileSync(recordPath(record.pid), JSON.stringify(record))
  } catch {
    // reaping is a safety net only
  }
}

/** Removes a pidfile record. Best effort. */
export function removeRecord(pid: number): void {
  try {
    rmSync(recordPath(pid), { force: true })
  } catch {
    // ignore
  }
}

/** Whether a process with this pid exists (zombies included). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Prefix of every temp dir created by the harness. */
export const TEMP_DIR_PREFIX: string = join(tmpdir(), 'cacheport-')

/** Only ever delete directories the harness created (defensive: records are plain files). */
function isHarnessDir(dir: unknown): dir is string {
  return typeof dir === 'string' && dir.startsWith(TEMP_DIR_PREFIX) && !dir.includes('..')
}

/**
 * Whether `pid` is still the server of `record` (guards against pid reuse). The servers rewrite
 * their command line (`redis-server 127.0.0.1:PORT`), so on Linux compare the working
 * directory (the harness spawns every server with its unique temp dir as cwd); elsewhere look
 * for the address in the process title.
 */
function isSameServer(record: ServerRecord): boolean {
  try {
    if (process.platform === 'linux') {
      const cwd = readlinkSync(`/proc/${record.pid}/cwd`)
      return cwd === record.dir || cwd === `${record.dir} (deleted)`
    }
    const title = execFileSync('ps', ['-p', String(record.pid), '-o', 'command='], {
      encoding: 'utf8',
    })
    return /(redis|valkey)-server/.test(title) && title.includes(`:${record.port}`)
  } catch {
    return false
  }
}

let reaping: Promise<number> | undefined

/**
 * Kills servers (and removes temp dirs) left behind by owner processes that no longer exist,
 * e.g. a test runner that was SIGKILLed. Called automatically by `startServer`. Resolves with
 * the number of records reaped.
 */
export function reapOrphans(): Promise<number> {
  reaping ??= Promise.resolve()
    .then(reapNow)
    .finally(() => {
      reaping = undefined
    })
  return reaping
}

function reapNow(): number {
  let files: string[]
  try {
    files = readdirSync(registryDir)
  } catch {
    return 0
  }
  let reaped = 0
  for (const file of files) {
    if (!file.endsWith('.json')) continue
    const path = join(registryDir, file)
    let record: ServerRecord
    try {
      record = JSON.parse(readFileSync(path, 'utf8')) as ServerRecord
    } catch {
      continue
    }
    if (typeof record.owner !== 'number' || isAlive(record.owner)) continue
    if (isAlive(record.pid) && isSameServer(record)) {
      try {
        process.kill(record.pid, 'SIGKILL')
      } catch {
        // gone already
      }
    }
    try {
      if (isHarnessDir(record.dir)) rmSync(record.dir, { recursive: true, force: true })
      rmSync(path, { force: true })
      reaped++
    } catch {
      // retried next time
    }
  }
  return reaped
}

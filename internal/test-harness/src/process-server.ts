import { type ChildProcess, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import {
  type LiveServer,
  removeRecord,
  startWatchdog,
  trackLive,
  untrackLive,
  wrapCommand,
  writeRecord,
} from './cleanup.js'
import { releasePort } from './ports.js'

/** What {@link startProcess} runs: one foreground server process in its own temp dir. */
export interface ProcessSpec {
  /** Name for messages and the pidfile record (`memcached`, `postgres`). */
  readonly kind: string
  readonly bin: string
  readonly args: readonly string[]
  /** Private temp dir: the cwd of the process, removed on stop. */
  readonly dir: string
  readonly port: number
  /** True once the server answers (it sees the server's output so far); retried until then. */
  readonly probe: (output: string) => Promise<boolean>
  readonly startTimeoutMs: number
  /** The signal that stops it cleanly (postgres: `SIGTERM`, a smart shutdown). */
  readonly stopSignal: NodeJS.Signals
  /** Run as this user and group (postgres refuses to run as root). */
  readonly uid?: number
  readonly gid?: number
}

/** A running server process started by {@link startProcess}. */
export interface ProcessHandle {
  readonly pid: number
  /** The server's recent output. */
  log(): string
  /** Stops the process (its stop signal, SIGKILL after 5 s) and removes its dir. Idempotent. */
  stop(): Promise<void>
}

/**
 * Spawns a server process tied to this Node process (pdeathsig or the poll watchdog, plus a
 * pidfile record for `reapOrphans`), and waits until `probe` answers true. Throws with the
 * server's output when it exits or is not ready within `startTimeoutMs`.
 */
export async function startProcess(spec: ProcessSpec): Promise<ProcessHandle> {
  const [command, args] = wrapCommand(spec.bin, spec.args)
  let output = ''
  const child: ChildProcess = spawn(command, args, {
    cwd: spec.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
    ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
  })
  const append = (text: string) => {
    output = (output + text).slice(-65_536)
  }
  child.stdout?.setEncoding('utf8').on('data', append)
  child.stderr?.setEncoding('utf8').on('data', append)
  let exited = false
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true
      resolve()
    })
    child.once('error', (error) => {
      append(`\n${error.message}`)
      exited = true
      resolve()
    })
  })
  child.unref()
  const pid = child.pid ?? -1
  let watchdog: ChildProcess | undefined
  if (pid > 0) {
    writeRecord({ pid, owner: process.pid, dir: spec.dir, kind: spec.kind, port: spec.port })
    watchdog = startWatchdog(pid, spec.dir)
  }
  let stopping: Promise<void> | undefined
  const cleanupSync = () => {
    watchdog?.kill('SIGKILL')
    if (pid > 0) removeRecord(pid)
    releasePort(spec.port)
  }
  const live: LiveServer = {
    killSync() {
      if (!exited) child.kill('SIGKILL')
      cleanupSync()
      try {
        rmSync(spec.dir, { recursive: true, force: true })
      } catch {
        // reaped later
      }
    },
  }
  trackLive(live)
  const handle: ProcessHandle = {
    pid,
    log: () => output,
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          child.ref()
          child.kill(spec.stopSignal)
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
          await exit
          clearTimeout(timer)
        }
        cleanupSync()
        untrackLive(live)
        await rm(spec.dir, { recursive: true, force: true, maxRetries: 3 })
      })()
      return stopping
    },
  }
  const deadline = Date.now() + spec.startTimeoutMs
  for (;;) {
    if (exited) {
      await handle.stop()
      throw new Error(`${spec.kind} on 127.0.0.1:${spec.port} exited at start:\n${output}`)
    }
    if (await spec.probe(output).catch(() => false)) return handle
    if (Date.now() > deadline) {
      await handle.stop()
      throw new Error(
        `${spec.kind} on 127.0.0.1:${spec.port} not ready after ${spec.startTimeoutMs} ms:\n${output}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

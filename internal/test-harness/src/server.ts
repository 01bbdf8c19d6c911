import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { accessSync, constants, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { resolveBinary } from './binaries.js'
import {
  type LiveServer,
  reapOrphans,
  removeRecord,
  startWatchdog,
  TEMP_DIR_PREFIX,
  trackLive,
  untrackLive,
  wrapCommand,
  writeRecord,
} from './cleanup.js'
import { getFreePort, HOST, releasePort } from './ports.js'
import { type RespReply, type SendCommandOptions, sendCommand } from './resp.js'
import { redisearchModulePath } from './search-module.js'
import type { TestCertificates } from './tls.js'

/** Which server implementation to run. */
export type ServerKind = 'redis' | 'valkey'

/** Options for {@link startServer}. */
export interface StartServerOptions {
  kind: ServerKind
  /** Module shared objects to load (`--loadmodule PATH`). */
  modules?: readonly string[]
  /**
   * Load RediSearch 2.4.16 from `../shared/modules/` (see {@link redisearchModulePath});
   * throws when the file is missing.
   */
  search?: boolean
  /**
   * Extra server arguments, appended last (e.g. `['--maxmemory', '10mb']`). `--port`, `--bind`,
   * `--dir`, `--daemonize` and `--cluster-port` are managed by the harness and rejected here.
   */
  args?: readonly string[]
  /** How long to wait for the server to answer PING. Defaults to 10 000 ms. */
  startTimeoutMs?: number
  /** Server binary (name on PATH or path). Defaults to `redis-server` / `valkey-server`. */
  serverBin?: string
  /** CLI binary used by {@link ServerHandle.cli}. Defaults to `redis-cli` / `valkey-cli`. */
  cliBin?: string
  /**
   * `requirepass`: the default user's password (and `masterauth` on a cluster node). The
   * harness itself authenticates with it.
   */
  password?: string
  /**
   * ACL users, each the rest of a `user` directive, e.g.
   * `'app on >secret ~app:* &app:* -@all +get'` (passed on the command line, so they survive
   * {@link ServerHandle.restart}). The harness keeps using the default user.
   */
  users?: readonly string[]
  /** Serve TLS only: `--port 0 --tls-port PORT` with these certificates. */
  tls?: ServerTlsOptions
}

/** TLS settings of {@link StartServerOptions.tls}. */
export interface ServerTlsOptions {
  /** Server certificate, key and CA (from `createTestCertificates`). */
  readonly certificates: TestCertificates
  /** `tls-auth-clients`: whether clients must present a certificate. Default `no`. */
  readonly authClients?: 'yes' | 'no' | 'optional'
}

/** A running (or crashed, or stopped) server process owned by this harness. */
export interface ServerHandle {
  readonly kind: ServerKind
  /** Always `127.0.0.1`: the harness binds nothing else. */
  readonly host: '127.0.0.1'
  /** Random free port, kept across {@link ServerHandle.restart}. */
  readonly port: number
  /** `redis://127.0.0.1:PORT`, or `rediss://127.0.0.1:PORT` with TLS. */
  readonly url: string
  /** Whether the server speaks TLS only (its `port` is the `tls-port`). */
  readonly tls: boolean
  /**
   * How the harness reaches the server as an administrator (TLS CA, `AUTH` of the default
   * user): pass it to {@link sendCommand} to talk to the server directly.
   */
  readonly admin: Pick<SendCommandOptions, 'tls' | 'auth'>
  /** Private temp dir (`--dir`), removed by {@link ServerHandle.stop}. */
  readonly dir: string
  /** Pid of the current server process (changes on restart). */
  readonly pid: number
  /** Whether the server process is currently alive. */
  readonly running: boolean
  /** Stops the server (SIGTERM, SIGKILL after 3 s), removes its temp dir. Idempotent. */
  stop(): Promise<void>
  /** Sends a signal (default `SIGKILL`) to the server process, e.g. to simulate a crash. */
  kill(signal?: NodeJS.Signals): void
  /** Stops the process if still alive and starts it again on the same port and dir. */
  restart(): Promise<void>
  /**
   * Runs `redis-cli`/`valkey-cli -h 127.0.0.1 -p PORT ...args` and resolves with its stdout
   * (one trailing newline removed). Note that the CLI exits 0 on error replies: the error text
   * (e.g. `ERR unknown command ...`) is then part of the output. Rejects on a non-zero exit.
   */
  cli(...args: string[]): Promise<string>
  /** Sends one command over a raw RESP connection; rejects on an error reply. */
  command(...args: string[]): Promise<RespReply>
  /** The server's recent stdout/stderr (its log), for debugging. */
  log(): string
}

/** Thrown when a server does not come up; `log` holds its output. */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError'
  constructor(
    message: string,
    readonly log: string,
    readonly addressInUse: boolean,
  ) {
    super(log ? `${message}\n--- server output ---\n${log.trimEnd()}` : message)
  }
}

const MANAGED_ARGS = new Set([
  '--port',
  '--bind',
  '--dir',
  '--daemonize',
  '--cluster-port',
  '--tls-port',
  '--requirepass',
])
const STOP_GRACE_MS = 3000
const CLI_TIMEOUT_MS = 60_000
const MAX_PORT_ATTEMPTS = 5

/** Keeps the last ~64 KiB of a process's output. */
class LogTail {
  #chunks: string[] = []
  #size = 0
  push(text: string): void {
    this.#chunks.push(text)
    this.#size += text.length
    while (this.#size > 65_536 && this.#chunks.length > 1)
      this.#size -= this.#chunks.shift()!.length
  }
  toString(): string {
    return this.#chunks.join('')
  }
}

interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
  error?: Error
}

function unrefStream(stream: Readable | null): void {
  const maybeSocket = stream as (Readable & { unref?: () => void }) | null
  maybeSocket?.unref?.()
}

function isClusterEnabled(args: readonly string[]): boolean {
  const i = args.findIndex((a) => a.toLowerCase() === '--cluster-enabled')
  return i >= 0 && args[i + 1]?.toLowerCase() === 'yes'
}

interface ServerConfig {
  kind: ServerKind
  port: number
  busPort: number | undefined
  dir: string
  serverBin: string
  cliBin: string
  argv: string[]
  startTimeoutMs: number
  admin: Pick<SendCommandOptions, 'tls' | 'auth'>
  cliAccess: string[]
}

class ManagedServer implements ServerHandle, LiveServer {
  readonly kind: ServerKind
  readonly host = HOST
  readonly port: number
  readonly url: string
  readonly dir: string
  readonly tls: boolean
  readonly admin: Pick<SendCommandOptions, 'tls' | 'auth'>
  readonly #config: ServerConfig
  readonly #log = new LogTail()
  #child: ChildProcess | undefined
  #exitInfo: ExitInfo | undefined
  #exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null })
  #watchdog: ChildProcess | undefined
  #stopped = false
  #stopping: Promise<void> | undefined

  constructor(config: ServerConfig) {
    this.#config = config
    this.kind = config.kind
    this.port = config.port
    this.tls = config.admin.tls !== undefined
    this.url = `${this.tls ? 'rediss' : 'redis'}://${HOST}:${config.port}`
    this.dir = config.dir
    this.admin = config.admin
  }

  get pid(): number {
    return this.#child?.pid ?? -1
  }

  get running(): boolean {
    return this.#child !== undefined && this.#exitInfo === undefined
  }

  log(): string {
    return this.#log.toString()
  }

  /** Spawns the process and waits until it answers; throws {@link ServerStartError}. */
  async start(): Promise<void> {
    trackLive(this)
    this.#spawn()
    await this.#waitReady()
  }

  #spawn(): void {
    const [command, args] = wrapCommand(this.#config.serverBin, this.#config.argv)
    const child = spawn(command, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child = child
    this.#exitInfo = undefined
    this.#exited = new Promise<ExitInfo>((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.#exitInfo ??= { code, signal }
        resolveExit(this.#exitInfo)
      })
      child.once('error', (error) => {
        // spawn failure (no 'exit' follows) or a failed kill() of a live process
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) return
        this.#exitInfo ??= { code: null, signal: null, error }
        resolveExit(this.#exitInfo)
      })
    })
    child.stdout?.setEncoding('utf8').on('data', (text: string) => this.#log.push(text))
    child.stderr?.setEncoding('utf8').on('data', (text: string) => this.#log.push(text))
    // A forgotten server must not keep the event loop alive: the exit hooks kill it.
    child.unref()
    unrefStream(child.stdout)
    unrefStream(child.stderr)
    if (child.pid !== undefined) {
      writeRecord({
        pid: child.pid,
        owner: process.pid,
        dir: this.dir,
        kind: this.kind,
        port: this.port,
      })
      this.#watchdog = startWatchdog(child.pid, this.dir)
    }
  }

  async #waitReady(): Promise<void> {
    const { startTimeoutMs } = this.#config
    const deadline = Date.now() + startTimeoutMs
    let lastError: unknown
    for (;;) {
      const exit = this.#exitInfo
      if (exit) {
        const log = this.#log.toString()
        const how = exit.error
          ? exit.error.message
          : `exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`
        throw new ServerStartError(
          `${this.kind}-server on ${HOST}:${this.port} failed to start: ${how}`,
          log,
          /address already in use/i.test(log),
        )
      }
      try {
        // INFO (not just PING) so that we know the answer comes from *our* process and not
        // from whoever may have grabbed the port first.
        const info = await sendCommand(this.port, ['INFO', 'server'], {
          timeoutMs: 1000,
          ...this.admin,
        })
        if (typeof info === 'string' && info.includes(`process_id:${this.pid}\r\n`)) return
        lastError = new Error(`port ${this.port} is answered by another process`)
      } catch (err) {
        lastError = err
      }
      if (Date.now() > deadline) {
        this.#child?.kill('SIGKILL')
        await this.#exited
        throw new ServerStartError(
          `${this.kind}-server on ${HOST}:${this.port} not ready after ${startTimeoutMs} ms` +
            ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`,
          this.#log.toString(),
          false,
        )
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /** Waits for the current process to exit, at most `ms`; true when it did. */
  #waitExit(ms: number): Promise<boolean> {
    return new Promise((resolveWait) => {
      const timer = setTimeout(() => resolveWait(false), ms)
      void this.#exited.then(() => {
        clearTimeout(timer)
        resolveWait(true)
      })
    })
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
  async #terminate(): Promise<void> {
    const child = this.#child
    if (!child || this.#exitInfo) return
    child.ref()
    child.kill('SIGTERM')
    if (!(await this.#waitExit(STOP_GRACE_MS))) {
      child.kill('SIGKILL')
      await this.#exited
    }
  }

  #dropWatchdogAndRecord(): void {
    this.#watchdog?.kill('SIGKILL')
    this.#watchdog = undefined
    if (this.#child?.pid !== undefined) removeRecord(this.#child.pid)
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop(): Promise<void> {
    this.#stopped = true
    await this.#terminate()
    this.#dropWatchdogAndRecord()
    untrackLive(this)
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 })
    releasePort(this.port)
    if (this.#config.busPort !== undefined) releasePort(this.#config.busPort)
  }

  killSync(): void {
    if (this.running) this.#child?.kill('SIGKILL')
    this.#dropWatchdogAndRecord()
    this.#stopped = true
    try {
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 2 })
    } catch {
      // reaped later
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.#child?.kill(signal)
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error(`cannot restart ${this.url}: it was stopped`)
    await this.#terminate()
    this.#dropWatchdogAndRecord()
    this.#log.push(`\n--- restarting on port ${this.port} ---\n`)
    this.#spawn()
    await this.#waitReady()
  }

  cli(...args: string[]): Promise<string> {
    const cliArgs = ['-h', HOST, '-p', String(this.port), ...this.#config.cliAccess, ...args]
    return new Promise((resolveCli, rejectCli) => {
      execFile(
        this.#config.cliBin,
        cliArgs,
        { timeout: CLI_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (error) {
            rejectCli(
              new Error(
                `${this.#config.cliBin} ${cliArgs.join(' ')} failed: ${error.message}\n${stdout}${stderr}`.trimEnd(),
              ),
            )
          } else {
            resolveCli(stdout.replace(/\r?\n$/, ''))
          }
        },
      )
    })
  }

  command(...args: string[]): Promise<RespReply> {
    return sendCommand(this.port, args, { timeoutMs: 10_000, ...this.admin })
  }
}

/**
 * Starts a `redis-server` or `valkey-server` on 127.0.0.1 and a random free port, in its own
 * temp dir, without persistence (`--save "" --appendonly no`) and with
 * `--enable-debug-command yes`, then waits until it answers (default timeout 10 s). Retries
 * with another port when the chosen one was taken in the meantime. The process is tied to the
 * lifetime of the current Node process (see `cleanup.ts`), but call {@link ServerHandle.stop}
 * when done. With `--cluster-enabled yes` in `args`, a random cluster bus port is assigned too.
 * `password` (`requirepass`), `users` (ACL users) and `tls` (TLS only, on the cluster bus and
 * for replication too) secure the server; the handle's `cli()`, `command()` and `admin` then
 * authenticate as the default user over TLS.
 */
export async function startServer(options: StartServerOptions): Promise<ServerHandle> {
  const { kind, modules = [], args = [], startTimeoutMs = 10_000 } = options
  if (kind !== 'redis' && kind !== 'valkey') throw new Error(`unknown server kind: ${String(kind)}`)
  const managed = args.find((a) => MANAGED_ARGS.has(a.toLowerCase()))
  if (managed) throw new Error(`${managed} is managed by the test harness; do not pass it in args`)
  const serverBin = resolveBinary(options.serverBin ?? `${kind}-server`)
  const cliBin = resolveBinary(options.cliBin ?? `${kind}-cli`)
  const modulePaths = [
    ...modules,
    ...(options.search === true ? [redisearchModulePath()] : []),
  ].map((m) => {
    const path = resolve(m)
    accessSync(path, constants.R_OK)
    return path
  })
  await reapOrphans().catch(() => 0)

  const cluster = isClusterEnabled(args)
  const { password, users = [], tls } = options
  const certs = tls?.certificates
  const admin: Pick<SendCommandOptions, 'tls' | 'auth'> = {
    ...(certs ? { tls: { ca: certs.ca } } : {}),
    ...(password !== undefined ? { auth: [password] } : {}),
  }
  const cliAccess = [
    ...(certs ? ['--tls', '--cacert', certs.caCertFile] : []),
    ...(password !== undefined ? ['-a', password, '--no-auth-warning'] : []),
  ]
  const securityArgs = [
    ...(password !== undefined
      ? ['--requirepass', password, ...(cluster ? ['--masterauth', password] : [])]
      : []),
    ...users.flatMap((rule) => ['--user', ...rule.trim().split(/\s+/)]),
    ...(certs
      ? [
          '--tls-cert-file',
          certs.certFile,
          '--tls-key-file',
          certs.keyFile,
          '--tls-ca-cert-file',
          certs.caCertFile,
          '--tls-auth-clients',
          tls?.authClients ?? 'no',
          ...(cluster ? ['--tls-cluster', 'yes', '--tls-replication', 'yes'] : []),
        ]
      : []),
  ]
  let lastError: unknown
  for (let attempt = 1; attempt <= MAX_PORT_ATTEMPTS; attempt++) {
    const dir = await mkdtemp(`${TEMP_DIR_PREFIX}${kind}-`)
    const port = await getFreePort()
    const busPort = cluster ? await getFreePort() : undefined
    const argv = [
      ...(certs ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)]),
      '--bind',
      HOST,
      '--protected-mode',
      'yes',
      '--daemonize',
      'no',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--enable-debug-command',
      'yes',
      ...(busPort === undefined ? [] : ['--cluster-port', String(busPort)]),
      ...modulePaths.flatMap((path) => ['--loadmodule', path]),
      ...securityArgs,
      ...args,
    ]
    const server = new ManagedServer({
      kind,
      port,
      busPort,
      dir,
      serverBin,
      cliBin,
      argv,
      startTimeoutMs,
      admin,
      cliAccess,
    })
    try {
      await server.start()
      return server
    } catch (err) {
      lastError = err
      await server.stop()
      if (!(err instanceof ServerStartError && err.addressInUse)) break
    }
  }
  throw lastError
}

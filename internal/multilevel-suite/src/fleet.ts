import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { NamespaceOptions } from '@cacheport/core'
import type { BackendSpec, Reply, Request, WorkerEvent } from './protocol.js'

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url))

/** The parent's handle on one worker process. */
export class Worker {
  readonly name: string
  readonly events: WorkerEvent[] = []
  readonly #child: ChildProcess
  readonly #pending = new Map<number, (reply: Reply) => void>()
  readonly #listeners = new Set<(event: WorkerEvent) => void>()
  #next = 0

  constructor(name: string, child: ChildProcess) {
    this.name = name
    this.#child = child
    child.on('message', (message: Reply | WorkerEvent) => {
      if ('id' in message) {
        this.#pending.get(message.id)?.(message)
        this.#pending.delete(message.id)
      } else {
        this.events.push(message)
        for (const listener of this.#listeners) listener(message)
      }
    })
  }

  /** Sends a request; resolves to the reply (`ok: false` carries the error text). */
  call(request: Request): Promise<Reply> {
    const id = ++this.#next
    return new Promise((resolve, reject) => {
      this.#pending.set(id, resolve)
      this.#child.send({ ...request, id }, (error) => {
        if (error !== null) {
          this.#pending.delete(id)
          reject(error)
        }
      })
    })
  }

  /** Like `call`, but rejects when the worker reports an error. */
  async do(request: Request): Promise<unknown> {
    const reply = await this.call(request)
    if (!reply.ok) throw new Error(`${this.name}: ${request.op} failed: ${reply.error}`)
    return reply.result
  }

  /** Resolves with the first event (from now on) that `match` accepts, or rejects after `ms`. */
  next(match: (event: WorkerEvent) => boolean, ms = 5_000): Promise<WorkerEvent> {
    return new Promise((resolve, reject) => {
      const listener = (event: WorkerEvent) => {
        if (!match(event)) return
        clearTimeout(timer)
        this.#listeners.delete(listener)
        resolve(event)
      }
      const timer = setTimeout(() => {
        this.#listeners.delete(listener)
        reject(new Error(`${this.name}: no matching event within ${ms} ms`))
      }, ms)
      this.#listeners.add(listener)
    })
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    const exited = new Promise((r) => this.#child.once('exit', r))
    await this.call({ op: 'close' }).catch(() => undefined)
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))])
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL')
  }
}

/** Forks a worker process and resolves once its namespace is ready (bus subscribed). */
export async function spawnWorker(
  name: string,
  backend: BackendSpec,
  namespace: NamespaceOptions<string, 'local' | 'l2'> = {},
): Promise<Worker> {
  const child = fork(WORKER, [], {
    env: { ...process.env, CACHEPORT_ML_CONFIG: JSON.stringify({ backend, namespace }) },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    // Not the test runner's flags (loaders, inspector): a plain Node process.
    execArgv: [],
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000)
    process.stderr.write(chunk)
  })
  const worker = new Worker(name, child)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s`)), 20_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with code ${code} before it was ready:\n${stderr}`))
    })
    child.on('message', (message: WorkerEvent) => {
      if ('event' in message && message.event === 'ready') {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  return worker
}

/** Percentile (nearest rank) of a sample. */
export function percentile(sample: readonly number[], p: number): number {
  const sorted = [...sample].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

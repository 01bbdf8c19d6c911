import { CacheTimeoutError } from '@cacheport/core'
import { toCacheError } from './errors.js'

interface Pending {
  readonly deadline: number
  readonly operation: string
  readonly timeoutMs: number
  readonly reject: (error: unknown) => void
}

/**
 * Bounds backend calls in time. One coarse sweep (every `resolutionMs`) rejects calls past
 * their deadline with `CacheTimeoutError`, instead of one timer per call: a timer per command
 * would cost more than the command at hundreds of thousands of calls per second.
 */
export class Deadlines {
  readonly #pending = new Set<Pending>()
  readonly #resolutionMs: number
  #timer: NodeJS.Timeout | undefined

  constructor(resolutionMs = 25) {
    this.#resolutionMs = resolutionMs
  }

  /**
   * Resolves like `work` (passed through `map`, saving a promise hop), or rejects with `CacheTimeoutError` once `timeoutMs` has passed.
   * Other failures are mapped to cacheport errors (`CacheUnavailableError`, ...).
   */
  bound<T>(work: Promise<T>, timeoutMs: number, operation: string): Promise<T>
  bound<T, R>(
    work: Promise<T>,
    timeoutMs: number,
    operation: string,
    map: (value: T) => R,
  ): Promise<R>
  bound<T, R>(
    work: Promise<T>,
    timeoutMs: number,
    operation: string,
    map?: (value: T) => R,
  ): Promise<T | R> {
    return new Promise<T | R>((resolve, reject) => {
      const entry: Pending = {
        deadline: performance.now() + timeoutMs,
        operation,
        timeoutMs,
        reject,
      }
      this.#pending.add(entry)
      if (this.#timer === undefined) this.#start()
      work.then(
        (value) => {
          if (this.#pending.delete(entry)) resolve(map === undefined ? value : map(value))
        },
        (error: unknown) => {
          if (this.#pending.delete(entry)) reject(toCacheError(error, operation))
        },
      )
    })
  }

  /** Rejects every pending call (used on close). */
  rejectAll(error: Error): void {
    for (const entry of this.#pending) entry.reject(error)
    this.#pending.clear()
    this.#stop()
  }

  #start(): void {
    this.#timer = setInterval(() => this.#sweep(), this.#resolutionMs)
    this.#timer.unref()
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  #sweep(): void {
    if (this.#pending.size === 0) {
      this.#stop()
      return
    }
    const now = performance.now()
    for (const entry of this.#pending) {
      if (entry.deadline <= now) {
        this.#pending.delete(entry)
        entry.reject(new CacheTimeoutError(entry.operation, entry.timeoutMs))
      }
    }
  }
}

import { setMaxListeners } from 'node:events'

/**
 * The callers waiting on one load (or one bulk load). The load's `AbortSignal` fires when
 * every caller that came with a signal has aborted it and no caller without one is waiting,
 * or when `abort` is called (the hard timeout). A caller whose own signal aborts stops
 * waiting at once: its promise rejects with `signal.reason` (Node's convention: a
 * `DOMException` named `AbortError` unless the caller gave a reason), while the load goes on
 * for the others.
 */
export class LoadAudience {
  #controller: AbortController | undefined
  /** Callers still waiting (a caller without a signal never leaves). */
  #waiting = 0

  /** The signal the loader sees (created on first use: a hit never builds one). */
  get signal(): AbortSignal {
    return this.#control().signal
  }

  /** Aborts the load (the hard timeout ran out, or everyone left). */
  abort(reason: unknown): void {
    this.#control().abort(reason)
  }

  #control(): AbortController {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      // A bulk load's keys each listen while they wait (bounded, and removed after).
      setMaxListeners(0, this.#controller.signal)
    }
    return this.#controller
  }

  /**
   * A caller waits for `result`. Without a signal it gets `result` itself; with one, a promise
   * that settles as `result` does, or rejects with `signal.reason` as soon as it aborts.
   */
  attend<T>(result: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    this.#waiting++
    if (signal === undefined) return result
    if (signal.aborted) {
      this.#leave(signal.reason)
      return Promise.reject(signal.reason)
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        reject(signal.reason)
        this.#leave(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      result.then(
        (value) => {
          signal.removeEventListener('abort', onAbort)
          resolve(value)
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      )
    })
  }

  #leave(reason: unknown): void {
    this.#waiting--
    if (this.#waiting === 0) this.abort(reason)
  }
}

/**
 * `work`, or a rejection with `signal.reason` as soon as `signal` aborts (`work` then settles
 * unobserved).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work
  if (signal.aborted) {
    work.catch(() => undefined)
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => undefined)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * A signal that follows `signal` (one listener on it, removed by `dispose`) and takes any
 * number of listeners: a bulk call attends one flight per key with it.
 */
export function fanOut(signal: AbortSignal | undefined): {
  readonly signal: AbortSignal | undefined
  dispose(): void
} {
  if (signal === undefined) return { signal: undefined, dispose: () => undefined }
  const inner = new AbortController()
  setMaxListeners(0, inner.signal)
  if (signal.aborted) {
    inner.abort(signal.reason)
    return { signal: inner.signal, dispose: () => undefined }
  }
  const forward = (): void => inner.abort(signal.reason)
  signal.addEventListener('abort', forward, { once: true })
  return {
    signal: inner.signal,
    dispose: () => signal.removeEventListener('abort', forward),
  }
}

import { CacheBackendError, CacheClosedError, CacheError, CacheTimeoutError } from '@cacheport/core'

/**
 * Runs adapter calls with a timeout, and turns what they throw into typed cacheport errors:
 * `CacheTimeoutError` after `timeoutMs`, `CacheClosedError` once the provider is closed,
 * `CacheBackendError` for anything the adapter throws.
 */
export class AdapterCalls {
  readonly #kind: string
  readonly #timeoutMs: number
  #closed = false

  constructor(kind: string, timeoutMs: number) {
    this.#kind = kind
    this.#timeoutMs = timeoutMs
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Refuses every later call with `CacheClosedError`. */
  close(): void {
    this.#closed = true
  }

  /** Throws `CacheClosedError` when closed. */
  checkOpen(): void {
    if (this.#closed) throw new CacheClosedError(`${this.#kind} provider`)
  }

  /** Runs `call` (named `operation` in errors) under the timeout. */
  async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    this.checkOpen()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CacheTimeoutError(`${this.#kind} ${operation}`, this.#timeoutMs)),
        this.#timeoutMs,
      )
    })
    try {
      return await Promise.race([call(), timeout])
    } catch (error) {
      if (error instanceof CacheError) throw error
      throw new CacheBackendError(
        `${this.#kind} ${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    } finally {
      clearTimeout(timer)
    }
  }
}

/**
 * What a load's callers abort with: their signal, or what makes it on first use (a
 * `LoadAudience`, whose signal most loads never need).
 */
export type CallerSignal = AbortSignal | { readonly signal: AbortSignal }

/** The callers' `AbortSignal` of `caller`, made now if it is made on first use. */
export function signalOf(caller: CallerSignal | undefined): AbortSignal | undefined {
  return caller === undefined || caller instanceof AbortSignal ? caller : caller.signal
}

/**
 * The signal a loader sees: its callers' (when they all abort, or the hard timeout ran out),
 * or the service closing, whichever fires first. Built the first time the loader reads
 * `ctx.signal`: a loader that never looks costs no `AbortController` and no listener.
 */
export class LoadControl {
  readonly #caller: CallerSignal | undefined
  #controller: AbortController | undefined
  /** Set by `abort` before the signal was built: it is built aborted. */
  #early: { readonly reason: unknown } | undefined
  #listened: AbortSignal | undefined
  #onCallerAbort: (() => void) | undefined

  constructor(caller: CallerSignal | undefined) {
    this.#caller = caller
  }

  /** The loader's signal (built on first use). */
  get signal(): AbortSignal {
    if (this.#controller !== undefined) return this.#controller.signal
    const controller = new AbortController()
    this.#controller = controller
    if (this.#early !== undefined) {
      controller.abort(this.#early.reason)
      return controller.signal
    }
    const caller = signalOf(this.#caller)
    if (caller !== undefined) {
      if (caller.aborted) {
        controller.abort(caller.reason)
      } else {
        this.#listened = caller
        this.#onCallerAbort = () => controller.abort(caller.reason)
        caller.addEventListener('abort', this.#onCallerAbort, { once: true })
      }
    }
    return controller.signal
  }

  /** Aborts the loader's signal (the service is closing). */
  abort(reason: unknown): void {
    if (this.#controller !== undefined) this.#controller.abort(reason)
    else this.#early ??= { reason }
  }

  /** Stops listening to the callers' signal (the load is over). */
  dispose(): void {
    if (this.#onCallerAbort !== undefined) {
      this.#listened?.removeEventListener('abort', this.#onCallerAbort)
    }
  }
}

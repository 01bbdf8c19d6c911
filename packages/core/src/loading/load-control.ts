/**
 * The signal a loader sees: its callers' (when they all abort, or the hard timeout ran out),
 * or the service closing, whichever fires first.
 */
export class LoadControl {
  readonly controller = new AbortController()
  readonly #outer: AbortSignal | undefined
  readonly #onOuterAbort: (() => void) | undefined

  constructor(outer: AbortSignal | undefined) {
    this.#outer = outer
    if (outer === undefined) return
    if (outer.aborted) {
      this.controller.abort(outer.reason)
      return
    }
    this.#onOuterAbort = () => this.controller.abort(outer.reason)
    outer.addEventListener('abort', this.#onOuterAbort, { once: true })
  }

  /** Stops listening to the callers' signal (the load is over). */
  dispose(): void {
    if (this.#onOuterAbort !== undefined) {
      this.#outer?.removeEventListener('abort', this.#onOuterAbort)
    }
  }
}

import type { Clock } from './entry-policy.js'
import { CacheError } from './errors.js'
import { isPromise } from './maybe-promise.js'
import type { MaybePromise } from './ports.js'

/** The L2 circuit breaker's settings. */
export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  readonly failures: number
  /** How long the circuit stays open before one probe is let through, ms. */
  readonly cooldownMs: number
}

export type BreakerState = 'closed' | 'open' | 'half-open'

/**
 * Counts consecutive backend failures (never misses) and, past a threshold, keeps callers
 * away from the backend for a cool-down; then lets exactly one probe through (half-open). The
 * probe's success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  readonly #settings: BreakerSettings
  readonly #clock: Clock
  readonly #onChange: (state: BreakerState, failures: number) => void
  #state: BreakerState = 'closed'
  #failures = 0
  #openedAt = 0
  #probing = false

  constructor(
    settings: BreakerSettings,
    clock: Clock,
    onChange: (state: BreakerState, failures: number) => void,
  ) {
    this.#settings = settings
    this.#clock = clock
    this.#onChange = onChange
  }

  get state(): BreakerState {
    return this.#state
  }

  /** True when a call may go to the backend now. A `true` in half-open state is the probe. */
  allow(): boolean {
    if (this.#state === 'closed') return true
    if (this.#state === 'open') {
      if (this.#clock.now() - this.#openedAt < this.#settings.cooldownMs) return false
      this.#set('half-open')
    }
    if (this.#probing) return false
    this.#probing = true
    return true
  }

  success(): void {
    this.#failures = 0
    this.#probing = false
    if (this.#state !== 'closed') this.#set('closed')
  }

  /** Records the outcome of a call that failed with `error`; only backend failures count. */
  failure(error: unknown): void {
    if (!isBackendFailure(error)) {
      this.#probing = false
      return
    }
    this.#failures++
    this.#probing = false
    if (this.#state === 'half-open' || this.#failures >= this.#settings.failures) {
      this.#openedAt = this.#clock.now()
      if (this.#state !== 'open') this.#set('open')
    }
  }

  /**
   * Runs `call` (already allowed by `allow`) and records its outcome: a success, or the
   * failure it threw or rejected with, which is then rethrown.
   */
  record<T>(call: () => MaybePromise<T>): MaybePromise<T> {
    let out: MaybePromise<T>
    try {
      out = call()
    } catch (error) {
      this.failure(error)
      throw error
    }
    if (!isPromise(out)) {
      this.success()
      return out
    }
    return out.then(
      (value) => {
        this.success()
        return value
      },
      (error: unknown) => {
        this.failure(error)
        throw error
      },
    )
  }

  #set(state: BreakerState): void {
    this.#state = state
    this.#onChange(state, this.#failures)
  }
}

/** Unreachable, slow or failing backends count; bad input and decode errors do not. */
export function isBackendFailure(error: unknown): boolean {
  return (
    error instanceof CacheError &&
    (error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT' || error.code === 'BACKEND_ERROR')
  )
}

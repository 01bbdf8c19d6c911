import type { BreakerSettings } from '../breaker.js'
import { CircuitBreaker } from '../breaker.js'
import type { Clock } from '../entry-policy.js'
import { CacheUnavailableError } from '../errors.js'
import type { MaybePromise } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'

/**
 * The circuit breaker as a guard in front of a namespace's provider (its L2 when multilevel).
 * Every provider call of the namespace goes through `attempt` or `call`; backend failures
 * (never misses, never bad input) count toward opening the circuit.
 */
export class L2Guard {
  readonly #breaker: CircuitBreaker
  readonly #what: string

  constructor(options: {
    readonly settings: BreakerSettings
    readonly clock: Clock
    readonly reporter: NamespaceReporter
    readonly providerName: string
  }) {
    const { reporter } = options
    this.#breaker = new CircuitBreaker(options.settings, options.clock, (state, failures) =>
      reporter.breaker(state, failures),
    )
    this.#what = `namespace '${reporter.namespace}': provider '${options.providerName}'`
  }

  /** The breaker's state. */
  get state(): 'closed' | 'open' | 'half-open' {
    return this.#breaker.state
  }

  /** True while the circuit is open (calls are kept away from the provider). */
  get open(): boolean {
    return this.#breaker.state === 'open'
  }

  /**
   * A call that may be skipped: a read (skipped reads as a miss) or a load's write-back.
   * Resolves to `undefined` without calling while the circuit is open.
   */
  attempt<T>(call: () => MaybePromise<T>): MaybePromise<T | undefined> {
    if (!this.#breaker.allow()) return undefined
    return this.#breaker.record(call)
  }

  /**
   * A call that must happen (a write, delete or invalidation). Throws `CacheUnavailableError`
   * while the circuit is open.
   */
  call<T>(call: () => MaybePromise<T>): MaybePromise<T> {
    if (!this.#breaker.allow()) {
      throw new CacheUnavailableError(`${this.#what} is failing and its circuit breaker is open`)
    }
    return this.#breaker.record(call)
  }
}

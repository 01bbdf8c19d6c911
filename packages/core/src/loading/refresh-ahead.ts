import type { EntryPolicy } from '../entry-policy.js'
import type { DecodedEntry } from '../pipeline.js'

/**
 * XFetch refresh-ahead: a fresh hit triggers a background refresh with a probability that
 * grows as expiry nears, scaled by how long a load takes. `-ln(U)` is an exponential draw, so
 * the expected lead is `meanLoadMs * beta`.
 */
export class RefreshAhead {
  readonly #beta: number
  readonly #policy: EntryPolicy
  readonly #meanLoadMs: () => number

  constructor(options: {
    readonly beta: number
    readonly policy: EntryPolicy
    /** The mean load time so far, ms (0 before the first load: no early refresh). */
    readonly meanLoadMs: () => number
  }) {
    this.#beta = options.beta
    this.#policy = options.policy
    this.#meanLoadMs = options.meanLoadMs
  }

  /** True when this hit on `f` should refresh it now. */
  due(f: DecodedEntry<unknown>): boolean {
    const delta = this.#meanLoadMs()
    if (f.expiresAt === undefined || delta <= 0) return false
    const lead = -delta * this.#beta * Math.log(1 - this.#policy.random())
    return this.#policy.clock.now() + lead >= f.expiresAt
  }
}

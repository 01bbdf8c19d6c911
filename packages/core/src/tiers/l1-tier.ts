import type { EntryCodec } from '../entry-codec.js'
import type { Clock } from '../entry-policy.js'
import { isPromise } from '../maybe-promise.js'
import type { LiveEntry, MaybePromise, Store } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'

/**
 * The in-process first level of a multilevel namespace. It holds copies: a failure here is
 * reported as an `error` event (`l1`) and never fails the call.
 */
export class L1Tier {
  readonly store: Store<unknown>
  readonly codec: EntryCodec<unknown>
  /** False while L1 may have missed invalidations (bus down): it is then bypassed. */
  live: boolean
  /** True when L1 keeps `LiveEntry` objects (nothing to decode). */
  readonly liveValues: boolean
  readonly #maxTtlMs: number | undefined
  readonly #clock: Clock
  readonly #reporter: NamespaceReporter

  constructor(options: {
    readonly store: Store<unknown>
    /** The codec of the namespace's provider, used when L1 stores bytes. */
    readonly providerCodec: EntryCodec<unknown>
    readonly liveCodec: EntryCodec<unknown>
    readonly maxTtlMs: number | undefined
    readonly live: boolean
    readonly clock: Clock
    readonly reporter: NamespaceReporter
  }) {
    this.store = options.store
    this.liveValues = options.store.kind === 'live'
    this.codec = this.liveValues ? options.liveCodec : options.providerCodec
    this.#maxTtlMs = options.maxTtlMs
    this.live = options.live
    this.#clock = options.clock
    this.#reporter = options.reporter
  }

  /**
   * Keeps a copy of an entry that ends (goes stale past grace) at `end`: `entry` is the
   * decoded or freshly built entry, `encoded` its provider bytes (for a bytes L1). Does
   * nothing while L1 is bypassed.
   */
  keep(k: string, entry: LiveEntry, encoded: unknown): void {
    if (!this.live) return
    const ttl = this.#ttl(entry.staleUntil ?? entry.expiresAt)
    if (ttl === null) return
    const stored = this.liveValues ? entry : encoded
    this.#call(k, () => this.store.set(k, stored, { ttl }))
  }

  /** Drops keys. */
  delete(ks: readonly string[]): void {
    this.#call(ks.length === 1 ? ks[0] : undefined, () => this.store.deleteMany(ks))
  }

  /** Drops everything. */
  clear(): void {
    this.#call(undefined, () => this.store.clear())
  }

  /** Remaining L1 time to live of an entry, ms; `null` when already past its end. */
  #ttl(end: number | undefined): number | undefined | null {
    const max = this.#maxTtlMs
    if (end === undefined) return max
    const left = end - this.#clock.now()
    if (left <= 0) return null
    return max === undefined ? left : Math.min(left, max)
  }

  #call(k: string | undefined, call: () => MaybePromise<unknown>): void {
    try {
      const out = call()
      if (isPromise(out)) out.catch((error: unknown) => this.#reporter.error(k, 'l1', error))
    } catch (error) {
      this.#reporter.error(k, 'l1', error)
    }
  }
}

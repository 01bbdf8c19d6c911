import type { ComputeOptions, ComputeResult } from './cache-types.js'
import {
  checkComputeDecision,
  checkComputeVariantOptions,
  checkFunction,
  computeRetryBudget,
} from './call-checks.js'
import { checkValue, type EntryPolicy } from './entry-policy.js'
import type { MaybePromise, Store, StoreComputeAction } from './ports.js'
import type { NamespaceReporter } from './reporter.js'
import { decodeEntry } from './tiers/decode.js'
import type { ProviderTier } from './tiers/provider-tier.js'
import type { TierHandler } from './tiers/tier-handler.js'

/** A compute callback: the current value in, a decision out. */
export type ComputeFunction<V> = (current: V | undefined) => MaybePromise<ComputeResult<V>>

/** The compute function of `computeIfAbsent`: runs `fn` only when there is no fresh value. */
export function ifAbsent<V>(fn: () => MaybePromise<ComputeResult<V>>): ComputeFunction<V> {
  return (current) => (current === undefined ? fn() : KEEP)
}

/** The compute function of `computeIfPresent`: runs `fn` only on a fresh value. */
export function ifPresent<V>(
  fn: (current: V) => MaybePromise<ComputeResult<V>>,
): ComputeFunction<V> {
  return (current) => (current === undefined ? KEEP : fn(current))
}

/**
 * Atomic read-modify-write of one key on the provider. Calls for one key are serialised in
 * this process; across processes the store retries optimistically. After a change, L1 drops
 * its copy and other processes are told. `compute`, `computeIfAbsent` and `computeIfPresent`
 * take the facade's calls (a validated, encoded key) and check the rest.
 */
export class ComputeRunner<V> {
  readonly #provider: ProviderTier<V>
  readonly #tiers: TierHandler<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #overtake: (k: string) => void
  readonly #queues = new Map<string, Promise<void>>()
  /** The cache reports removals itself (the provider's store does not). */
  readonly #reportRemovals: boolean
  /** The namespace's `computeRetries`: the retry budget of a call without `maxRetries`. */
  readonly #retries: number

  constructor(options: {
    /** Marks reads and loads of a key in flight as overtaken when its compute starts. */
    readonly overtake: (k: string) => void
    readonly provider: ProviderTier<V>
    readonly tiers: TierHandler<V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    /** True when the cache reports removals (the store has no `onRemoval`). */
    readonly reportRemovals?: boolean
    /** The namespace's `computeRetries`. */
    readonly retries: number
  }) {
    this.#reportRemovals = options.reportRemovals === true
    this.#retries = options.retries
    this.#overtake = options.overtake
    this.#provider = options.provider
    this.#tiers = options.tiers
    this.#policy = options.policy
    this.#reporter = options.reporter
  }

  /** `Cache.compute` on the encoded key `k`; throws as it documents. */
  compute(
    k: string,
    fn: (current: V | undefined) => MaybePromise<ComputeResult<V>>,
    options: ComputeOptions | undefined,
  ): Promise<V | undefined> {
    return this.#checkedRun(k, fn, options, 'compute', fn)
  }

  /** `Cache.computeIfAbsent` on the encoded key `k`; throws as it documents. */
  computeIfAbsent(
    k: string,
    fn: () => MaybePromise<ComputeResult<V>>,
    options: ComputeOptions | undefined,
  ): Promise<V | undefined> {
    return this.#checkedRun(k, fn, options, 'computeIfAbsent', ifAbsent(fn))
  }

  /** `Cache.computeIfPresent` on the encoded key `k`; throws as it documents. */
  computeIfPresent(
    k: string,
    fn: (current: V) => MaybePromise<ComputeResult<V>>,
    options: ComputeOptions | undefined,
  ): Promise<V | undefined> {
    return this.#checkedRun(k, fn, options, 'computeIfPresent', ifPresent(fn))
  }

  /**
   * Checks a compute call (`compute` or a variant: `fn`, `options`, the `compute` capability)
   * and runs `decide`. Throws `CacheConfigError` for a bad argument or option and
   * `CacheUnsupportedError` when the provider cannot compute.
   */
  #checkedRun(
    k: string,
    fn: unknown,
    options: ComputeOptions | undefined,
    method: string,
    decide: ComputeFunction<V>,
  ): Promise<V | undefined> {
    checkFunction(fn, method, 'fn')
    checkComputeVariantOptions(options, method)
    this.#policy.require('compute', method)
    const variant = method === 'compute' ? undefined : method
    return this.run(k, decide, computeRetryBudget(options, this.#retries, variant))
  }

  /** Queues the compute of `k` behind earlier ones in this process; resolves to the value after. */
  run(k: string, fn: ComputeFunction<V>, maxRetries: number): Promise<V | undefined> {
    const previous = this.#queues.get(k) ?? Promise.resolve()
    const run = previous.then(() => this.#computeNow(k, fn, maxRetries))
    const tail = run.then(noop, noop)
    this.#queues.set(k, tail)
    void tail.then(() => {
      if (this.#queues.get(k) === tail) this.#queues.delete(k)
    })
    return run
  }

  async #computeNow(k: string, fn: ComputeFunction<V>, maxRetries: number): Promise<V | undefined> {
    this.#overtake(k)
    const provider = this.#provider
    const policy = this.#policy
    let after: V | undefined
    let outcome = 'keep' as 'set' | 'delete' | 'keep'
    let existed = false
    const store = provider.store as Required<Store<unknown>>
    await provider.required(() =>
      store.compute(
        k,
        async (currentEntry): Promise<StoreComputeAction<unknown>> => {
          const f = await decodeEntry<V>(k, currentEntry, provider.codec, this.#reporter)
          const current =
            f === undefined || !policy.isFresh(f) || f.negative ? undefined : (f.value as V)
          existed = current !== undefined
          const decision = await fn(current)
          checkComputeDecision(decision, k)
          switch (decision.action) {
            case 'keep':
              after = current
              outcome = 'keep'
              return { action: 'keep' }
            case 'delete':
              after = undefined
              outcome = 'delete'
              return { action: 'delete' }
            case 'set': {
              checkValue(k, decision.value)
              const options = policy.entry(decision.ttl, decision.tags, false)
              const fields = provider.fieldsOf(k, decision.value, options)
              const meta = policy.meta(policy.clock.now(), options, decision.value)
              const entry = await provider.encode(k, decision.value, meta)
              after = decision.value
              outcome = 'set'
              return { action: 'set', entry, ttl: options.storeTtlMs, tags: options.tags, fields }
            }
          }
        },
        { maxRetries },
      ),
    )
    if (outcome === 'set' || outcome === 'delete') {
      await this.#tiers.changed(k)
      if (outcome === 'set') this.#reporter.written(k)
      else this.#reporter.deleted(k)
      if (existed && this.#reportRemovals) {
        this.#reporter.removed(k, outcome === 'set' ? 'replaced' : 'explicit')
      }
    }
    return after
  }
}

function noop(): void {}

/** A compute decision that changes nothing. */
const KEEP: ComputeResult<never> = Object.freeze({ action: 'keep' })

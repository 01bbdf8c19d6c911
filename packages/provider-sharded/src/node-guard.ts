import {
  type BreakerSettings,
  type CacheDecodeError,
  CacheUnavailableError,
  CircuitBreaker,
  type MaybePromise,
  type Store,
  type StoreComputeAction,
  type StoreComputeOptions,
  type StoreEntry,
  type StoreValueKind,
  type StoreWriteOptions,
} from '@cacheport/core'

type Found<E> = E | CacheDecodeError | undefined

/**
 * One node's circuit breaker, shared by that node's stores of every namespace: past
 * `failures` consecutive backend failures (unreachable, timeout, backend error) of the node,
 * its reads are skipped as misses and its writes refused with `CacheUnavailableError` for
 * `cooldownMs`, then one call probes it. The other nodes are not affected.
 */
export class NodeGuard {
  readonly #breaker: CircuitBreaker
  readonly #name: string

  constructor(name: string, settings: BreakerSettings) {
    this.#name = name
    this.#breaker = new CircuitBreaker(settings, Date, () => {})
  }

  /** The breaker's state. */
  get state(): 'closed' | 'open' | 'half-open' {
    return this.#breaker.state
  }

  /** A read: `skipped` (a miss) while the circuit is open, else the call's answer. */
  read<T>(call: () => MaybePromise<T>, skipped: T): MaybePromise<T> {
    if (!this.#breaker.allow()) return skipped
    return this.#breaker.record(call)
  }

  /** A write: rejects with `CacheUnavailableError` while the circuit is open. */
  write<T>(call: () => MaybePromise<T>): MaybePromise<T> {
    if (!this.#breaker.allow()) {
      return Promise.reject(
        new CacheUnavailableError(
          `node '${this.#name}' is failing and its circuit breaker is open`,
        ),
      )
    }
    return this.#breaker.record(call)
  }
}

/** A node's store behind the node's {@link NodeGuard}. */
export class GuardedStore<E> implements Store<E> {
  readonly namespace: string
  readonly kind: StoreValueKind
  readonly #store: Store<E>
  readonly #guard: NodeGuard
  readonly compute?: NonNullable<Store<E>['compute']>
  readonly keys?: NonNullable<Store<E>['keys']>
  readonly fence?: NonNullable<Store<E>['fence']>
  readonly setIfUnchanged?: NonNullable<Store<E>['setIfUnchanged']>
  readonly busEvent?: NonNullable<Store<E>['busEvent']>

  constructor(store: Store<E>, guard: NodeGuard) {
    this.namespace = store.namespace
    this.kind = store.kind
    this.#store = store
    this.#guard = guard
    const { compute, keys, fence, setIfUnchanged, busEvent } = store
    if (busEvent !== undefined) this.busEvent = (event) => busEvent.call(store, event)
    if (fence !== undefined && setIfUnchanged !== undefined) {
      // The write-back fence: refused while open, so the load then writes nothing back.
      this.fence = (key, options) => guard.write(() => fence.call(store, key, options))
      this.setIfUnchanged = (key, entry, token, options) =>
        guard.write(() => setIfUnchanged.call(store, key, entry, token, options))
    }
    if (compute !== undefined) {
      this.compute = (
        key: string,
        fn: (current: Found<E>) => MaybePromise<StoreComputeAction<E>>,
        options?: StoreComputeOptions,
      ) => Promise.resolve(guard.write(() => compute.call(store, key, fn, options)))
    }
    if (keys !== undefined) {
      const guardedKeys = async function* (): AsyncIterable<string> {
        // Refused while open (a listing that silently skips a node would be wrong).
        yield* await guard.write(() => keys.call(store))
      }
      this.keys = guardedKeys
    }
  }

  get(key: string): MaybePromise<Found<E>> {
    return this.#guard.read(() => this.#store.get(key), undefined)
  }

  getMany(keys: readonly string[]): MaybePromise<Found<E>[]> {
    return this.#guard.read(
      () => this.#store.getMany(keys),
      keys.map(() => undefined),
    )
  }

  has(key: string): MaybePromise<boolean> {
    return this.#guard.read(() => this.#store.has(key), false)
  }

  set(key: string, entry: E, options?: StoreWriteOptions): MaybePromise<void> {
    return this.#guard.write(() => this.#store.set(key, entry, options))
  }

  setMany(entries: readonly StoreEntry<E>[]): MaybePromise<void> {
    return this.#guard.write(() => this.#store.setMany(entries))
  }

  delete(key: string): MaybePromise<boolean> {
    return this.#guard.write(() => this.#store.delete(key))
  }

  deleteMany(keys: readonly string[]): MaybePromise<number> {
    return this.#guard.write(() => this.#store.deleteMany(keys))
  }

  invalidateTags(tags: readonly string[]): MaybePromise<number> {
    return this.#guard.write(() => this.#store.invalidateTags(tags))
  }

  clear(): MaybePromise<void> {
    return this.#guard.write(() => this.#store.clear())
  }
}

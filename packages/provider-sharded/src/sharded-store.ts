import {
  type CacheDecodeError,
  CacheUnsupportedError,
  type MaybePromise,
  type ProviderCapabilities,
  type Store,
  type StoreComputeAction,
  type StoreComputeOptions,
  type StoreEntry,
  type StoreValueKind,
  type StoreWriteOptions,
} from '@cacheport/core'
import type { HashRing } from './hash-ring.js'

type Found<E> = E | CacheDecodeError | undefined

/** The keys of one node in a multi-key call, with where each sits in the caller's list. */
interface NodeBatch {
  readonly node: number
  readonly indexes: number[]
}

/**
 * One namespace of a sharded provider: a store per node, and the ring that picks the node of
 * each key. Single-key operations go to the key's node (synchronously when that node's store
 * answers synchronously); multi-key operations are split per node, run on the nodes in
 * parallel and put back in the caller's order; `invalidateTags`, `clear` and `keys` reach
 * every node. A call fails when a node it needs fails (with that node's error): a node down
 * fails the operations on its keys, not the others'.
 */
export class ShardedStore<E> implements Store<E> {
  readonly namespace: string
  readonly kind: StoreValueKind
  readonly #ring: HashRing
  readonly #stores: readonly Store<E>[]
  readonly compute?: NonNullable<Store<E>['compute']>
  readonly keys?: NonNullable<Store<E>['keys']>
  readonly expire?: NonNullable<Store<E>['expire']>
  readonly inspect?: NonNullable<Store<E>['inspect']>
  readonly onRemoval?: NonNullable<Store<E>['onRemoval']>
  readonly inProcess?: boolean
  readonly fence?: NonNullable<Store<E>['fence']>
  readonly setIfUnchanged?: NonNullable<Store<E>['setIfUnchanged']>
  readonly busEvent?: NonNullable<Store<E>['busEvent']>

  constructor(options: {
    readonly namespace: string
    readonly kind: StoreValueKind
    readonly ring: HashRing
    /** One store per node, in the ring's member order. */
    readonly stores: readonly Store<E>[]
    readonly capabilities: ProviderCapabilities
  }) {
    this.namespace = options.namespace
    this.kind = options.kind
    this.#ring = options.ring
    this.#stores = options.stores
    // Declared capabilities only: a store of nodes without `compute` or `iterate` has neither.
    if (options.capabilities.compute) {
      this.compute = (key, fn, computeOptions) => this.#computeOn(key, fn, computeOptions)
    }
    if (options.capabilities.iterate) this.keys = () => this.#keysOfEveryNode()
    // The optional entry-level members, only when every node's store has them (a TTL change,
    // an inspection and removal reports then follow the key's node as every call does).
    const stores = options.stores
    if (stores.every((s) => s.expire !== undefined)) {
      this.expire = (key, expireOptions) =>
        (this.#storeOf(key) as Required<Store<E>>).expire(key, expireOptions)
    }
    if (stores.every((s) => s.inspect !== undefined)) {
      this.inspect = (key) => (this.#storeOf(key) as Required<Store<E>>).inspect(key)
    }
    if (stores.every((s) => s.onRemoval !== undefined)) {
      this.onRemoval = (listener, removalOptions) => {
        const stops = stores.map((s) =>
          (s as Required<Store<E>>).onRemoval(listener, removalOptions),
        )
        return () => {
          for (const stop of stops) stop()
        }
      }
    }
    if (stores.every((s) => s.inProcess === true)) this.inProcess = true
    // Race-free write-back when every node has it: the fence and the write go to the key's
    // node (a ring change in between makes the other node refuse the foreign token).
    // What the bus reports reaches every node's store (forgetting more than needed is harmless).
    if (options.stores.some((s) => s.busEvent !== undefined)) {
      this.busEvent = (event) => {
        for (const s of options.stores) s.busEvent?.(event)
      }
    }
    if (options.stores.every((s) => s.fence !== undefined && s.setIfUnchanged !== undefined)) {
      this.fence = (key, options) => this.#storeOf(key).fence!(key, options)
      this.setIfUnchanged = (key, entry, token, writeOptions) =>
        this.#storeOf(key).setIfUnchanged!(key, entry, token, writeOptions)
    }
  }

  /** The index of the node holding `key`. */
  nodeOf(key: string): number {
    return this.#ring.memberOf(this.namespace, key)
  }

  #storeOf(key: string): Store<E> {
    return this.#stores[this.nodeOf(key)] as Store<E>
  }

  get(key: string): MaybePromise<Found<E>> {
    return this.#storeOf(key).get(key)
  }

  has(key: string): MaybePromise<boolean> {
    return this.#storeOf(key).has(key)
  }

  set(key: string, entry: E, options?: StoreWriteOptions): MaybePromise<void> {
    return this.#storeOf(key).set(key, entry, options)
  }

  delete(key: string): MaybePromise<boolean> {
    return this.#storeOf(key).delete(key)
  }

  getMany(keys: readonly string[]): MaybePromise<Found<E>[]> {
    const batches = this.#batches(keys)
    if (batches.length === 1)
      return (this.#stores[(batches[0] as NodeBatch).node] as Store<E>).getMany(keys)
    const out = new Array<Found<E>>(keys.length)
    return Promise.all(
      batches.map(async ({ node, indexes }) => {
        const found = await (this.#stores[node] as Store<E>).getMany(
          indexes.map((i) => keys[i] as string),
        )
        for (let j = 0; j < indexes.length; j++) out[indexes[j] as number] = found[j]
      }),
    ).then(() => out)
  }

  setMany(entries: readonly StoreEntry<E>[]): MaybePromise<void> {
    const batches = this.#batches(entries.map((e) => e.key))
    if (batches.length === 1)
      return (this.#stores[(batches[0] as NodeBatch).node] as Store<E>).setMany(entries)
    return Promise.all(
      batches.map(({ node, indexes }) =>
        (this.#stores[node] as Store<E>).setMany(indexes.map((i) => entries[i] as StoreEntry<E>)),
      ),
    ).then(() => undefined)
  }

  deleteMany(keys: readonly string[]): MaybePromise<number> {
    const batches = this.#batches(keys)
    if (batches.length === 1)
      return (this.#stores[(batches[0] as NodeBatch).node] as Store<E>).deleteMany(keys)
    return Promise.all(
      batches.map(({ node, indexes }) =>
        (this.#stores[node] as Store<E>).deleteMany(indexes.map((i) => keys[i] as string)),
      ),
    ).then(sum)
  }

  invalidateTags(tags: readonly string[]): MaybePromise<number> {
    return Promise.all(this.#stores.map((store) => store.invalidateTags(tags))).then(sum)
  }

  clear(): MaybePromise<void> {
    return Promise.all(this.#stores.map((store) => store.clear())).then(() => undefined)
  }

  #computeOn(
    key: string,
    fn: (current: Found<E>) => MaybePromise<StoreComputeAction<E>>,
    options: StoreComputeOptions | undefined,
  ): Promise<Found<E>> {
    const store = this.#storeOf(key)
    if (store.compute === undefined) return Promise.reject(missing('compute', this.namespace))
    return store.compute(key, fn, options)
  }

  async *#keysOfEveryNode(): AsyncIterable<string> {
    for (const store of this.#stores) {
      if (store.keys === undefined) throw missing('iterate', this.namespace)
      yield* store.keys()
    }
  }

  /** Splits `keys` per node (nodes in order of first appearance). */
  #batches(keys: readonly string[]): NodeBatch[] {
    const byNode = new Map<number, NodeBatch>()
    for (let i = 0; i < keys.length; i++) {
      const node = this.nodeOf(keys[i] as string)
      let batch = byNode.get(node)
      if (batch === undefined) {
        batch = { node, indexes: [] }
        byNode.set(node, batch)
      }
      batch.indexes.push(i)
    }
    if (byNode.size === 0) return [{ node: 0, indexes: [] }]
    return [...byNode.values()]
  }
}

function sum(counts: readonly number[]): number {
  let total = 0
  for (const count of counts) total += count
  return total
}

/** A node whose provider declares a capability its store does not implement. */
function missing(capability: 'compute' | 'iterate', namespace: string): CacheUnsupportedError {
  return new CacheUnsupportedError(
    capability,
    `namespace '${namespace}': a node declares '${capability}' but its store does not implement it`,
  )
}

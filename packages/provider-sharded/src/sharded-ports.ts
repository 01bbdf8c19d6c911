import type {
  BusSubscriber,
  DistributedLock,
  InvalidationBus,
  InvalidationMessage,
  LockAcquireOptions,
  LockHandle,
} from '@cacheport/core'
import type { HashRing } from './hash-ring.js'
import type { NodeGuard } from './node-guard.js'

/**
 * The bus of a sharded provider: the bus of one node (the bus node) carries every
 * invalidation, so a message arrives once, whole, stamped with one origin per process.
 * `ordered` is `false` with more than one node: a write goes to its key's node and the publish
 * to the bus node, two connections, so the cache waits for the write before publishing.
 */
export class ShardedBus implements InvalidationBus {
  readonly mode = 'pubsub' as const
  readonly origin: string
  readonly ordered: boolean
  readonly #bus: InvalidationBus

  constructor(bus: InvalidationBus, nodeCount: number) {
    this.#bus = bus
    this.origin = bus.origin
    this.ordered = nodeCount === 1 && bus.ordered === true
  }

  /** Publishes on the bus node. Rejects as that node's bus does (unreachable, closed, bad message). */
  publish(message: InvalidationMessage): Promise<void> {
    return this.#bus.publish(message)
  }

  /** Subscribes on the bus node; resolves once live, as that node's bus does. */
  subscribe(namespace: string, subscriber: BusSubscriber): Promise<() => Promise<void>> {
    return this.#bus.subscribe(namespace, subscriber)
  }
}

/**
 * The lock of a sharded provider: the lock of a key lives on the key's node (the node that
 * holds its value), so a node down blocks the locks of its keys only.
 */
export class ShardedLock implements DistributedLock {
  readonly #ring: HashRing
  readonly #locks: readonly DistributedLock[]
  readonly #guards: readonly (NodeGuard | undefined)[]

  /** `guards`: each node's breaker (see `nodeBreaker`), `undefined` where there is none. */
  constructor(
    ring: HashRing,
    locks: readonly DistributedLock[],
    guards: readonly (NodeGuard | undefined)[],
  ) {
    this.#ring = ring
    this.#locks = locks
    this.#guards = guards
  }

  /**
   * Acquires on the key's node; resolves and rejects as that node's lock does, and rejects
   * with `CacheUnavailableError` at once while that node's breaker is open.
   */
  acquire(
    namespace: string,
    key: string,
    options: LockAcquireOptions,
  ): Promise<LockHandle | undefined> {
    const node = this.#ring.memberOf(namespace, key)
    const lock = this.#locks[node] as DistributedLock
    const guard = this.#guards[node]
    if (guard === undefined) return lock.acquire(namespace, key, options)
    return Promise.resolve(guard.write(() => lock.acquire(namespace, key, options)))
  }
}

import type {
  BusSubscriber,
  CacheProvider,
  DistributedLock,
  InvalidationBus,
  InvalidationMessage,
  LockHandle,
} from '@cacheport/core'

/**
 * An in-process stand-in for a pub/sub server, for core's unit tests: every bus made from one
 * hub sees the others' messages (delivered on a later microtask, like a network would).
 */
export class BusHub {
  readonly buses: TestBus[] = []
  readonly published: InvalidationMessage[] = []

  bus(origin: string): TestBus {
    const bus = new TestBus(this, origin)
    this.buses.push(bus)
    return bus
  }

  deliver(message: InvalidationMessage): void {
    this.published.push(message)
    for (const bus of this.buses) bus.receive(message)
  }
}

export class TestBus implements InvalidationBus {
  readonly mode = 'pubsub' as const
  readonly origin: string
  readonly #hub: BusHub
  readonly subscribers = new Map<string, BusSubscriber>()
  failPublish: Error | undefined
  /** Set to claim publishes are ordered behind the store's writes. */
  ordered = false
  /** publish() calls so far. */
  publishCalls = 0
  #down = false

  constructor(hub: BusHub, origin: string) {
    this.#hub = hub
    this.origin = origin
  }

  async publish(message: InvalidationMessage): Promise<void> {
    this.publishCalls++
    if (this.failPublish !== undefined) throw this.failPublish
    queueMicrotask(() => this.#hub.deliver(message))
  }

  async subscribe(namespace: string, subscriber: BusSubscriber): Promise<() => Promise<void>> {
    this.subscribers.set(namespace, subscriber)
    subscriber.resumed()
    return async () => {
      this.subscribers.delete(namespace)
    }
  }

  receive(message: InvalidationMessage): void {
    if (this.#down || message.origin === this.origin) return
    this.subscribers.get(message.namespace)?.message(message)
  }

  /** Simulates the subscriber connection dropping. */
  interrupt(): void {
    this.#down = true
    for (const s of this.subscribers.values()) s.interrupted()
  }

  resume(): void {
    this.#down = false
    for (const s of this.subscribers.values()) s.resumed()
  }
}

/** An in-process lock table shared by several "processes". */
export class TestLocks {
  readonly held = new Map<string, { token: number; until: number }>()
  acquired = 0
  #next = 0

  lock(): DistributedLock {
    return {
      acquire: async (namespace, key, options): Promise<LockHandle | undefined> => {
        const id = `${namespace}\0${key}`
        const deadline = Date.now() + options.waitMs
        for (;;) {
          const current = this.held.get(id)
          if (current === undefined || current.until <= Date.now()) {
            const token = ++this.#next
            this.held.set(id, { token, until: Date.now() + options.ttlMs })
            this.acquired++
            return {
              namespace,
              key,
              release: async () => {
                if (this.held.get(id)?.token !== token) return false
                this.held.delete(id)
                return true
              },
            }
          }
          if (Date.now() >= deadline || options.signal?.aborted === true) return undefined
          await new Promise((r) => setTimeout(r, 2))
        }
      },
    }
  }
}

/** The same backend seen by another process: its own bus and lock client. */
export function withPorts(
  provider: CacheProvider,
  ports: { bus?: InvalidationBus; lock?: DistributedLock },
): CacheProvider {
  return {
    kind: provider.kind,
    capabilities: {
      ...provider.capabilities,
      bus: ports.bus !== undefined,
      lock: ports.lock !== undefined,
    },
    openStore: (o) => provider.openStore(o),
    health: () => provider.health(),
    close: async () => {},
    bus: ports.bus,
    lock: ports.lock,
  }
}

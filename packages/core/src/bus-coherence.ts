import { PublishRetries, type PublishRetryLimits } from './bus-retry.js'
import type { BusSubscriber, InvalidationBus, InvalidationMessage, MaybePromise } from './ports.js'
import type { NamespaceReporter } from './reporter.js'

/** A change this process made, as it goes out on the bus (the namespace and origin are added). */
export type LocalChange = Omit<InvalidationMessage, 'namespace' | 'origin'>

/** What the namespace does when the bus reports something. */
export interface CoherenceListener {
  /** Another process changed these keys. */
  keysChanged(keys: readonly string[]): void
  /** Another process invalidated tags or cleared the namespace: every copy is suspect. */
  everythingChanged(): void
  /** Messages may be lost from now on: stop trusting copies. */
  interrupted(): void
  /** Messages flow again. */
  resumed(): void
}

/**
 * Keeps a multilevel namespace's L1 coherent across processes through its provider's
 * invalidation bus: subscribes (retrying with backoff), turns messages into listener calls
 * and `invalidate`/`bus` events, and publishes this process's changes. A publish that fails
 * is an `error` event and is retried from a bounded queue (`PublishRetries`).
 */
export class BusCoherence {
  readonly ready: Promise<void>
  readonly #bus: InvalidationBus
  readonly #reporter: NamespaceReporter
  readonly #listener: CoherenceListener
  readonly #isClosed: () => boolean
  readonly #onClose: (dispose: () => Promise<void>) => void
  readonly #retries: PublishRetries
  #markReady: () => void = noop

  constructor(options: {
    readonly bus: InvalidationBus
    readonly reporter: NamespaceReporter
    readonly listener: CoherenceListener
    readonly isClosed: () => boolean
    /** Registers what the service calls when it closes. */
    readonly onClose: (dispose: () => Promise<void>) => void
    /** Limits of the retry queue of failed publishes. */
    readonly retryLimits?: PublishRetryLimits
  }) {
    this.#bus = options.bus
    this.#reporter = options.reporter
    this.#listener = options.listener
    this.#isClosed = options.isClosed
    this.#onClose = options.onClose
    this.ready = new Promise((resolve) => {
      this.#markReady = resolve
    })
    const bus = options.bus
    this.#retries = new PublishRetries({
      publish: (message) => bus.publish(message),
      reporter: options.reporter,
      ...(options.retryLimits !== undefined ? { limits: options.retryLimits } : {}),
    })
    this.#onClose(async () => this.#retries.close())
  }

  /** True when a publish is applied behind this process's earlier writes (one connection). */
  get ordered(): boolean {
    return this.#bus.ordered === true && this.#bus.mode === 'pubsub'
  }

  /** Subscribes the namespace; until the subscription is live, L1 stays bypassed. */
  start(): void {
    this.#subscribe(0)
  }

  /**
   * Tells other processes what changed. Pub/sub buses only: a tracking server sees the write
   * itself. A failed publish is an `error` event (`bus`), never a failed call.
   */
  publish(change: LocalChange): MaybePromise<void> {
    const bus = this.#bus
    if (bus.mode !== 'pubsub') return
    const namespace = this.#reporter.namespace
    const origin = bus.origin
    const message: InvalidationMessage =
      change.keys !== undefined
        ? { namespace, origin, keys: change.keys }
        : change.tags !== undefined
          ? { namespace, origin, tags: change.tags }
          : { namespace, origin, clear: true }
    return bus.publish(message).then(
      () => this.#reporter.publish('published', change.keys),
      (error: unknown) => {
        this.#reporter.publish('publish-failed', change.keys)
        this.#reporter.error(change.keys?.length === 1 ? change.keys[0] : undefined, 'bus', error)
        if (!this.#isClosed()) this.#retries.add(message)
      },
    )
  }

  /** Invalidations whose publish failed and that wait for a retry. */
  get pendingRetries(): number {
    return this.#retries.size
  }

  #subscribe(attempt: number): void {
    const listener = this.#listener
    const subscriber: BusSubscriber = {
      message: (message) => this.#onMessage(message),
      interrupted: () => {
        listener.interrupted()
        this.#reporter.bus('interrupted')
      },
      resumed: () => {
        listener.resumed()
        this.#markReady()
        this.#reporter.bus('resumed')
      },
    }
    this.#bus.subscribe(this.#reporter.namespace, subscriber).then(
      (unsubscribe) => {
        if (this.#isClosed()) {
          void unsubscribe().catch(noop)
          return
        }
        this.#onClose(unsubscribe)
      },
      (error: unknown) => {
        this.#reporter.error(undefined, 'bus', error)
        if (this.#isClosed()) return
        // Keep L1 bypassed and try again, backing off up to 5 s.
        const delay = Math.min(5_000, 100 * 2 ** attempt)
        setTimeout(() => this.#subscribe(attempt + 1), delay).unref?.()
      },
    )
  }

  #onMessage(message: InvalidationMessage): void {
    if (message.clear === true || (message.tags !== undefined && message.tags.length > 0)) {
      this.#listener.everythingChanged()
    } else if (message.keys !== undefined && message.keys.length > 0) {
      this.#listener.keysChanged(message.keys)
    } else {
      return
    }
    this.#reporter.remoteInvalidation(message)
  }
}

function noop(): void {}

import { CacheConfigError, type InvalidationMessage } from '@cacheport/core'
import { encodeMessage } from './bus-message.js'

/**
 * The invalidations of one namespace published during the current tick: one bus message
 * carrying every key and tag of them. It has the shape of an `InvalidationMessage`, so it is
 * encoded as it is.
 */
class NamespaceBatch implements InvalidationMessage {
  readonly namespace: string
  readonly origin: string
  readonly channel: string
  readonly keys: string[] = []
  readonly tags: string[] = []
  clear = false
  /** Settles once the batch's message is published; `undefined` while nothing joined it. */
  sent: Promise<void> | undefined
  resolve: () => void = noop
  reject: (error: unknown) => void = noop

  constructor(namespace: string, channel: string, origin: string) {
    this.namespace = namespace
    this.channel = channel
    this.origin = origin
  }

  /** Starts a batch: the promise every publish of this tick shares. */
  open(): Promise<void> {
    const sent = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    this.sent = sent
    return sent
  }

  /** Empties the batch for the next tick (the arrays keep their capacity). */
  reset(): void {
    this.keys.length = 0
    this.tags.length = 0
    this.clear = false
    this.sent = undefined
    this.resolve = noop
    this.reject = noop
  }
}

function noop(): void {}

/**
 * Coalesces the publishes of one tick: every `add` of a namespace joins that namespace's
 * batch, and one flush at the end of the tick (`process.nextTick`, after the promise jobs of
 * the tick) sends one message per namespace. Every caller of a batch gets the same promise,
 * settled by that message's publish.
 *
 * Order: a publish is sent after every command the process issued before calling `add`, on
 * the same connection (the flush runs later in the tick than any of them, and before the
 * client's auto-pipeline is written out), so an `ordered` bus stays ordered. Messages are
 * validated while their keys and tags are copied into the batch, in one pass.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export class PublishBatches {
  readonly #origin: string
  readonly #channelOf: (namespace: string) => string
  readonly #send: (channel: string, payload: string) => Promise<void>
  readonly #batches = new Map<string, NamespaceBatch>()
  readonly #due: NamespaceBatch[] = []
  #scheduled = false
  readonly #flush = () => this.flush()

  /**
   * `channelOf` names a namespace's channel (throwing `CacheConfigError` for a bad namespace);
   * `send` publishes a payload on a channel.
   */
  constructor(
    origin: string,
    channelOf: (namespace: string) => string,
    send: (channel: string, payload: string) => Promise<void>,
  ) {
    this.#origin = origin
    this.#channelOf = channelOf
    this.#send = send
  }

  /**
   * Adds `message` to the batch of its namespace; resolves once the batch is published.
   * Throws `CacheConfigError` for a malformed message or namespace (and adds nothing of it).
   */
  add(message: InvalidationMessage): Promise<void> {
    if (typeof message !== 'object' || message === null) throw malformed()
    const { namespace, keys, tags, clear } = message
    if (
      typeof namespace !== 'string' ||
      (keys !== undefined && !Array.isArray(keys)) ||
      (tags !== undefined && !Array.isArray(tags)) ||
      (clear !== undefined && typeof clear !== 'boolean')
    ) {
      throw malformed()
    }
    let batch = this.#batches.get(namespace)
    if (batch === undefined) {
      batch = new NamespaceBatch(namespace, this.#channelOf(namespace), this.#origin)
      this.#batches.set(namespace, batch)
    }
    const keyCount = batch.keys.length
    if (keys !== undefined && !appendStrings(batch.keys, keys)) throw malformed()
    if (tags !== undefined && !appendStrings(batch.tags, tags)) {
      batch.keys.length = keyCount
      throw malformed()
    }
    if (clear === true) batch.clear = true
    const sent = batch.sent
    if (sent !== undefined) return sent
    this.#due.push(batch)
    if (!this.#scheduled) {
      this.#scheduled = true
      process.nextTick(this.#flush)
    }
    return batch.open()
  }

  /** Sends every batch of this tick now, one message per namespace. */
  flush(): void {
    this.#scheduled = false
    const due = this.#due
    for (let i = 0; i < due.length; i++) {
      const batch = due[i] as NamespaceBatch
      const { resolve, reject } = batch
      try {
        this.#send(batch.channel, encodeMessage(batch)).then(resolve, reject)
      } catch (error) {
        reject(error)
      }
      batch.reset()
    }
    due.length = 0
  }

  /** Rejects every publish not sent yet (used on close). */
  rejectPending(error: Error): void {
    const due = this.#due
    for (let i = 0; i < due.length; i++) {
      const batch = due[i] as NamespaceBatch
      batch.reject(error)
      batch.reset()
    }
    due.length = 0
  }
}

/** Appends `from` to `to` when every item is a string; otherwise leaves `to` as it was. */
function appendStrings(to: string[], from: readonly unknown[]): boolean {
  const start = to.length
  for (let i = 0; i < from.length; i++) {
    const item = from[i]
    if (typeof item !== 'string') {
      to.length = start
      return false
    }
    to.push(item)
  }
  return true
}

function malformed(): CacheConfigError {
  return new CacheConfigError(
    'INVALID_OPTION',
    'an invalidation message needs a namespace and optional string arrays keys and tags',
  )
}

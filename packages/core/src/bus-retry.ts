import { CacheUnavailableError } from './errors.js'
import type { InvalidationMessage } from './ports.js'
import type { NamespaceReporter } from './reporter.js'

/** Limits of the publish retry queue. */
export interface PublishRetryLimits {
  /** Messages waiting at most; past it the oldest is dropped (and reported). Default 1,000. */
  readonly maxQueued: number
  /** Tries per message, the first publish included; then it is given up (and reported). Default 8. */
  readonly maxAttempts: number
  /** Delay before the first retry, ms; doubled per retry. Default 100. */
  readonly baseDelayMs: number
  /** Longest delay between two tries, ms. Default 5,000. */
  readonly maxDelayMs: number
}

export const DEFAULT_PUBLISH_RETRY: PublishRetryLimits = Object.freeze({
  maxQueued: 1_000,
  maxAttempts: 8,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
})

interface Pending {
  readonly message: InvalidationMessage
  /** Tries so far. */
  attempts: number
  /** `performance.now()` of the next try. */
  due: number
}

/**
 * Retries invalidation messages whose publish failed, from a bounded queue with exponential
 * backoff, so a passing bus failure does not leave other processes serving stale L1 copies
 * until their TTL. A message given up after `maxAttempts`, or dropped because the queue is
 * full, is an `error` event (`bus`) that says what other processes may still serve.
 */
export class PublishRetries {
  readonly #publish: (message: InvalidationMessage) => Promise<void>
  readonly #reporter: NamespaceReporter
  readonly #limits: PublishRetryLimits
  readonly #queue: Pending[] = []
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(options: {
    readonly publish: (message: InvalidationMessage) => Promise<void>
    readonly reporter: NamespaceReporter
    readonly limits?: PublishRetryLimits
  }) {
    this.#publish = options.publish
    this.#reporter = options.reporter
    this.#limits = options.limits ?? DEFAULT_PUBLISH_RETRY
  }

  /** Messages waiting for a retry. */
  get size(): number {
    return this.#queue.length
  }

  /** Queues a message whose first publish just failed. */
  add(message: InvalidationMessage): void {
    if (this.#closed) return
    if (this.#queue.length >= this.#limits.maxQueued) {
      const dropped = this.#queue.shift() as Pending
      this.#report(
        dropped.message,
        `dropped: the publish retry queue is full (${this.#limits.maxQueued} messages)`,
      )
    }
    this.#queue.push({ message, attempts: 1, due: performance.now() + this.#delay(1) })
    this.#schedule()
  }

  /** Stops retrying and forgets every waiting message. */
  close(): void {
    this.#closed = true
    this.#queue.length = 0
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #delay(attempts: number): number {
    const { baseDelayMs, maxDelayMs } = this.#limits
    return Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1))
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#queue.length === 0 || this.#closed) return
    let next = Number.POSITIVE_INFINITY
    for (const p of this.#queue) if (p.due < next) next = p.due
    const wait = Math.max(0, next - performance.now())
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#retryDue()
    }, wait)
    this.#timer.unref?.()
  }

  #retryDue(): void {
    const now = performance.now()
    const due = this.#queue.filter((p) => p.due <= now)
    for (const p of due) this.#queue.splice(this.#queue.indexOf(p), 1)
    let pending = due.length
    if (pending === 0) {
      this.#schedule()
      return
    }
    for (const p of due) {
      p.attempts++
      this.#reporter.publish('publish-retry', p.message.keys)
      this.#publish(p.message).then(
        () => {
          if (--pending === 0) this.#schedule()
        },
        (error: unknown) => {
          if (this.#closed) return
          if (p.attempts >= this.#limits.maxAttempts) {
            this.#report(p.message, `given up after ${p.attempts} tries`, error)
          } else {
            p.due = performance.now() + this.#delay(p.attempts)
            this.#queue.push(p)
          }
          if (--pending === 0) this.#schedule()
        },
      )
    }
  }

  #report(message: InvalidationMessage, what: string, cause?: unknown): void {
    const subject =
      message.keys !== undefined
        ? `of keys ${message.keys.slice(0, 5).join(', ')}${message.keys.length > 5 ? ', ...' : ''}`
        : message.tags !== undefined
          ? `of tags ${message.tags.join(', ')}`
          : 'of the whole namespace (clear)'
    const error = new CacheUnavailableError(
      `invalidation ${subject} ${what}; other processes may serve their L1 copies until those expire`,
      { cause },
    )
    this.#reporter.publish('publish-given-up', message.keys, error)
    this.#reporter.error(message.keys?.length === 1 ? message.keys[0] : undefined, 'bus', error)
  }
}

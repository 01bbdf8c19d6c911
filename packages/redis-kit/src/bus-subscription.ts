import { randomUUID } from 'node:crypto'
import {
  type BusSubscriber,
  CacheClosedError,
  CacheConfigError,
  CacheUnavailableError,
  type InvalidationMessage,
} from '@cacheport/core'
import type { KeyLayout } from './layout.js'
import type { OpenLink } from './link.js'

/** What both bus modes share with their provider. */
export interface BusContext {
  /** Opens a dedicated connection (subscriber or control) to a node. */
  readonly openLink: OpenLink
  /** The current primaries of a cluster, or `undefined` on a standalone server. */
  readonly primaries: (() => readonly { host: string; port: number }[]) | undefined
  /** Reloads a cluster client's slot map. */
  readonly refreshTopology: (() => Promise<void>) | undefined
  /** The layout of a namespace (throws `CacheConfigError` for a bad namespace). */
  readonly layoutOf: (namespace: string) => KeyLayout
  /** Key prefix of the provider (to map tracked key names back to namespaces). */
  readonly keyPrefix: string
  /** Bounds connecting, subscribing and the wait of `subscribe()`. */
  readonly connectTimeoutMs: number
  /** Bounds `publish`. */
  readonly operationTimeoutMs: number
  readonly checkOpen: () => void
}

/** A random origin id for one provider instance. */
export function newOrigin(): string {
  return randomUUID()
}

/**
 * One `subscribe()` call: relays the bus state to its subscriber exactly once per change
 * (`interrupted` only after `resumed`, and the reverse), and shields the bus from a
 * subscriber that throws.
 */
export class Subscription {
  readonly namespace: string
  readonly #subscriber: BusSubscriber
  #live = false
  #ended = false
  /** Resolves when first live; rejects when ended before that (the provider closed). */
  readonly ready: Promise<void>
  #resolveReady!: () => void
  #rejectReady!: (error: Error) => void

  constructor(namespace: string, subscriber: BusSubscriber) {
    this.namespace = namespace
    this.#subscriber = subscriber
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve
      this.#rejectReady = reject
    })
    this.ready.catch(() => undefined)
  }

  get live(): boolean {
    return this.#live
  }

  resume(): void {
    if (this.#live || this.#ended) return
    this.#live = true
    this.#resolveReady()
    guard(() => this.#subscriber.resumed())
  }

  interrupt(): void {
    if (!this.#live || this.#ended) return
    this.#live = false
    guard(() => this.#subscriber.interrupted())
  }

  deliver(message: InvalidationMessage): void {
    if (!this.#ended) guard(() => this.#subscriber.message(message))
  }

  /** Stops relaying; a `subscribe()` still waiting rejects with `reason` when given. */
  end(reason?: Error): void {
    this.#ended = true
    if (reason !== undefined) this.#rejectReady(reason)
  }
}

function guard(call: () => void): void {
  try {
    call()
  } catch {
    // A subscriber's failure is its own; the bus keeps delivering to the others.
  }
}

/** Checks `subscribe()`'s arguments; throws `CacheConfigError`. */
export function checkSubscriber(subscriber: BusSubscriber): void {
  if (
    typeof subscriber !== 'object' ||
    subscriber === null ||
    typeof subscriber.message !== 'function' ||
    typeof subscriber.interrupted !== 'function' ||
    typeof subscriber.resumed !== 'function'
  ) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      'a bus subscriber needs message, interrupted and resumed functions',
    )
  }
}

/**
 * Waits until a subscription is live, up to `ms`; on timeout calls `cancel` and rejects with
 * `CacheUnavailableError`.
 */
export async function waitLive(
  subscription: Subscription,
  ms: number,
  what: string,
  cancel: () => Promise<void>,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms)
    timer.unref()
  })
  let outcome: 'live' | 'timeout'
  try {
    outcome = await Promise.race([subscription.ready.then(() => 'live' as const), timedOut])
  } finally {
    clearTimeout(timer)
  }
  if (outcome === 'timeout') {
    await cancel()
    throw new CacheUnavailableError(`${what}: the subscription was not live within ${ms} ms`)
  }
}

/** Checks an invalidation message before it is published; throws `CacheConfigError`. */
export function checkMessage(message: InvalidationMessage): void {
  const strings = (list: unknown) =>
    list === undefined || (Array.isArray(list) && list.every((x) => typeof x === 'string'))
  if (
    typeof message !== 'object' ||
    message === null ||
    typeof message.namespace !== 'string' ||
    !strings(message.keys) ||
    !strings(message.tags) ||
    (message.clear !== undefined && typeof message.clear !== 'boolean')
  ) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      'an invalidation message needs a namespace and optional string arrays keys and tags',
    )
  }
}

/** What a `subscribe()` still waiting when the provider closes rejects with. */
export function closedError(): CacheClosedError {
  return new CacheClosedError('bus')
}

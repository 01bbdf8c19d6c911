import type { BusSubscriber, InvalidationBus, InvalidationMessage } from '@cacheport/core'
import { decodeMessage, OwnMessagePrefix } from './bus-message.js'
import { PublishBatches } from './bus-publish-batch.js'
import {
  type BusContext,
  checkSubscriber,
  closedError,
  newOrigin,
  Subscription,
  waitLive,
} from './bus-subscription.js'
import { addressKey, Link, movedTarget, type NodeAddress, reconnectDelay, sleep } from './link.js'

/** What the pub/sub bus needs besides the shared bus context. */
export interface PubSubBusContext extends BusContext {
  /** SPUBLISH/SSUBSCRIBE (clusters) instead of PUBLISH/SUBSCRIBE. */
  readonly sharded: boolean
  /** Publishes on the data client (bounded, with typed errors). */
  readonly publish: (channel: string, payload: string) => Promise<void>
}

/** One namespace's channel and where it is subscribed. */
interface Channel {
  readonly namespace: string
  readonly name: string
  readonly subscriptions: Set<Subscription>
  /** The link it is subscribed on; `undefined` while (re)subscribing. */
  link: Link | undefined
  /** The node to try first (the last owner, or where MOVED pointed). */
  hint: NodeAddress | undefined
  establishing: boolean
}

/** How often a cluster bus re-checks that each channel still lives on its node. */
const WATCH_MS = 5_000

/**
 * Invalidation over pub/sub: every namespace has one channel, `<prefix>bus{<ns>}`. On a
 * standalone server it uses PUBLISH/SUBSCRIBE; on a cluster, sharded pub/sub
 * (SPUBLISH/SSUBSCRIBE), the `{<ns>}` hash tag keeping a namespace's channel in one slot. The
 * subscriber connection follows the channel's owner: on MOVED, on a dropped connection
 * (failover, restart) and when the server unsubscribes it (resharding) it subscribes again,
 * on the new owner, reporting `interrupted` and then `resumed`.
 *
 * Messages are compact JSON (see bus-message.ts); a process never receives its own. The
 * publishes of one tick go out as one message per namespace (see `PublishBatches`).
 */
export class PubSubBus implements InvalidationBus {
  readonly mode = 'pubsub' as const
  readonly origin = newOrigin()
  readonly #c: PubSubBusContext
  readonly #channels = new Map<string, Channel>()
  readonly #links = new Map<string, Promise<Link>>()
  #closed = false
  #watch: NodeJS.Timeout | undefined
  #nextSeed = 0

  /**
   * Standalone: PUBLISH shares the data connection and is sent at the end of the tick, after
   * every write this process issued before calling `publish`, so it follows those writes.
   */
  readonly ordered: boolean
  readonly #own = new OwnMessagePrefix(this.origin)
  readonly #batches: PublishBatches

  constructor(context: PubSubBusContext) {
    this.#c = context
    this.ordered = !context.sharded
    this.#batches = new PublishBatches(
      this.origin,
      (namespace) => context.layoutOf(namespace).busChannel,
      context.publish,
    )
  }

  /**
   * Publishes an invalidation, stamped with this bus's origin. Publishes of one tick share one
   * message per namespace (sent at the end of the tick) and resolve together when it is
   * published. Rejects with `CacheConfigError` for a malformed message or namespace, and
   * `CacheClosedError` once the provider is closed.
   */
  publish(message: InvalidationMessage): Promise<void> {
    try {
      this.#c.checkOpen()
      return this.#batches.add(message)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  async subscribe(namespace: string, subscriber: BusSubscriber): Promise<() => Promise<void>> {
    this.#c.checkOpen()
    checkSubscriber(subscriber)
    const name = this.#c.layoutOf(namespace).busChannel
    let channel = this.#channels.get(name)
    if (channel === undefined) {
      channel = {
        namespace,
        name,
        subscriptions: new Set(),
        link: undefined,
        hint: undefined,
        establishing: false,
      }
      this.#channels.set(name, channel)
    }
    const subscription = new Subscription(namespace, subscriber)
    channel.subscriptions.add(subscription)
    if (channel.link !== undefined) subscription.resume()
    else void this.#establish(channel)
    this.#startWatch()
    const end = () => this.#unsubscribe(channel, subscription)
    await waitLive(subscription, this.#c.connectTimeoutMs, `bus subscribe(${namespace})`, end)
    return end
  }

  /** Closes every subscriber connection. */
  close(): void {
    this.#closed = true
    this.#batches.rejectPending(closedError())
    if (this.#watch !== undefined) clearInterval(this.#watch)
    for (const channel of this.#channels.values()) {
      for (const subscription of channel.subscriptions) subscription.end(closedError())
    }
    this.#channels.clear()
    for (const link of this.#links.values()) link.then((l) => l.close()).catch(() => undefined)
    this.#links.clear()
  }

  async #unsubscribe(channel: Channel, subscription: Subscription): Promise<void> {
    subscription.end()
    if (!channel.subscriptions.delete(subscription) || channel.subscriptions.size > 0) return
    this.#channels.delete(channel.name)
    const link = channel.link
    channel.link = undefined
    if (link !== undefined && !link.isDown) {
      await link.unsubscribe(channel.name, this.#c.sharded, this.#c.operationTimeoutMs)
    }
  }

  /** Subscribes a channel until it is live, following MOVED and retrying with backoff. */
  async #establish(channel: Channel): Promise<void> {
    if (channel.establishing) return
    channel.establishing = true
    let failures = 0
    try {
      while (
        !this.#closed &&
        channel.link === undefined &&
        this.#channels.get(channel.name) === channel
      ) {
        let link: Link | undefined
        try {
          link = await this.#linkTo(channel.hint ?? this.#seed())
          await link.subscribe(channel.name, this.#c.sharded, this.#c.connectTimeoutMs)
          if (link.isDown) continue
          if (this.#channels.get(channel.name) !== channel) {
            await link.unsubscribe(channel.name, this.#c.sharded, this.#c.operationTimeoutMs)
            return
          }
          channel.link = link
          channel.hint = link.address
          for (const subscription of channel.subscriptions) subscription.resume()
          return
        } catch (error) {
          const moved = movedTarget(error)
          channel.hint = moved
          if (moved === undefined || failures > 3) await sleep(reconnectDelay(failures))
          failures++
        }
      }
    } finally {
      channel.establishing = false
    }
  }

  /** A connected link to `address`, shared by every channel that lives there. */
  #linkTo(address: NodeAddress | undefined): Promise<Link> {
    const key = addressKey(address)
    const existing = this.#links.get(key)
    if (existing !== undefined) {
      return existing.then((link) => (link.isDown ? this.#openLink(address, key) : link))
    }
    return this.#openLink(address, key)
  }

  #openLink(address: NodeAddress | undefined, key: string): Promise<Link> {
    const opening = (async () => {
      const link = new Link(this.#c.openLink(address), address, {
        message: (name, payload) => this.#onMessage(name, payload),
        down: (down) => this.#onDown(down),
      })
      await link.open(this.#c.connectTimeoutMs)
      return link
    })()
    this.#links.set(key, opening)
    opening.catch(() => {
      if (this.#links.get(key) === opening) this.#links.delete(key)
    })
    return opening
  }

  /** A node to start from on a cluster (MOVED leads on to the owner). */
  #seed(): NodeAddress | undefined {
    const nodes = this.#c.primaries?.()
    if (nodes === undefined || nodes.length === 0) return undefined
    return nodes[this.#nextSeed++ % nodes.length]
  }

  #onDown(link: Link): void {
    const current = this.#links.get(link.key)
    if (current !== undefined) {
      current.then(
        (l) => {
          if (l === link && this.#links.get(link.key) === current) this.#links.delete(link.key)
        },
        () => undefined,
      )
    }
    if (this.#closed) return
    for (const channel of this.#channels.values()) {
      if (channel.link !== link) continue
      this.#lost(channel)
    }
  }

  /** The channel's subscription is gone: report it and subscribe again. */
  #lost(channel: Channel, moved?: NodeAddress): void {
    channel.link = undefined
    channel.hint = moved ?? channel.hint
    for (const subscription of channel.subscriptions) subscription.interrupt()
    void this.#establish(channel)
  }

  #onMessage(name: string, payload: unknown): void {
    // This process's own messages start with its origin (see bus-message.ts): skip them
    // first, by their bytes, since every publish comes back to its sender.
    if (this.#own.matches(payload)) return
    const channel = this.#channels.get(name)
    if (channel === undefined) return
    const message = decodeMessage(payload, channel.namespace)
    if (message === undefined || message.origin === this.origin) return
    for (const subscription of channel.subscriptions) subscription.deliver(message)
  }

  /**
   * Clusters only: every few seconds, SSUBSCRIBE each live channel again on its link (a no-op
   * while it still lives there). A MOVED reply means its slot moved without the server telling
   * this client: subscribe on the new owner.
   */
  #startWatch(): void {
    if (!this.#c.sharded || this.#watch !== undefined) return
    this.#watch = setInterval(() => {
      for (const channel of this.#channels.values()) {
        const link = channel.link
        if (link === undefined || link.isDown) continue
        link.subscribe(channel.name, true, this.#c.operationTimeoutMs).catch((error: unknown) => {
          const moved = movedTarget(error)
          if (moved !== undefined && channel.link === link) this.#lost(channel, moved)
        })
      }
    }, WATCH_MS)
    this.#watch.unref()
  }
}

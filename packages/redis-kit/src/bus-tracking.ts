import type { BusSubscriber, InvalidationBus, InvalidationMessage } from '@cacheport/core'
import {
  type BusContext,
  checkMessage,
  checkSubscriber,
  closedError,
  newOrigin,
  Subscription,
  waitLive,
} from './bus-subscription.js'
import { parseValueKey } from './layout.js'
import { addressKey, Link, type NodeAddress, reconnectDelay, sleep, within } from './link.js'

/** The channel CLIENT TRACKING redirects invalidations to (RESP2). */
const INVALIDATE_CHANNEL = '__redis__:invalidate'

/**
 * The `origin` of messages from the tracking bus: the server reports the change, so the
 * writer is unknown (it may be this very process).
 */
export const TRACKING_ORIGIN = 'server'

/** How often a cluster's tracking bus compares its nodes with the current primaries. */
const RECONCILE_MS = 1_000

/** Tracking on one node: a subscriber connection and the control connection that redirects to it. */
interface TrackingNode {
  readonly address: NodeAddress | undefined
  readonly key: string
  subscriber: Link | undefined
  control: Link | undefined
  clientId: string
  up: boolean
  /** Value-key prefixes CLIENT TRACKING is on for. */
  readonly registered: Set<string>
  establishing: boolean
  syncing: boolean
  removed: boolean
}

/**
 * Invalidation by Redis CLIENT TRACKING in broadcast mode. On every node that holds data (the
 * server, or each cluster primary) a control connection runs `CLIENT TRACKING ON REDIRECT
 * <subscriber id> BCAST PREFIX <prefix>v{<ns>: ...` and a RESP2 subscriber connection listens
 * on `__redis__:invalidate`. The server then reports every change to a value key of a
 * subscribed namespace by any client: writes, deletes, tag invalidations and `clear()`
 * (UNLINK), expiries and evictions; FLUSHALL / FLUSHDB arrive as `clear` for every subscribed
 * namespace. This process's own writes are reported too (origin `server`).
 *
 * `publish` only validates: everything it could say, the server already reports. When any
 * node's connections drop, every subscription is `interrupted`; it is `resumed` once tracking
 * is on again on every current primary. On a cluster the bus reloads the slot map every
 * second and tracks exactly the current primaries: a failover is noticed within about a
 * second, and reported as `interrupted` (tracking starts on the new primary) then `resumed`.
 */
export class TrackingBus implements InvalidationBus {
  readonly mode = 'tracking' as const
  readonly origin = newOrigin()
  readonly #c: BusContext
  /** Subscriptions per namespace. */
  readonly #subscriptions = new Map<string, Set<Subscription>>()
  /** Tracked value-key prefix per namespace (kept once registered: tracking cannot drop one). */
  readonly #prefixes = new Map<string, string>()
  readonly #nodes = new Map<string, TrackingNode>()
  #closed = false
  #timer: NodeJS.Timeout | undefined

  constructor(context: BusContext) {
    this.#c = context
  }

  async publish(message: InvalidationMessage): Promise<void> {
    this.#c.checkOpen()
    checkMessage(message)
    this.#c.layoutOf(message.namespace)
  }

  async subscribe(namespace: string, subscriber: BusSubscriber): Promise<() => Promise<void>> {
    this.#c.checkOpen()
    checkSubscriber(subscriber)
    const layout = this.#c.layoutOf(namespace)
    if (!this.#prefixes.has(namespace)) this.#prefixes.set(namespace, layout.valueKeysPrefix)
    let set = this.#subscriptions.get(namespace)
    if (set === undefined) {
      set = new Set()
      this.#subscriptions.set(namespace, set)
    }
    const subscription = new Subscription(namespace, subscriber)
    set.add(subscription)
    this.#start()
    for (const node of this.#nodes.values()) void this.#sync(node)
    this.#refreshLive()
    const end = async () => {
      subscription.end()
      const current = this.#subscriptions.get(namespace)
      current?.delete(subscription)
      if (current?.size === 0) this.#subscriptions.delete(namespace)
    }
    await waitLive(subscription, this.#c.connectTimeoutMs, `bus subscribe(${namespace})`, end)
    return end
  }

  /** Closes every connection of the bus. */
  close(): void {
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    for (const set of this.#subscriptions.values()) for (const s of set) s.end(closedError())
    this.#subscriptions.clear()
    for (const node of this.#nodes.values()) this.#closeNode(node)
    this.#nodes.clear()
  }

  #start(): void {
    if (this.#nodes.size === 0) this.#reconcile()
    if (this.#c.primaries === undefined || this.#timer !== undefined) return
    // The client reloads its slot map only when a command is redirected: a failover that no
    // command of this process ran into would go unnoticed, so the bus reloads it itself.
    this.#timer = setInterval(() => {
      const refresh = this.#c.refreshTopology?.() ?? Promise.resolve()
      void refresh.catch(() => undefined).then(() => this.#reconcile())
    }, RECONCILE_MS)
    this.#timer.unref()
  }

  /** Tracks exactly the current primaries (or the one standalone server). */
  #reconcile(): void {
    if (this.#closed) return
    const wanted: (NodeAddress | undefined)[] = this.#c.primaries?.().slice() ?? [undefined]
    if (wanted.length === 0) return
    const keys = new Set(wanted.map(addressKey))
    for (const address of wanted) {
      const key = addressKey(address)
      if (this.#nodes.has(key)) continue
      const node: TrackingNode = {
        address,
        key,
        subscriber: undefined,
        control: undefined,
        clientId: '',
        up: false,
        registered: new Set(),
        establishing: false,
        syncing: false,
        removed: false,
      }
      this.#nodes.set(key, node)
      void this.#establish(node)
    }
    for (const node of this.#nodes.values()) {
      if (keys.has(node.key)) continue
      node.removed = true
      this.#closeNode(node)
      this.#nodes.delete(node.key)
    }
    this.#refreshLive()
  }

  /** Opens the node's two connections and turns tracking on, retrying with backoff. */
  async #establish(node: TrackingNode): Promise<void> {
    if (node.establishing) return
    node.establishing = true
    let failures = 0
    try {
      while (!this.#closed && !node.removed && !node.up) {
        try {
          const events = {
            message: (channel: string, payload: unknown) => this.#onInvalidate(channel, payload),
            down: () => this.#nodeDown(node),
          }
          const subscriber = new Link(this.#c.openLink(node.address), node.address, events)
          node.subscriber = subscriber
          await subscriber.open(this.#c.connectTimeoutMs)
          node.clientId = String(
            await within(
              subscriber.connection.call('CLIENT', 'ID'),
              this.#c.connectTimeoutMs,
              'CLIENT ID',
            ),
          )
          await subscriber.subscribe(INVALIDATE_CHANNEL, false, this.#c.connectTimeoutMs)
          const control = new Link(this.#c.openLink(node.address), node.address, events)
          node.control = control
          await control.open(this.#c.connectTimeoutMs)
          if (subscriber.isDown || control.isDown) throw new Error('connection dropped')
          node.registered.clear()
          node.up = true
          await this.#sync(node)
          if (!node.up) throw new Error('tracking could not be turned on')
          return
        } catch {
          this.#closeNode(node)
          await sleep(reconnectDelay(failures++))
        }
      }
    } finally {
      node.establishing = false
    }
  }

  /** Turns tracking on for every namespace prefix the node does not track yet. */
  async #sync(node: TrackingNode): Promise<void> {
    if (!node.up || node.syncing) return
    node.syncing = true
    try {
      for (;;) {
        const missing = [...this.#prefixes.values()].filter((p) => !node.registered.has(p))
        const control = node.control
        if (missing.length === 0 || control === undefined || !node.up) break
        await within(
          control.connection.call(
            'CLIENT',
            'TRACKING',
            'ON',
            'REDIRECT',
            node.clientId,
            'BCAST',
            ...missing.flatMap((prefix) => ['PREFIX', prefix]),
          ),
          this.#c.operationTimeoutMs,
          'CLIENT TRACKING',
        )
        for (const prefix of missing) node.registered.add(prefix)
      }
    } catch {
      this.#nodeDown(node)
    } finally {
      node.syncing = false
      this.#refreshLive()
    }
  }

  #nodeDown(node: TrackingNode): void {
    const wasUp = node.up
    this.#closeNode(node)
    this.#refreshLive()
    if (wasUp && !this.#closed && !node.removed) void this.#establish(node)
  }

  #closeNode(node: TrackingNode): void {
    node.up = false
    node.registered.clear()
    node.subscriber?.close()
    node.control?.close()
    node.subscriber = undefined
    node.control = undefined
  }

  /** Live = tracking is on for the namespace on every node; tells subscriptions on change. */
  #refreshLive(): void {
    if (this.#closed) return
    const nodes = [...this.#nodes.values()]
    for (const [namespace, set] of this.#subscriptions) {
      const prefix = this.#prefixes.get(namespace) as string
      const live = nodes.length > 0 && nodes.every((node) => node.up && node.registered.has(prefix))
      for (const subscription of set) {
        if (live) subscription.resume()
        else subscription.interrupt()
      }
    }
  }

  #onInvalidate(channel: string, payload: unknown): void {
    if (channel !== INVALIDATE_CHANNEL) return
    if (!Array.isArray(payload)) {
      // FLUSHALL / FLUSHDB: everything is gone.
      for (const [namespace, set] of this.#subscriptions) {
        const message = { namespace, clear: true, origin: TRACKING_ORIGIN }
        for (const subscription of set) subscription.deliver(message)
      }
      return
    }
    const byNamespace = new Map<string, string[]>()
    for (const name of payload) {
      const parsed = parseValueKey(this.#c.keyPrefix, String(name))
      if (parsed === undefined || !this.#subscriptions.has(parsed.namespace)) continue
      const keys = byNamespace.get(parsed.namespace)
      if (keys === undefined) byNamespace.set(parsed.namespace, [parsed.key])
      else keys.push(parsed.key)
    }
    for (const [namespace, keys] of byNamespace) {
      const message = { namespace, keys, origin: TRACKING_ORIGIN }
      for (const subscription of this.#subscriptions.get(namespace) ?? []) {
        subscription.deliver(message)
      }
    }
  }
}

import { CacheUnavailableError } from '@cacheport/core'
import type { RedisLinkLike } from './client.js'

/** Where a dedicated connection goes: a cluster node, or `undefined` for the standalone server. */
export interface NodeAddress {
  readonly host: string
  readonly port: number
}

/** Opens (without connecting) a dedicated connection to a node. */
export type OpenLink = (address: NodeAddress | undefined) => RedisLinkLike

/** `host:port`, or `default` for the standalone server. */
export function addressKey(address: NodeAddress | undefined): string {
  return address === undefined ? 'default' : `${address.host}:${address.port}`
}

/**
 * The target of a `MOVED <slot> host:port` reply, or `undefined` for any other error.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function movedTarget(error: unknown): NodeAddress | undefined {
  if (!(error instanceof Error)) return undefined
  const match = /^MOVED \d+ (.+):(\d+)/.exec(error.message)
  if (match === null) return undefined
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port: Number(match[2]) }
}

/**
 * Backoff before the `attempt`-th reconnection: 50 ms doubling up to 1 s.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 5), 1_000)
}

/** Waits `ms`; the timer does not keep the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

/** Rejects with `CacheUnavailableError` when `work` takes longer than `ms`. */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CacheUnavailableError(`${what}: no answer within ${ms} ms`)),
        ms,
      )
      timer.unref()
    }),
  ]).finally(() => clearTimeout(timer))
}

/** What a link reports to its owner. */
export interface LinkEvents {
  /** A pub/sub message (`message` or `smessage`); `payload` is raw (tracking sends key arrays). */
  message(channel: string, payload: unknown): void
  /** The connection is gone (closed, failed, or told its shard channels moved). Called once. */
  down(link: Link): void
}

/**
 * One dedicated connection (subscriber or control) that never reconnects by itself: when it
 * drops, `down` fires once and the owner opens a new link, possibly to another node. Any
 * `error` event or shard-channel move (`moved`) ends it too, so the owner always starts over
 * from a known state.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export class Link {
  readonly address: NodeAddress | undefined
  readonly key: string
  readonly connection: RedisLinkLike
  #down = false
  #subscribing = 0
  readonly #events: LinkEvents

  constructor(connection: RedisLinkLike, address: NodeAddress | undefined, events: LinkEvents) {
    this.connection = connection
    this.address = address
    this.key = addressKey(address)
    this.#events = events
    const onMessage = (channel: Buffer | string, payload: unknown) =>
      events.message(String(channel), payload)
    connection.on('messageBuffer', onMessage as (...args: never[]) => void)
    connection.on('smessageBuffer', onMessage as (...args: never[]) => void)
    // ioredis 6 emits `moved` when the server unsubscribes shard channels (slot migration);
    // iovalkey 0.4 reports the same unsolicited reply as an `error`. Both end the link.
    // A MOVED reply to our own SSUBSCRIBE also emits `moved` in ioredis: that one is expected
    // (the caller follows it), so it is ignored while a subscription is in flight.
    connection.on('moved', () => {
      if (this.#subscribing === 0) this.#fail()
    })
    for (const event of ['error', 'close', 'end']) connection.on(event, () => this.#fail())
  }

  /** SUBSCRIBE (or SSUBSCRIBE when `sharded`) one channel, within `timeoutMs`. */
  async subscribe(channel: string, sharded: boolean, timeoutMs: number): Promise<void> {
    this.#subscribing++
    try {
      const work = sharded
        ? this.connection.ssubscribe(channel)
        : this.connection.subscribe(channel)
      await within(work, timeoutMs, `subscribe on ${this.key}`)
    } finally {
      this.#subscribing--
    }
  }

  /** UNSUBSCRIBE (or SUNSUBSCRIBE) one channel; failures are ignored (the link may be gone). */
  async unsubscribe(channel: string, sharded: boolean, timeoutMs: number): Promise<void> {
    const work = sharded
      ? this.connection.sunsubscribe(channel)
      : this.connection.unsubscribe(channel)
    await within(work, timeoutMs, `unsubscribe on ${this.key}`).catch(() => undefined)
  }

  /** True once the connection dropped or was closed. */
  get isDown(): boolean {
    return this.#down
  }

  /** Connects within `timeoutMs`; rejects with a typed error (and ends the link) otherwise. */
  async open(timeoutMs: number): Promise<void> {
    try {
      await within(this.connection.connect(), timeoutMs, `connect to ${this.key}`)
    } catch (error) {
      this.#fail()
      throw error
    }
  }

  /** Ends the link without reporting it down (the owner asked). */
  close(): void {
    this.#down = true
    this.connection.disconnect()
  }

  #fail(): void {
    if (this.#down) return
    this.#down = true
    this.connection.disconnect()
    this.#events.down(this)
  }
}

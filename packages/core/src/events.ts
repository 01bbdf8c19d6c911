import type { CacheError } from './errors.js'

/** The events a Cache emits, with their payloads. */
export interface CacheEventMap {
  /** A read found a live entry (a cached "not found" counts as a hit). */
  hit: { readonly namespace: string; readonly key: string }
  /** A read found nothing usable (absent, expired or undecodable). */
  miss: { readonly namespace: string; readonly key: string }
  /** An entry was written. */
  set: { readonly namespace: string; readonly key: string }
  /** An entry was deleted on request. */
  delete: { readonly namespace: string; readonly key: string }
  /**
   * Entries were invalidated by tag, the namespace was cleared, or (`remote`) another process
   * or the server reported changes that this process's L1 has just dropped.
   */
  invalidate: {
    readonly namespace: string
    readonly reason: 'tags' | 'clear' | 'remote'
    readonly tags: readonly string[]
    /** Entries removed (for `clear` and `remote`, `undefined`: stores do not count them). */
    readonly count: number | undefined
    /** For `remote`: the keys the message named (empty when it cleared the whole L1). */
    readonly keys?: readonly string[]
  }
  /** A stale value (within `grace`) was served while a refresh runs or after it failed. */
  stale: { readonly namespace: string; readonly key: string }
  /** The L2 circuit breaker changed state. */
  breaker: {
    readonly namespace: string
    readonly state: 'open' | 'half-open' | 'closed'
    /** Consecutive failures counted when it opened. */
    readonly failures: number
  }
  /**
   * The invalidation bus of a multilevel namespace dropped (`interrupted`: L1 was emptied and
   * is bypassed) or came back (`resumed`: L1 is used again, starting empty).
   */
  bus: { readonly namespace: string; readonly state: 'interrupted' | 'resumed' }
  /**
   * Something failed without failing the call: undecodable stored bytes (the read became a
   * miss), a loader error, a write-back after a load that failed (the loaded value was still
   * returned), a background refresh that failed (the stale value was served), a lock or bus
   * call that failed (the cache carried on without it), or an L1 operation that failed.
   */
  error: {
    readonly namespace: string
    readonly key: string | undefined
    readonly operation:
      | 'get'
      | 'load'
      | 'set'
      | 'compute'
      | 'refresh'
      | 'lock'
      | 'bus'
      | 'l1'
      | 'search'
    readonly error: CacheError | Error
  }
}

export type CacheEventName = keyof CacheEventMap

/** Bumped whenever a listener is added or removed on any emitter. */
let changes = 0

/** Every event name (the record type makes the compiler check the list is complete). */
const EVENT_NAMES = Object.keys(noneListening()) as readonly CacheEventName[]

function noneListening(): Record<CacheEventName, boolean> {
  return {
    hit: false,
    miss: false,
    set: false,
    delete: false,
    invalidate: false,
    stale: false,
    breaker: false,
    bus: false,
    error: false,
  }
}
export type CacheEventListener<E extends CacheEventName> = (event: CacheEventMap[E]) => void

/**
 * A small typed emitter. `has(name)` is a cheap check so hot paths build an event object only
 * when someone listens. A listener that throws does not break the cache operation.
 */
export class CacheEvents {
  readonly #listeners: { [E in CacheEventName]?: CacheEventListener<E>[] } = {}
  #parent: CacheEvents | undefined
  /** Whether each event has a listener here or on the parent, as of `#seen`. */
  #listening: Record<CacheEventName, boolean> = noneListening()
  #seen = -1

  constructor(parent?: CacheEvents) {
    this.#parent = parent
  }

  /** Adds a listener; returns a function that removes it. */
  on<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): () => void {
    let list = this.#listeners[name] as CacheEventListener<E>[] | undefined
    if (list === undefined) {
      list = []
      ;(this.#listeners as Record<string, unknown>)[name] = list
    }
    list.push(listener)
    changes++
    return () => this.off(name, listener)
  }

  /** Removes a listener added with `on`. */
  off<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): void {
    const list = this.#listeners[name] as CacheEventListener<E>[] | undefined
    if (list === undefined) return
    const i = list.indexOf(listener)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) delete this.#listeners[name]
    changes++
  }

  /**
   * True when this emitter or its parent has a listener for `name`. Cheap: the answers are
   * kept until a listener is added or removed anywhere.
   */
  has(name: CacheEventName): boolean {
    if (this.#seen !== changes) {
      const listening = noneListening()
      for (const event of EVENT_NAMES) {
        listening[event] =
          this.#listeners[event] !== undefined || (this.#parent?.has(event) ?? false)
      }
      this.#listening = listening
      this.#seen = changes
    }
    return this.#listening[name]
  }

  /** Calls every listener of `name`, here and on the parent. */
  emit<E extends CacheEventName>(name: E, event: CacheEventMap[E]): void {
    const list = this.#listeners[name] as CacheEventListener<E>[] | undefined
    if (list !== undefined) {
      for (const listener of [...list]) {
        try {
          listener(event)
        } catch {
          // A faulty listener must not turn a cache hit into a failure.
        }
      }
    }
    this.#parent?.emit(name, event)
  }
}

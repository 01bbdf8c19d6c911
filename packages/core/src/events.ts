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
  /** Entries were invalidated by tag, or the namespace was cleared. */
  invalidate: {
    readonly namespace: string
    readonly reason: 'tags' | 'clear'
    readonly tags: readonly string[]
    /** Entries removed (for `clear`, `undefined`: stores do not count them). */
    readonly count: number | undefined
  }
  /**
   * Something failed without failing the call: undecodable stored bytes (the read became a
   * miss), a loader error, or a write-back after a load that failed (the loaded value was
   * still returned).
   */
  error: {
    readonly namespace: string
    readonly key: string | undefined
    readonly operation: 'get' | 'load' | 'set' | 'compute'
    readonly error: CacheError | Error
  }
}

export type CacheEventName = keyof CacheEventMap
export type CacheEventListener<E extends CacheEventName> = (event: CacheEventMap[E]) => void

/**
 * A small typed emitter. `has(name)` is a cheap check so hot paths build an event object only
 * when someone listens. A listener that throws does not break the cache operation.
 */
export class CacheEvents {
  readonly #listeners: { [E in CacheEventName]?: CacheEventListener<E>[] } = {}
  #parent: CacheEvents | undefined

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
    return () => this.off(name, listener)
  }

  /** Removes a listener added with `on`. */
  off<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): void {
    const list = this.#listeners[name] as CacheEventListener<E>[] | undefined
    if (list === undefined) return
    const i = list.indexOf(listener)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) delete this.#listeners[name]
  }

  /** True when this emitter or its parent has a listener for `name`. */
  has(name: CacheEventName): boolean {
    return this.#listeners[name] !== undefined || (this.#parent?.has(name) ?? false)
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

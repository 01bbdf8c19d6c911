import type { Clock } from './entry-policy.js'
import { CacheError, CacheLoaderError } from './errors.js'
import type { CacheEventMap, CacheEvents } from './events.js'
import type { DecodedEntry } from './pipeline.js'
import type { InvalidationMessage } from './ports.js'
import { StatsCounter } from './stats.js'

/** The operation an `error` event names. */
export type FailedOperation = CacheEventMap['error']['operation']

/**
 * Counts and announces what happens in one namespace: each event updates its counter and
 * emits its event here, and nowhere else. Events are built only when someone listens.
 */
export class NamespaceReporter {
  readonly namespace: string
  readonly stats = new StatsCounter()
  readonly #events: CacheEvents

  readonly #clock: Clock

  constructor(namespace: string, events: CacheEvents, clock: Clock) {
    this.namespace = namespace
    this.#events = events
    this.#clock = clock
  }

  /** The namespace's emitter (for `on`/`off`). */
  get events(): CacheEvents {
    return this.#events
  }

  /** A read answered with a fresh entry. */
  hit(key: string): void {
    this.stats.hits++
    if (this.#events.has('hit')) this.#events.emit('hit', { namespace: this.namespace, key })
  }

  /**
   * Counts a batch of plain reads: fresh entries are hits (their values returned, `undefined`
   * for a cached "not found"), anything else a miss. One clock read and one listener check
   * for the whole batch.
   */
  countReads<V>(
    ks: readonly string[],
    found: readonly (DecodedEntry<V> | undefined)[],
  ): (V | undefined)[] {
    const now = this.#clock.now()
    const out = new Array<V | undefined>(found.length)
    let hits = 0
    for (let i = 0; i < found.length; i++) {
      const f = found[i]
      if (f !== undefined && (f.expiresAt === undefined || f.expiresAt > now)) {
        hits++
        out[i] = f.negative ? undefined : (f.value as V)
      } else {
        out[i] = undefined
      }
    }
    this.stats.hits += hits
    this.stats.misses += found.length - hits
    const events = this.#events
    if (events.has('hit') || events.has('miss')) {
      for (let i = 0; i < found.length; i++) {
        const f = found[i]
        const key = ks[i] as string
        const fresh = f !== undefined && (f.expiresAt === undefined || f.expiresAt > now)
        const name = fresh ? 'hit' : 'miss'
        if (events.has(name)) events.emit(name, { namespace: this.namespace, key })
      }
    }
    return out
  }

  /** A caller joined a read or load in flight for the key: a hit that reached no loader. */
  joined(key: string): void {
    this.stats.joinedHits++
    this.hit(key)
  }

  /** A logically expired value served within grace: a hit, and a `stale` event. */
  staleHit(key: string): void {
    this.stats.staleHits++
    this.hit(key)
    if (this.#events.has('stale')) this.#events.emit('stale', { namespace: this.namespace, key })
  }

  /** A read found nothing usable. */
  miss(key: string): void {
    this.stats.misses++
    if (this.#events.has('miss')) this.#events.emit('miss', { namespace: this.namespace, key })
  }

  /** An entry was written. */
  written(key: string): void {
    if (this.#events.has('set')) this.#events.emit('set', { namespace: this.namespace, key })
  }

  /** An entry was deleted on request. */
  deleted(key: string): void {
    if (this.#events.has('delete')) this.#events.emit('delete', { namespace: this.namespace, key })
  }

  /** Entries were invalidated by tag or the namespace was cleared. */
  invalidated(reason: 'tags' | 'clear', tags: readonly string[], count: number | undefined): void {
    if (this.#events.has('invalidate')) {
      this.#events.emit('invalidate', { namespace: this.namespace, reason, tags, count })
    }
  }

  /** Another process (or the server) reported changes that this process's L1 dropped. */
  remoteInvalidation(message: InvalidationMessage): void {
    if (this.#events.has('invalidate')) {
      this.#events.emit('invalidate', {
        namespace: this.namespace,
        reason: 'remote',
        tags: message.tags ?? [],
        count: undefined,
        keys: message.keys ?? [],
      })
    }
  }

  /** The circuit breaker changed state. */
  breaker(state: CacheEventMap['breaker']['state'], failures: number): void {
    if (this.#events.has('breaker')) {
      this.#events.emit('breaker', { namespace: this.namespace, state, failures })
    }
  }

  /** The invalidation bus dropped or came back. */
  bus(state: CacheEventMap['bus']['state']): void {
    if (this.#events.has('bus')) this.#events.emit('bus', { namespace: this.namespace, state })
  }

  /** Something failed without failing the call. A non-Error thrown value is wrapped. */
  error(key: string | undefined, operation: FailedOperation, error: unknown): void {
    if (this.#events.has('error')) {
      this.#events.emit('error', {
        namespace: this.namespace,
        key,
        operation,
        error: error instanceof Error ? error : wrapThrown(operation, error),
      })
    }
  }
}

/** An `Error` for a thrown value that is not one: a loader's is a `CacheLoaderError`. */
function wrapThrown(operation: FailedOperation, thrown: unknown): CacheError {
  const shown = typeof thrown === 'string' ? `'${thrown.slice(0, 200)}'` : String(thrown)
  return operation === 'load' || operation === 'refresh'
    ? new CacheLoaderError(`the loader threw a non-Error value: ${shown}`, { cause: thrown })
    : new CacheError('BACKEND_ERROR', `${operation} failed with a non-Error value: ${shown}`, {
        cause: thrown,
      })
}

import {
  type BusMessage,
  breakerChannel,
  busChannel,
  errorChannel,
  type LockMessage,
  lockChannel,
} from './diagnostics.js'
import type { Clock } from './entry-policy.js'
import { CacheDecodeError, CacheError, CacheLoaderError } from './errors.js'
import type { CacheEventMap, CacheEvents } from './events.js'
import type { ServiceLog } from './logger.js'
import { OperationMarks } from './operation-marks.js'
import type { DecodedEntry } from './pipeline.js'
import type { InvalidationMessage } from './ports.js'
import { StatsCounter } from './stats.js'

/** The operation an `error` event names. */
export type FailedOperation = CacheEventMap['error']['operation']

/**
 * Counts and announces what happens in one namespace: each event updates its counter, emits
 * its event, publishes on its diagnostics channel and logs what an operator must see here,
 * and nowhere else. Events and channel messages are built only when someone listens.
 */
export class NamespaceReporter {
  readonly namespace: string
  readonly stats = new StatsCounter()
  /** Traced operations in flight, which read outcomes are written into. */
  readonly marks = new OperationMarks()
  readonly #events: CacheEvents
  readonly #clock: Clock
  readonly #log: ServiceLog | undefined

  constructor(namespace: string, events: CacheEvents, clock: Clock, log?: ServiceLog) {
    this.namespace = namespace
    this.#events = events
    this.#clock = clock
    this.#log = log?.enabled === true ? log : undefined
  }

  /** The namespace's emitter (for `on`/`off`). */
  get events(): CacheEvents {
    return this.#events
  }

  /** A read answered with a fresh entry. */
  hit(key: string): void {
    this.stats.hits++
    if (this.marks.size !== 0) this.marks.outcome(key, true)
    if (this.#events.has('hit')) this.#events.emit('hit', { namespace: this.namespace, key })
  }

  /**
   * `get` found a fresh entry in the namespace's only tier, an in-process store: its request,
   * its L2 hit and the hit, counted at once (as `tierHit('l2')` then `hit` would).
   */
  onlyTierHit(key: string): void {
    const stats = this.stats
    stats.l2Requests++
    stats.l2Hits++
    stats.hits++
    if (this.marks.size !== 0) {
      this.marks.tier(key, 'l2')
      this.marks.outcome(key, true)
    }
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
    if (this.marks.size !== 0) {
      for (let i = 0; i < found.length; i++) {
        const f = found[i]
        this.marks.outcome(
          ks[i] as string,
          f !== undefined && (f.expiresAt === undefined || f.expiresAt > now),
        )
      }
    }
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
    if (this.marks.size !== 0) this.marks.joined(key)
    this.stats.hits++
    if (this.#events.has('hit')) this.#events.emit('hit', { namespace: this.namespace, key })
  }

  /** A logically expired value served within grace: a hit, and a `stale` event. */
  staleHit(key: string): void {
    this.stats.staleHits++
    if (this.marks.size !== 0) this.marks.stale(key)
    this.hit(key)
    if (this.#events.has('stale')) this.#events.emit('stale', { namespace: this.namespace, key })
  }

  /** A read found nothing usable. */
  miss(key: string): void {
    this.stats.misses++
    if (this.marks.size !== 0) this.marks.outcome(key, false)
    if (this.#events.has('miss')) this.#events.emit('miss', { namespace: this.namespace, key })
  }

  /** An entry was written. */
  written(key: string): void {
    this.stats.writes++
    if (this.#events.has('set')) this.#events.emit('set', { namespace: this.namespace, key })
  }

  /** An entry was deleted on request. */
  deleted(key: string): void {
    this.stats.deletes++
    if (this.#events.has('delete')) this.#events.emit('delete', { namespace: this.namespace, key })
  }

  /** Entries were invalidated by tag or the namespace was cleared. */
  invalidated(reason: 'tags' | 'clear', tags: readonly string[], count: number | undefined): void {
    this.stats.invalidations[reason]++
    if (this.#events.has('invalidate')) {
      this.#events.emit('invalidate', { namespace: this.namespace, reason, tags, count })
    }
  }

  /** An entry (or, with `key` undefined, entries the store did not name) left the provider. */
  removed(
    key: string | undefined,
    cause: CacheEventMap['removal']['cause'],
    tags?: readonly string[],
  ): void {
    if (!this.#events.has('removal')) return
    const namespace = this.namespace
    this.#events.emit(
      'removal',
      tags === undefined ? { namespace, key, cause } : { namespace, key, cause, tags },
    )
  }

  /** `deleteMany` removed `count` of `ks`: each key when all went, else one unnamed removal. */
  removedMany(ks: readonly string[], count: number): void {
    if (!this.#events.has('removal')) return
    const unique = new Set(ks)
    if (count === unique.size) for (const k of unique) this.removed(k, 'explicit')
    else this.removed(undefined, 'explicit')
  }

  /** Another process (or the server) reported changes that this process's L1 dropped. */
  remoteInvalidation(message: InvalidationMessage): void {
    this.stats.invalidations.remote++
    this.stats.bus.received++
    if (busChannel.hasSubscribers) {
      const keys = message.keys
      busChannel.publish({
        namespace: this.namespace,
        event: 'received',
        ...(keys !== undefined ? { keys } : {}),
      })
    }
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

  /** A tier (`l1`, or the provider: `l2`) held a servable entry for `key`. */
  tierHit(tier: 'l1' | 'l2', key: string): void {
    if (tier === 'l1') this.stats.l1Hits++
    else this.stats.l2Hits++
    if (this.marks.size !== 0) this.marks.tier(key, tier)
  }

  /** A background refresh started: by refresh-ahead, or of a stale value. */
  refreshStarted(kind: 'ahead' | 'stale'): void {
    if (kind === 'ahead') this.stats.refreshesAhead++
    else this.stats.refreshesStale++
  }

  /** The circuit breaker changed state. */
  breaker(state: CacheEventMap['breaker']['state'], failures: number): void {
    const stats = this.stats
    stats.breakerState = state
    if (state === 'open') stats.breakerTransitions.opened++
    else if (state === 'half-open') stats.breakerTransitions.halfOpened++
    else stats.breakerTransitions.closed++
    if (breakerChannel.hasSubscribers) {
      breakerChannel.publish({ namespace: this.namespace, state, failures })
    }
    if (this.#events.has('breaker')) {
      this.#events.emit('breaker', { namespace: this.namespace, state, failures })
    }
    if (this.#log !== undefined && state !== 'half-open') {
      this.#log.log(
        state === 'open' ? 'warn' : 'info',
        state === 'open'
          ? `namespace '${this.namespace}': the L2 circuit breaker opened after ${failures} consecutive failures; calls skip the provider until it recovers`
          : `namespace '${this.namespace}': the L2 circuit breaker closed; the provider is used again`,
        { namespace: this.namespace, breaker: state, failures },
      )
    }
  }

  /** The invalidation bus dropped or came back. */
  bus(state: CacheEventMap['bus']['state']): void {
    if (state === 'interrupted') this.stats.busInterruptions++
    else this.stats.busResumptions++
    if (busChannel.hasSubscribers) busChannel.publish({ namespace: this.namespace, event: state })
    if (this.#events.has('bus')) this.#events.emit('bus', { namespace: this.namespace, state })
    this.#log?.log(
      state === 'interrupted' ? 'warn' : 'info',
      state === 'interrupted'
        ? `namespace '${this.namespace}': the invalidation bus is interrupted; L1 is emptied and bypassed until it resumes`
        : `namespace '${this.namespace}': the invalidation bus resumed; L1 is used again`,
      { namespace: this.namespace, bus: state },
    )
  }

  /**
   * A publish on the bus: `published` (first try succeeded), `publish-failed` (queued for a
   * retry), `publish-retry` (a retry), `publish-given-up` (dropped; `reason` is logged).
   */
  publish(
    event: 'published' | 'publish-failed' | 'publish-retry' | 'publish-given-up',
    keys: readonly string[] | undefined,
    reason?: Error,
  ): void {
    const bus = this.stats.bus
    if (event === 'published') bus.published++
    else if (event === 'publish-failed') bus.publishFailures++
    else if (event === 'publish-retry') bus.publishRetries++
    else bus.publishGiveUps++
    if (busChannel.hasSubscribers) {
      const message: BusMessage = { namespace: this.namespace, event, ...(keys ? { keys } : {}) }
      busChannel.publish(message)
    }
    if (reason !== undefined) {
      this.#log?.log('error', `namespace '${this.namespace}': ${reason.message}`, {
        namespace: this.namespace,
        bus: event,
        error: reason,
      })
    }
  }

  /** The stampede lock of `key`: acquired, waited for, timed out, or failed. */
  lock(key: string, event: LockMessage['event']): void {
    const lock = this.stats.lock
    if (event === 'acquired') lock.acquired++
    else if (event === 'wait') lock.waits++
    else if (event === 'timeout') lock.timeouts++
    else lock.failures++
    if (lockChannel.hasSubscribers) lockChannel.publish({ namespace: this.namespace, key, event })
    if (event === 'timeout') {
      this.#log?.log(
        'warn',
        `namespace '${this.namespace}': waited past lock.waitMs for the lock of key '${key}'`,
        { namespace: this.namespace, key, lock: event },
      )
    }
  }

  /** Something failed without failing the call. A non-Error thrown value is wrapped. */
  error(key: string | undefined, operation: FailedOperation, error: unknown): void {
    const code =
      error instanceof CacheError
        ? error.code
        : operation === 'load' || operation === 'refresh'
          ? 'LOADER_ERROR'
          : 'UNKNOWN'
    this.stats.recordError(code)
    const listening = this.#events.has('error')
    if (!listening && !errorChannel.hasSubscribers && this.#log === undefined) return
    const wrapped = error instanceof Error ? error : wrapThrown(operation, error)
    const namespace = this.namespace
    if (errorChannel.hasSubscribers) {
      errorChannel.publish({ namespace, key, operation, code, error: wrapped })
    }
    if (listening) this.#events.emit('error', { namespace, key, operation, error: wrapped })
    if (this.#log !== undefined) this.#logError(key, operation, code, wrapped)
  }

  #logError(key: string | undefined, operation: FailedOperation, code: string, error: Error): void {
    const log = this.#log as ServiceLog
    const namespace = this.namespace
    const fields = { namespace, key, operation, code, error }
    const at = `namespace '${namespace}'${key === undefined ? '' : `, key '${key}'`}`
    if (operation === 'get' && error instanceof CacheDecodeError) {
      log.limited(
        namespace,
        'warn',
        `${at}: stored entry cannot be decoded and reads as a miss: ${error.message}`,
        fields,
      )
    } else if (operation === 'set') {
      log.log(
        'error',
        `${at}: writing a loaded value back failed (the value was still returned): ${error.message}`,
        fields,
      )
    } else {
      log.log(
        'debug',
        `${at}: ${operation} failed without failing the call: ${error.message}`,
        fields,
      )
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

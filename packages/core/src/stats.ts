/** Which tier answered a read: the in-process first level, or the namespace's provider. */
export type TierName = 'l1' | 'l2'

/** Reads that reached one tier, and how many of them found a servable entry there. */
export interface TierStats {
  readonly requests: number
  readonly hits: number
}

/**
 * Upper bounds (ms, inclusive) of the load duration histogram's buckets. Fixed, so counts can
 * be summed across processes; a last, unbounded bucket holds slower loads.
 */
export const LOAD_DURATION_BUCKETS_MS: readonly number[] = Object.freeze([
  1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
])

/** A histogram with fixed buckets. */
export interface DurationHistogram {
  /** Upper bounds of the buckets, ms (`LOAD_DURATION_BUCKETS_MS`). */
  readonly bucketsMs: readonly number[]
  /**
   * Observations per bucket, not cumulative: `counts[i]` fell in (`bucketsMs[i-1]`,
   * `bucketsMs[i]`]; the last element (one more than `bucketsMs`) counts the slower ones.
   */
  readonly counts: readonly number[]
  readonly count: number
  readonly sumMs: number
}

/** State of a namespace's L2 circuit breaker, and its transitions so far. */
export interface BreakerStats {
  /** `none` when the namespace has no breaker. */
  readonly state: 'closed' | 'open' | 'half-open' | 'none'
  readonly opened: number
  readonly halfOpened: number
  readonly closed: number
}

/** The invalidation bus of a multilevel namespace. */
export interface BusStats {
  /** Invalidations published (first tries that succeeded). */
  readonly published: number
  /** First publishes that failed (each queued for a retry). */
  readonly publishFailures: number
  /** Retries of failed publishes. */
  readonly publishRetries: number
  /** Invalidations given up (out of tries, or dropped from a full retry queue). */
  readonly publishGiveUps: number
  /** Invalidations received from other processes (or the server). */
  readonly received: number
  readonly interruptions: number
  readonly resumptions: number
}

/** The distributed stampede lock. */
export interface LockStats {
  /** Locks obtained. */
  readonly acquired: number
  /** Loads that found the lock held by another process and waited (counted once per call). */
  readonly waits: number
  /** Waits that ran past `lock.waitMs` (then `onTimeout` applied). */
  readonly timeouts: number
  /** Lock calls that failed (the load went ahead without the lock). */
  readonly failures: number
}

/** Counters of one namespace since it was opened (or since `resetStats`). */
export interface CacheStats {
  /** Reads answered from the cache, including callers that joined a read or load in flight. */
  readonly hits: number
  readonly misses: number
  /** hits / (hits + misses), or 0 before the first read. */
  readonly hitRatio: number
  /** Of `hits`: callers that joined a read or load already in flight for the same key. */
  readonly joinedHits: number
  /** Of `hits`: logically expired values served within `grace`. */
  readonly staleHits: number
  /**
   * Per tier: reads that reached it and found a servable entry there. `l1` is the in-process
   * first level of a multilevel namespace; `l2` is the namespace's provider (the only tier of
   * a single-level namespace).
   */
  readonly tiers: { readonly l1: TierStats; readonly l2: TierStats }
  /** Background refreshes started: by refresh-ahead (`ahead`), of stale values (`stale`). */
  readonly refreshes: { readonly ahead: number; readonly stale: number }
  /** Loader calls (a getOrSetMany bulk call counts once). */
  readonly loads: number
  readonly loadErrors: number
  /** Total time spent in loaders, ms. */
  readonly loadTimeMs: number
  /** Mean time of one loader call, ms (0 before the first load). */
  readonly meanLoadTimeMs: number
  /** Longest loader call, ms. */
  readonly maxLoadTimeMs: number
  /** Loader call durations. */
  readonly loadDuration: DurationHistogram
  /** Entries written (by `set`, `setMany`, a load's write-back or `compute`). */
  readonly writes: number
  /** Entries deleted on request (`delete`, `deleteMany`, `compute`). */
  readonly deletes: number
  /** Searches run (`search()` calls that passed validation). */
  readonly searches: number
  /** Invalidations: by tag, `clear()`, and remote ones received on the bus. */
  readonly invalidations: { readonly tags: number; readonly clear: number; readonly remote: number }
  /** `error` events by `CacheError` code (`LOADER_ERROR` for a loader's own error). */
  readonly errors: Readonly<Record<string, number>>
  readonly breaker: BreakerStats
  readonly bus: BusStats
  readonly lock: LockStats
}

const BUCKETS = LOAD_DURATION_BUCKETS_MS

/** Mutable counters behind `CacheStats`; each event is counted at one place (the reporter). */
export class StatsCounter {
  hits = 0
  misses = 0
  joinedHits = 0
  staleHits = 0
  l1Requests = 0
  l1Hits = 0
  l2Requests = 0
  l2Hits = 0
  refreshesAhead = 0
  refreshesStale = 0
  loads = 0
  loadErrors = 0
  loadTimeMs = 0
  maxLoadTimeMs = 0
  loadBuckets: number[] = new Array<number>(BUCKETS.length + 1).fill(0)
  writes = 0
  deletes = 0
  searches = 0
  invalidations = { tags: 0, clear: 0, remote: 0 }
  errors: Record<string, number> = {}
  breakerState: BreakerStats['state'] = 'none'
  breakerTransitions = { opened: 0, halfOpened: 0, closed: 0 }
  bus = { published: 0, publishFailures: 0, publishRetries: 0, publishGiveUps: 0, received: 0 }
  busInterruptions = 0
  busResumptions = 0
  lock = { acquired: 0, waits: 0, timeouts: 0, failures: 0 }

  /** Counts one loader call that took `ms` (and failed, when `failed`). */
  recordLoad(ms: number, failed: boolean): void {
    this.loads++
    if (failed) this.loadErrors++
    this.loadTimeMs += ms
    if (ms > this.maxLoadTimeMs) this.maxLoadTimeMs = ms
    let i = 0
    while (i < BUCKETS.length && ms > (BUCKETS[i] as number)) i++
    this.loadBuckets[i] = (this.loadBuckets[i] as number) + 1
  }

  /** Counts one `error` event with this code. */
  recordError(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1
  }

  /** A consistent copy of the counters. */
  snapshot(): CacheStats {
    const reads = this.hits + this.misses
    return {
      hits: this.hits,
      misses: this.misses,
      hitRatio: reads === 0 ? 0 : this.hits / reads,
      joinedHits: this.joinedHits,
      staleHits: this.staleHits,
      tiers: {
        l1: { requests: this.l1Requests, hits: this.l1Hits },
        l2: { requests: this.l2Requests, hits: this.l2Hits },
      },
      refreshes: { ahead: this.refreshesAhead, stale: this.refreshesStale },
      loads: this.loads,
      loadErrors: this.loadErrors,
      loadTimeMs: this.loadTimeMs,
      meanLoadTimeMs: this.loads === 0 ? 0 : this.loadTimeMs / this.loads,
      maxLoadTimeMs: this.maxLoadTimeMs,
      loadDuration: {
        bucketsMs: BUCKETS,
        counts: [...this.loadBuckets],
        count: this.loads,
        sumMs: this.loadTimeMs,
      },
      writes: this.writes,
      deletes: this.deletes,
      searches: this.searches,
      invalidations: { ...this.invalidations },
      errors: { ...this.errors },
      breaker: { state: this.breakerState, ...this.breakerTransitions },
      bus: {
        ...this.bus,
        interruptions: this.busInterruptions,
        resumptions: this.busResumptions,
      },
      lock: { ...this.lock },
    }
  }

  /** Zeroes every counter (the breaker's current state is kept: it is a state, not a count). */
  reset(): void {
    const state = this.breakerState
    Object.assign(this, new StatsCounter())
    this.breakerState = state
  }
}

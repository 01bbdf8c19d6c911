/** Which tier answered a read: the in-process first level, or the namespace's provider. */
export type TierName = 'l1' | 'l2'

/** Reads that reached one tier, and how many of them found a servable entry there. */
export interface TierStats {
  readonly requests: number
  readonly hits: number
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
  /** Loader calls (a getOrSetMany bulk call counts once). */
  readonly loads: number
  readonly loadErrors: number
  /** Total time spent in loaders, ms. */
  readonly loadTimeMs: number
  /** Mean time of one loader call, ms (0 before the first load). */
  readonly meanLoadTimeMs: number
  /** Longest loader call, ms. */
  readonly maxLoadTimeMs: number
}

/** Mutable counters behind `CacheStats`; each event is counted at one place. */
export class StatsCounter {
  hits = 0
  misses = 0
  joinedHits = 0
  staleHits = 0
  l1Requests = 0
  l1Hits = 0
  l2Requests = 0
  l2Hits = 0
  loads = 0
  loadErrors = 0
  loadTimeMs = 0
  maxLoadTimeMs = 0

  /** Counts one loader call that took `ms` (and failed, when `failed`). */
  recordLoad(ms: number, failed: boolean): void {
    this.loads++
    if (failed) this.loadErrors++
    this.loadTimeMs += ms
    if (ms > this.maxLoadTimeMs) this.maxLoadTimeMs = ms
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
      loads: this.loads,
      loadErrors: this.loadErrors,
      loadTimeMs: this.loadTimeMs,
      meanLoadTimeMs: this.loads === 0 ? 0 : this.loadTimeMs / this.loads,
      maxLoadTimeMs: this.maxLoadTimeMs,
    }
  }

  /** Zeroes every counter. */
  reset(): void {
    this.hits = 0
    this.misses = 0
    this.joinedHits = 0
    this.staleHits = 0
    this.l1Requests = 0
    this.l1Hits = 0
    this.l2Requests = 0
    this.l2Hits = 0
    this.loads = 0
    this.loadErrors = 0
    this.loadTimeMs = 0
    this.maxLoadTimeMs = 0
  }
}

/** Counters of one namespace since it was opened (or since `resetStats`). */
export interface CacheStats {
  readonly hits: number
  readonly misses: number
  /** hits / (hits + misses), or 0 before the first read. */
  readonly hitRatio: number
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

/** Mutable counters behind `CacheStats`. */
export class StatsCounter {
  hits = 0
  misses = 0
  loads = 0
  loadErrors = 0
  loadTimeMs = 0
  maxLoadTimeMs = 0

  recordLoad(ms: number, failed: boolean): void {
    this.loads++
    if (failed) this.loadErrors++
    this.loadTimeMs += ms
    if (ms > this.maxLoadTimeMs) this.maxLoadTimeMs = ms
  }

  snapshot(): CacheStats {
    const reads = this.hits + this.misses
    return {
      hits: this.hits,
      misses: this.misses,
      hitRatio: reads === 0 ? 0 : this.hits / reads,
      loads: this.loads,
      loadErrors: this.loadErrors,
      loadTimeMs: this.loadTimeMs,
      meanLoadTimeMs: this.loads === 0 ? 0 : this.loadTimeMs / this.loads,
      maxLoadTimeMs: this.maxLoadTimeMs,
    }
  }

  reset(): void {
    this.hits = 0
    this.misses = 0
    this.loads = 0
    this.loadErrors = 0
    this.loadTimeMs = 0
    this.maxLoadTimeMs = 0
  }
}

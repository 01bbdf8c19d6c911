import { FrequencySketch } from './frequency-sketch.js'

/** Window shares the shadow caches try, as a share of the cache's maximum. */
export const CANDIDATE_SHARES = [0.01, 0.05, 0.15, 0.3, 0.5, 0.8] as const
/** Most entries a shadow cache holds; a larger cache feeds the shadows a hash sample of its keys. */
const SHADOW_CAPACITY = 512
/** Shadow accesses before the first period, as a multiple of the capacity (hits not counted). */
const WARMUP_MULTIPLE = 2
/** Shadow accesses per judgement, as a multiple of the shadow capacity. */
const PERIOD_MULTIPLE = 5
/** Weight of the past in each candidate's score (exponential decay per period). */
const SCORE_DECAY = 0.5
/** A share must beat the one in use by this fraction of its score to replace it. */
const HYSTERESIS = 0.01
const PROTECTED_SHARE = 0.8

/**
 * A W-TinyLFU over key hashes with exact LRU segments (insertion-ordered `Map`s), used as a
 * side simulation: it sees the same sampled requests as its peers and only counts its hits.
 */
class ShadowCache {
  readonly #window = new Map<number, true>()
  readonly #probation = new Map<number, true>()
  readonly #protected = new Map<number, true>()
  readonly #windowMaximum: number
  readonly #mainMaximum: number
  readonly #protectedMaximum: number
  hits = 0

  constructor(capacity: number, share: number) {
    this.#windowMaximum = Math.max(1, Math.round(capacity * share))
    this.#mainMaximum = Math.max(1, capacity - this.#windowMaximum)
    this.#protectedMaximum = Math.floor(PROTECTED_SHARE * this.#mainMaximum)
  }

  access(hash: number, sketch: FrequencySketch): void {
    if (this.#window.delete(hash)) {
      this.hits++
      this.#window.set(hash, true)
    } else if (this.#probation.delete(hash)) {
      this.hits++
      this.#protected.set(hash, true)
      if (this.#protected.size > this.#protectedMaximum) {
        const demoted = first(this.#protected)
        this.#protected.delete(demoted)
        this.#probation.set(demoted, true)
      }
    } else if (this.#protected.delete(hash)) {
      this.hits++
      this.#protected.set(hash, true)
    } else {
      this.#window.set(hash, true)
      if (this.#window.size <= this.#windowMaximum) return
      const candidate = first(this.#window)
      this.#window.delete(candidate)
      if (this.#probation.size + this.#protected.size < this.#mainMaximum) {
        this.#probation.set(candidate, true)
        return
      }
      const from = this.#probation.size > 0 ? this.#probation : this.#protected
      const victim = first(from)
      if (sketch.frequency(candidate) > sketch.frequency(victim)) {
        from.delete(victim)
        this.#probation.set(candidate, true)
      }
    }
  }
}

const first = (map: Map<number, true>): number => map.keys().next().value as number

/**
 * Chooses the admission window by side simulation, in the spirit of Caffeine's research on
 * adaptive W-TinyLFU: one small shadow W-TinyLFU per candidate window share replays the same
 * requests (all of them for a cache of up to 512 entries, a fixed hash sample of the keys
 * otherwise, with each shadow scaled down by the same rate), and at the end of each period
 * the share whose shadow hit most (with decaying memory of earlier periods) becomes the
 * window of the real cache. Judging every candidate on the same requests removes the noise
 * that makes a hit-rate hill climber wander when the workload's hit rate drifts on its own.
 */
export class WindowTuner {
  readonly #shadows: ShadowCache[]
  readonly #sketch: FrequencySketch
  /** A key is sampled when the top 32 bits of its mixed hash are below this. */
  readonly #threshold: number
  readonly #period: number
  /** Accesses that fill the shadows before their hits count. */
  readonly #warmup: number
  readonly #scores = new Float64Array(CANDIDATE_SHARES.length)
  #accesses = 0
  /** False while the shadows fill up (their hits are not counted yet). */
  #warm = false
  /** Index of the share in use. */
  #current = 0

  /** A tuner for a cache of `entries` entries (its maximum, or its size when bounded by weight). */
  constructor(entries: number) {
    const capacity = Math.max(8, Math.min(SHADOW_CAPACITY, Math.floor(entries)))
    this.#threshold = Math.min(1, capacity / Math.max(1, entries)) * 2 ** 32
    this.#shadows = CANDIDATE_SHARES.map((share) => new ShadowCache(capacity, share))
    this.#sketch = new FrequencySketch(capacity)
    this.#period = PERIOD_MULTIPLE * capacity
    this.#warmup = WARMUP_MULTIPLE * capacity
  }

  /** True when accesses of the key with `hash` feed the shadows. */
  samples(hash: number): boolean {
    return Math.imul(hash ^ (hash >>> 16), 0x9e3779b1) >>> 0 < this.#threshold
  }

  /**
   * Replays one access of a sampled key in every shadow. Returns the window share the cache
   * should use when this access ends a period, or -1.
   */
  record(hash: number): number {
    const sketch = this.#sketch
    sketch.increment(hash)
    const shadows = this.#shadows
    for (let i = 0; i < shadows.length; i++) shadows[i]!.access(hash, sketch)
    if (!this.#warm) {
      if (++this.#accesses < this.#warmup) return -1
      this.#accesses = 0
      this.#warm = true
      for (const shadow of shadows) shadow.hits = 0
      return -1
    }
    if (++this.#accesses < this.#period) return -1
    this.#accesses = 0
    const scores = this.#scores
    let best = 0
    for (let i = 0; i < shadows.length; i++) {
      const shadow = shadows[i]!
      scores[i] = scores[i]! * SCORE_DECAY + shadow.hits
      shadow.hits = 0
      if (scores[i]! > scores[best]!) best = i
    }
    // Move only for a clear win, so near-ties do not make the window wander.
    if (scores[best]! <= scores[this.#current]! * (1 + HYSTERESIS)) return -1
    this.#current = best
    return CANDIDATE_SHARES[best]!
  }
}

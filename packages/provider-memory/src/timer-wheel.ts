/** Bucket span of each level, as a power of two of ms: ~1 s, ~65 s, ~70 min, ~18.6 h, ~6.2 d. */
const SHIFTS = [10, 16, 22, 26, 29] as const
/** Buckets per level; the last level is the overflow bucket. */
const BUCKETS = [64, 64, 16, 8, 1] as const
const SPANS = SHIFTS.map((s) => 2 ** s)
const OFFSETS = [0, 64, 128, 144, 152] as const
const TOTAL_BUCKETS = 153

/**
 * A hierarchical timer wheel over slot indexes: O(1) schedule and cancel, and `advance` visits
 * only the buckets whose time has come (at most 64 per level), cascading entries that are not
 * due yet to a finer level. Each entry is rescheduled at most once per level, so sweeping is
 * amortised O(1) per entry and never scans the whole cache.
 */
export class TimerWheel {
  readonly #heads = new Int32Array(TOTAL_BUCKETS).fill(-1)
  #prev: Int32Array
  #next: Int32Array
  /** Bucket of each slot, or -1 when the slot is not scheduled. */
  #bucket: Int16Array
  /** Time (epoch ms) the wheel was last advanced to. */
  #time: number
  /** Scheduled entries. */
  count = 0

  constructor(capacity: number, now: number) {
    this.#prev = new Int32Array(capacity)
    this.#next = new Int32Array(capacity)
    this.#bucket = new Int16Array(capacity).fill(-1)
    this.#time = now
  }

  grow(capacity: number): void {
    const prev = new Int32Array(capacity)
    prev.set(this.#prev)
    this.#prev = prev
    const next = new Int32Array(capacity)
    next.set(this.#next)
    this.#next = next
    const bucket = new Int16Array(capacity).fill(-1)
    bucket.set(this.#bucket)
    this.#bucket = bucket
  }

  schedule(slot: number, expiresAt: number): void {
    const at = Math.max(expiresAt, this.#time)
    const delay = at - this.#time
    let level = 0
    while (level < 4 && delay >= SPANS[level + 1]!) level++
    const index = OFFSETS[level]! + (Math.floor(at / SPANS[level]!) & (BUCKETS[level]! - 1))
    const head = this.#heads[index]!
    this.#prev[slot] = -1
    this.#next[slot] = head
    if (head !== -1) this.#prev[head] = slot
    this.#heads[index] = slot
    this.#bucket[slot] = index
    this.count++
  }

  cancel(slot: number): void {
    const index = this.#bucket[slot]!
    if (index === -1) return
    const prev = this.#prev[slot]!
    const next = this.#next[slot]!
    if (prev === -1) this.#heads[index] = next
    else this.#next[prev] = next
    if (next !== -1) this.#prev[next] = prev
    this.#bucket[slot] = -1
    this.count--
  }

  /** True when `now` is in a later tick than the last advance (cheap pre-check). */
  due(now: number): boolean {
    return Math.floor(now / SPANS[0]!) !== Math.floor(this.#time / SPANS[0]!)
  }

  /**
   * Moves the wheel to `now`: calls `expire` for every entry whose `expiresAt(slot) <= now` in
   * the buckets passed, reschedules the others. `expire` must not touch the wheel.
   */
  advance(now: number, expiresAt: (slot: number) => number, expire: (slot: number) => void): void {
    const previous = this.#time
    if (now <= previous) return
    this.#time = now
    for (let level = 0; level < 5; level++) {
      const previousTicks = Math.floor(previous / SPANS[level]!)
      const delta = Math.floor(now / SPANS[level]!) - previousTicks
      if (delta <= 0) break
      const buckets = BUCKETS[level]!
      const steps = Math.min(delta + 1, buckets)
      for (let i = 0; i < steps; i++) {
        const index = OFFSETS[level]! + ((previousTicks + i) & (buckets - 1))
        let slot = this.#heads[index]!
        this.#heads[index] = -1
        while (slot !== -1) {
          const next = this.#next[slot]!
          this.#bucket[slot] = -1
          this.count--
          const at = expiresAt(slot)
          if (at <= now) expire(slot)
          else this.schedule(slot, at)
          slot = next
        }
      }
    }
  }

  clear(): void {
    this.#heads.fill(-1)
    this.#bucket.fill(-1)
    this.count = 0
  }
}

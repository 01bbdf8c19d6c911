/** Unmerged writes allowed beyond the number of values before a merge runs on write. */
const SETTLE_SLACK = 1024

/**
 * The index of one NUMERIC field: the current value of every key, plus the keys ordered by
 * value for binary-searched ranges and ordered walks. Writes are appended to a pending list
 * and merged into the order at the next query (one pass over the order, plus sorting what was
 * written since), so writes stay O(1).
 */
export class NumericFieldIndex {
  readonly values = new Map<string, number>()
  #keys: string[] = []
  #order: Float64Array = new Float64Array(0)
  #pending: string[] = []
  /** Entries of the order that may no longer be current (removed or rewritten keys). */
  #stale = 0

  add(key: string, value: number): void {
    this.values.set(key, value)
    this.#pending.push(key)
    // Writes with no query in between: merge now and then, so the pending list stays bounded.
    if (this.#pending.length > SETTLE_SLACK + this.values.size) this.#settle()
  }

  remove(key: string): void {
    if (this.values.delete(key)) this.#stale++
    if (this.#stale > SETTLE_SLACK + this.values.size) this.#settle()
  }

  /** Writes and removals not merged into the order yet (for leak tests). */
  get unsettled(): number {
    return this.#pending.length + this.#stale
  }

  clear(): void {
    this.values.clear()
    this.#keys = []
    this.#order = new Float64Array(0)
    this.#pending = []
    this.#stale = 0
  }

  /** Brings the order up to date with the writes since the last query. */
  #settle(): void {
    if (this.#pending.length === 0 && this.#stale === 0) return
    const values = this.values
    const fresh = [...new Set(this.#pending)].filter((k) => values.has(k))
    const rewritten = new Set(fresh)
    fresh.sort((a, b) => (values.get(a) as number) - (values.get(b) as number))
    const keys: string[] = []
    const order = new Float64Array(values.size)
    const oldKeys = this.#keys
    const oldOrder = this.#order
    let i = 0
    let j = 0
    const push = (key: string, value: number) => {
      order[keys.length] = value
      keys.push(key)
    }
    while (i < oldKeys.length || j < fresh.length) {
      if (i < oldKeys.length) {
        const key = oldKeys[i] as string
        const value = oldOrder[i] as number
        if (rewritten.has(key) || values.get(key) !== value) {
          i++
          continue
        }
        if (j >= fresh.length || value <= (values.get(fresh[j] as string) as number)) {
          push(key, value)
          i++
          continue
        }
      }
      const key = fresh[j++] as string
      push(key, values.get(key) as number)
    }
    this.#keys = keys
    this.#order = order.subarray(0, keys.length)
    this.#pending = []
    this.#stale = 0
  }

  /** First position whose value is >= `v` (or > `v` when `after`). */
  #bound(v: number, after: boolean): number {
    const order = this.#order
    let lo = 0
    let hi = order.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const x = order[mid] as number
      if (x < v || (after && x === v)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Positions [from, to) of the values within the range. */
  range(min: number, minInclusive: boolean, max: number, maxInclusive: boolean): [number, number] {
    this.#settle()
    const from = min === Number.NEGATIVE_INFINITY ? 0 : this.#bound(min, !minInclusive)
    const to =
      max === Number.POSITIVE_INFINITY ? this.#order.length : this.#bound(max, maxInclusive)
    return [from, Math.max(from, to)]
  }

  /** The keys at positions [from, to) of the order. */
  keysBetween(from: number, to: number): string[] {
    return this.#keys.slice(from, to)
  }

  /** Every key with the field, by value (ascending, or descending when `descending`). */
  *ordered(descending: boolean): Generator<string> {
    this.#settle()
    const keys = this.#keys
    if (descending) for (let i = keys.length - 1; i >= 0; i--) yield keys[i] as string
    else yield* keys
  }
}

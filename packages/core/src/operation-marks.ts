import type { CacheOperationMessage } from './diagnostics.js'
import type { TierName } from './stats.js'

/**
 * The messages of traced operations in flight, by key, so the reporter can write a read's
 * outcome (hit or miss, tier, joined, stale) into the message its subscriber will see. Used
 * only while a subscriber listens: with none, `size` stays 0 and the reporter skips it.
 * When several traced operations on one key overlap, an outcome goes to the oldest message
 * still without one (a joiner marks the newest): exact for one caller, best effort beyond.
 */
export class OperationMarks {
  readonly #open = new Map<string, CacheOperationMessage[]>()
  /** Keys with a traced operation in flight. */
  size = 0

  /** Registers `message` for `keys` until the returned function is called. */
  open(keys: readonly string[], message: CacheOperationMessage): () => void {
    for (const k of keys) {
      const list = this.#open.get(k)
      if (list === undefined) this.#open.set(k, [message])
      else list.push(message)
    }
    this.size = this.#open.size
    return () => {
      for (const k of keys) {
        const list = this.#open.get(k)
        if (list === undefined) continue
        const i = list.indexOf(message)
        if (i >= 0) list.splice(i, 1)
        if (list.length === 0) this.#open.delete(k)
      }
      this.size = this.#open.size
    }
  }

  /** A read of `k` was answered (`hit`) or not. */
  outcome(k: string, hit: boolean): void {
    const m = this.#pending(k)
    if (m === undefined) return
    if (m.keys === undefined) m.hit = hit
    else if (hit) m.hits = (m.hits ?? 0) + 1
    else m.misses = (m.misses ?? 0) + 1
  }

  /** A caller of `k` joined a read or load in flight: marks the newest message. */
  joined(k: string): void {
    const list = this.#open.get(k)
    const m = list?.[list.length - 1]
    if (m === undefined || m.keys !== undefined) return
    m.joined = true
    m.hit = true
  }

  /** A stale value of `k` was served. */
  stale(k: string): void {
    const m = this.#pending(k)
    if (m !== undefined && m.keys === undefined) m.stale = true
  }

  /** A tier held a servable entry for `k`. */
  tier(k: string, tier: TierName): void {
    const list = this.#open.get(k)
    if (list === undefined) return
    for (const m of list) {
      if (m.keys === undefined && m.hit === undefined) {
        m.tier = tier
        return
      }
    }
  }

  #pending(k: string): CacheOperationMessage | undefined {
    const list = this.#open.get(k)
    if (list === undefined) return undefined
    for (const m of list) if (m.keys !== undefined || m.hit === undefined) return m
    return undefined
  }
}

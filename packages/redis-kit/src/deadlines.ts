import { CacheTimeoutError } from '@cacheport/core'
import { toCacheError } from './errors.js'

/** Entries per call in `DeadlineSlot.calls`: reject, operation, timeoutMs. */
const STRIDE = 3

/**
 * The calls whose deadlines fall in one time slot (`(slot - 1) * resolution, slot *
 * resolution]`). Calls are kept in one flat array that grows to its high-water mark and is
 * then reused, so bounding a call allocates nothing here. A call that settles clears its own
 * entry; the slot is recycled once every call of it settled, or when the sweep has rejected
 * the ones still open after the slot's end.
 */
class DeadlineSlot {
  /** The slot number: every call in it is due by `slot * resolutionMs`. */
  slot = 0
  /** Bumped on every recycle: a late settle of an earlier generation finds it changed. */
  generation = 0
  /** Calls of this generation not settled (nor rejected by the sweep) yet. */
  open = 0
  /** Array entries in use (STRIDE per call). */
  used = 0
  /** Per call: its reject function (`undefined` once settled), operation, timeout. */
  readonly calls: unknown[] = []

  /** Records a call; returns its index. */
  add(reject: (error: unknown) => void, operation: string, timeoutMs: number): number {
    const index = this.used
    const calls = this.calls
    if (index === calls.length) calls.push(reject, operation, timeoutMs)
    else {
      calls[index] = reject
      calls[index + 1] = operation
      calls[index + 2] = timeoutMs
    }
    this.used = index + STRIDE
    this.open++
    return index
  }

  /** Rejects every open call (the slot has ended, or the provider closed). */
  rejectOpen(reason: ((operation: string, timeoutMs: number) => Error) | Error): void {
    const calls = this.calls
    for (let i = 0; i < this.used; i += STRIDE) {
      const reject = calls[i] as ((error: unknown) => void) | undefined
      if (reject === undefined) continue
      calls[i] = undefined
      reject(
        typeof reason === 'function'
          ? reason(calls[i + 1] as string, calls[i + 2] as number)
          : reason,
      )
    }
    this.recycle()
  }

  /** Starts a new generation (the array keeps its capacity; entries are overwritten). */
  recycle(): void {
    this.generation++
    this.open = 0
    this.used = 0
  }
}

const timedOut = (operation: string, timeoutMs: number) =>
  new CacheTimeoutError(operation, timeoutMs)

/** A reply `recover` made out of an error (for example a miss out of a WRONGTYPE reply). */
export interface Recovered<R> {
  readonly value: R
}

/**
 * Bounds backend calls in time. Calls are grouped by the coarse time slot (`resolutionMs`)
 * their deadline falls in, and one sweep every `resolutionMs` rejects the open calls of the
 * slots that have ended with `CacheTimeoutError`: never before a call's deadline, at most about
 * one resolution after it. There is no timer per call, and no per-call entry in a shared set:
 * a call costs an append to its slot's reusable array and a counter.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export class Deadlines {
  readonly #slots = new Map<number, DeadlineSlot>()
  readonly #spare: DeadlineSlot[] = []
  readonly #resolutionMs: number
  /** The slot the last call went to: consecutive calls mostly share one. */
  #last: DeadlineSlot | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(resolutionMs = 25) {
    this.#resolutionMs = resolutionMs
  }

  /**
   * Resolves like `work` (passed through `map`, saving a promise hop), or rejects with `CacheTimeoutError` once `timeoutMs` has passed.
   * Other failures are mapped to cacheport errors (`CacheUnavailableError`, ...).
   */
  bound<T>(work: Promise<T>, timeoutMs: number, operation: string): Promise<T>
  bound<T, R>(
    work: Promise<T>,
    timeoutMs: number,
    operation: string,
    map: (value: T) => R,
    recover?: (error: unknown) => Recovered<R> | undefined,
  ): Promise<R>
  bound<T, R>(
    work: Promise<T>,
    timeoutMs: number,
    operation: string,
    map?: (value: T) => R,
    recover?: (error: unknown) => Recovered<R> | undefined,
  ): Promise<T | R> {
    return new Promise<T | R>((resolve, reject) => {
      const slot = this.#slotOf(performance.now() + timeoutMs)
      const generation = slot.generation
      const index = slot.add(reject, operation, timeoutMs)
      work.then(
        (value) => {
          if (this.#settle(slot, generation, index)) {
            resolve(map === undefined ? value : map(value))
          }
        },
        (error: unknown) => {
          if (!this.#settle(slot, generation, index)) return
          const recovered = recover?.(error)
          if (recovered !== undefined) resolve(recovered.value)
          else reject(toCacheError(error, operation))
        },
      )
    })
  }

  /** Rejects every pending call with `error` (used on close). */
  rejectAll(error: Error): void {
    for (const slot of this.#slots.values()) this.#release(slot, error)
    this.#slots.clear()
    this.#stop()
  }

  /** The slot a call due at `deadline` (performance.now() ms) belongs to. */
  #slotOf(deadline: number): DeadlineSlot {
    const number = Math.ceil(deadline / this.#resolutionMs)
    const last = this.#last
    if (last !== undefined) {
      if (last.slot === number) return last
      // Calls move on to a later slot: one left with no open call goes back to the spares.
      if (last.open === 0) {
        this.#slots.delete(last.slot)
        this.#release(last, timedOut)
      }
    }
    let slot = this.#slots.get(number)
    if (slot === undefined) {
      slot = this.#spare.pop() ?? new DeadlineSlot()
      slot.slot = number
      this.#slots.set(number, slot)
      if (this.#timer === undefined) this.#start()
    }
    this.#last = slot
    return slot
  }

  /**
   * Marks the call at `index` of `generation` settled. False when it was not open any more
   * (the sweep or `rejectAll` got to it first): its result must then be dropped. A slot whose
   * last open call settles is recycled at once: kept in place while calls still go to it,
   * otherwise put back to the spares, so only a couple of slots (and arrays) stay in use.
   */
  #settle(slot: DeadlineSlot, generation: number, index: number): boolean {
    if (generation !== slot.generation) return false
    slot.calls[index] = undefined
    if (--slot.open === 0) {
      if (slot === this.#last) slot.recycle()
      else {
        this.#slots.delete(slot.slot)
        this.#release(slot, timedOut)
      }
    }
    return true
  }

  #start(): void {
    this.#timer = setInterval(() => this.#sweep(), this.#resolutionMs)
    this.#timer.unref()
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Rejects the open calls of every slot that has ended; recycles slots with none open. */
  #sweep(): void {
    const now = performance.now()
    for (const [number, slot] of this.#slots) {
      if (number * this.#resolutionMs <= now) {
        this.#slots.delete(number)
        this.#release(slot, timedOut)
      }
    }
    if (this.#slots.size === 0) this.#stop()
  }

  /** Rejects what is still open in `slot` and keeps the slot for reuse. */
  #release(slot: DeadlineSlot, reason: Parameters<DeadlineSlot['rejectOpen']>[0]): void {
    if (slot.open > 0) slot.rejectOpen(reason)
    else slot.recycle()
    if (this.#last === slot) this.#last = undefined
    this.#spare.push(slot)
  }
}

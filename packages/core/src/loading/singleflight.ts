import { LoadAudience } from './load-audience.js'

/** A read or load in flight, and the callers waiting on it. */
export interface Flight<V> {
  readonly promise: Promise<V | undefined>
  readonly audience: LoadAudience
}

/**
 * One read-or-load per key per process: a caller that finds a key in flight joins its
 * promise instead of starting another.
 */
export class Singleflight<V> {
  readonly #inflight = new Map<string, Flight<V>>()

  /** The read or load in flight for `k`, if any. */
  pending(k: string): Flight<V> | undefined {
    return this.#inflight.get(k)
  }

  /** Joins the flight of `k` as a caller with `signal` (see `LoadAudience.attend`). */
  join(flight: Flight<V>, signal: AbortSignal | undefined): Promise<V | undefined> {
    return flight.audience.attend(flight.promise, signal)
  }

  /**
   * Registers `pending` as the flight of `k` until it settles, with `audience` as its callers
   * (a new one by default); returns what the first caller, with `signal`, waits on.
   */
  track(
    k: string,
    pending: Promise<V | undefined>,
    audience: LoadAudience = new LoadAudience(),
    signal?: AbortSignal,
  ): Promise<V | undefined> {
    this.register(k, pending, audience)
    return audience.attend(pending, signal)
  }

  /** Registers `pending` as the flight of `k` until it settles, joined by no caller yet. */
  register(k: string, pending: Promise<V | undefined>, audience: LoadAudience): void {
    const flight: Flight<V> = { promise: pending, audience }
    this.#inflight.set(k, flight)
    const done = (): void => {
      if (this.#inflight.get(k) === flight) this.#inflight.delete(k)
    }
    pending.then(done, done)
  }
}

/**
 * One read-or-load per key per process: a caller that finds a key in flight joins its
 * promise instead of starting another.
 */
export class Singleflight<V> {
  readonly #inflight = new Map<string, Promise<V | undefined>>()

  /** The read or load in flight for `k`, if any. */
  pending(k: string): Promise<V | undefined> | undefined {
    return this.#inflight.get(k)
  }

  /** Registers `pending` as the flight of `k` until it settles; returns it. */
  track(k: string, pending: Promise<V | undefined>): Promise<V | undefined> {
    this.#inflight.set(k, pending)
    const done = (): void => {
      if (this.#inflight.get(k) === pending) this.#inflight.delete(k)
    }
    pending.then(done, done)
    return pending
  }
}

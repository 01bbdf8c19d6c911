/** A clock the tests move by hand. Pass the same instance to the provider under test. */
export interface ManualClock {
  now(): number
  /** Moves time forward by `ms`. */
  advance(ms: number): void
}

/** Creates a manual clock starting at `start` (epoch ms). */
export function createManualClock(start = Date.UTC(2030, 0, 1)): ManualClock {
  let time = start
  return {
    now: () => time,
    advance: (ms: number) => {
      if (!(ms >= 0)) throw new RangeError(`advance() needs ms >= 0, got ${ms}`)
      time += ms
    },
  }
}

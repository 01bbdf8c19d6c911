import type { BusSubscriber, InvalidationMessage } from '@cacheport/core'

/** A bus subscriber that records what it is told, and can wait for it. */
export interface Recorder extends BusSubscriber {
  readonly messages: InvalidationMessage[]
  /** `interrupted` / `resumed`, in order. */
  readonly events: ('interrupted' | 'resumed')[]
  /** Waits until a recorded message satisfies `match`; rejects after `ms`. */
  received(match: (m: InvalidationMessage) => boolean, ms?: number): Promise<InvalidationMessage>
  /** Waits until `events` has at least `count` entries; rejects after `ms`. */
  eventCount(count: number, ms?: number): Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `check` every 10 ms until it holds; throws `what` after `ms`. */
export async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await sleep(10)
  }
}

export function recorder(): Recorder {
  const messages: InvalidationMessage[] = []
  const events: ('interrupted' | 'resumed')[] = []
  return {
    messages,
    events,
    message: (message) => {
      messages.push(message)
    },
    received: (match, ms = 5_000) =>
      waitFor(() => messages.some(match), ms, 'bus message').then(
        () => messages.find(match) as InvalidationMessage,
      ),
    interrupted: () => {
      events.push('interrupted')
    },
    resumed: () => {
      events.push('resumed')
    },
    eventCount: (count, ms = 20_000) =>
      waitFor(() => events.length >= count, ms, `${count} bus events (got ${events.join(',')})`),
  }
}

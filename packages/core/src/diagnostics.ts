/**
 * The `node:diagnostics_channel` names core publishes on. Observability packages
 * (`@cacheport/opentelemetry`, `@cacheport/prometheus`) subscribe to them; core depends on
 * none of them. Every publish is guarded by `hasSubscribers`: with no subscriber no message
 * object is built.
 */
import {
  type Channel,
  channel,
  type TracingChannel,
  tracingChannel,
} from 'node:diagnostics_channel'
import type { TierName } from './stats.js'

/** The traced `Cache` operations: each has a TracingChannel `cacheport:cache.<operation>`. */
export const CACHE_OPERATIONS = [
  'get',
  'getOrSet',
  'getMany',
  'getOrSetMany',
  'set',
  'setMany',
  'delete',
  'deleteMany',
  'invalidateTags',
  'clear',
  'compute',
] as const

/** One traced `Cache` operation. */
export type CacheOperation = (typeof CACHE_OPERATIONS)[number]

/**
 * The message of a traced operation (`start`, `end`, `asyncStart`, `asyncEnd`, `error`). The
 * same object travels through every phase; read-outcome fields are filled in before
 * `asyncEnd`. `result` and `error` are set by `TracingChannel.tracePromise`.
 */
export interface CacheOperationMessage {
  readonly namespace: string
  readonly operation: CacheOperation
  /** The encoded key of a single-key operation. */
  readonly key?: string
  /** The encoded keys of a batch operation. */
  readonly keys?: readonly string[]
  /** The tags of `invalidateTags`. */
  readonly tags?: readonly string[]
  /** Single-key reads: whether the call was answered from the cache. */
  hit?: boolean
  /** Single-key reads: the tier that held the entry (`l1` or `l2`), when one did. */
  tier?: TierName
  /** `getOrSet`: the caller joined a read or load already in flight. */
  joined?: boolean
  /** `getOrSet`: a stale value was served within grace. */
  stale?: boolean
  /** Batch reads: keys answered from the cache, and keys missed. */
  hits?: number
  misses?: number
  /** Set by the TracingChannel. */
  result?: unknown
  error?: unknown
}

/**
 * The message of `cacheport:cache.load`: one loader call (a bulk loader of `getOrSetMany`
 * counts once, with `keys`). The loader runs inside this channel's `start` stores, so a
 * subscriber that binds a context store (OpenTelemetry does) makes the loader's work a child
 * of the load span.
 */
export interface CacheLoadMessage {
  readonly namespace: string
  readonly operation: 'load'
  readonly key?: string
  readonly keys?: readonly string[]
  result?: unknown
  error?: unknown
}

/** `cacheport:breaker`: the L2 circuit breaker of a namespace changed state. */
export interface BreakerMessage {
  readonly namespace: string
  readonly state: 'open' | 'half-open' | 'closed'
  readonly failures: number
}

/** `cacheport:bus`: something happened on a multilevel namespace's invalidation bus. */
export interface BusMessage {
  readonly namespace: string
  readonly event:
    | 'published'
    | 'publish-failed'
    | 'publish-retry'
    | 'publish-given-up'
    | 'received'
    | 'interrupted'
    | 'resumed'
  /** Keys the invalidation named (none for tags or clear). */
  readonly keys?: readonly string[]
}

/** `cacheport:lock`: the distributed stampede lock. */
export interface LockMessage {
  readonly namespace: string
  readonly key: string
  readonly event: 'acquired' | 'wait' | 'timeout' | 'failure'
}

/** `cacheport:error`: an `error` event (something failed without failing the call). */
export interface ErrorMessage {
  readonly namespace: string
  readonly key: string | undefined
  readonly operation: string
  /** The `CacheError` code, or `LOADER_ERROR` / `UNKNOWN`. */
  readonly code: string
  readonly error: Error
}

/** Every channel name core publishes on. */
export const CHANNEL_NAMES = Object.freeze({
  /** `cacheport:cache.<operation>` TracingChannel names by operation. */
  operation: (operation: CacheOperation): string => `cacheport:cache.${operation}`,
  load: 'cacheport:cache.load',
  breaker: 'cacheport:breaker',
  bus: 'cacheport:bus',
  lock: 'cacheport:lock',
  error: 'cacheport:error',
})

/** The TracingChannel of each operation. */
export const operationChannels: {
  readonly [O in CacheOperation]: TracingChannel<unknown, CacheOperationMessage>
} = Object.fromEntries(
  CACHE_OPERATIONS.map((o) => [o, tracingChannel(CHANNEL_NAMES.operation(o))]),
) as never

/** The TracingChannel of loader calls. */
export const loadChannel: TracingChannel<unknown, CacheLoadMessage> = tracingChannel(
  CHANNEL_NAMES.load,
)
export const breakerChannel: Channel<unknown, BreakerMessage> = channel(
  CHANNEL_NAMES.breaker,
) as never
export const busChannel: Channel<unknown, BusMessage> = channel(CHANNEL_NAMES.bus) as never
export const lockChannel: Channel<unknown, LockMessage> = channel(CHANNEL_NAMES.lock) as never
export const errorChannel: Channel<unknown, ErrorMessage> = channel(CHANNEL_NAMES.error) as never

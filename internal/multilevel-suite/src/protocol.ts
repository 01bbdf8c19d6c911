import type { NamespaceOptions } from '@cacheport/core'

/** Where a worker connects, and how its L1 learns about changes. */
export interface BackendSpec {
  readonly provider: 'redis' | 'valkey' | 'redis-cluster' | 'valkey-cluster'
  readonly url?: string
  readonly nodes?: readonly { readonly host: string; readonly port: number }[]
  readonly invalidation?: 'pubsub' | 'tracking'
  readonly keyPrefix?: string
  /** ACL user the worker connects as. */
  readonly username?: string
  readonly password?: string
}

/** What the parent asks a worker to do. */
export type Request =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'set'; readonly key: string; readonly value: unknown; readonly tags?: string[] }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'invalidateTags'; readonly tags: string[] }
  | { readonly op: 'clear' }
  | { readonly op: 'l1Has'; readonly key: string }
  | {
      readonly op: 'storm'
      readonly key: string
      readonly concurrency: number
      readonly loaderMs: number
    }
  /**
   * getOrSet with a loader that reports `loading` (keys: [key]) and returns `value` only once
   * a `release` of the key arrives. Resolves to what getOrSet returned.
   */
  | {
      readonly op: 'slowLoad'
      readonly key: string
      readonly value: unknown
      readonly tags?: string[]
    }
  /** As `slowLoad`, through `cache.refresh`. */
  | { readonly op: 'slowRefresh'; readonly key: string; readonly value: unknown }
  | { readonly op: 'release'; readonly key: string }
  /** The value the provider (L2) holds for `key`, decoded, past any L1 (`null` when absent). */
  | { readonly op: 'l2Get'; readonly key: string }
  /**
   * `rounds` getOrSetMany calls of `keys` at once; the bulk loader takes `loaderMs`. Resolves
   * to the keys this worker's loaders were asked for and the values every call got.
   */
  | {
      readonly op: 'bulkStorm'
      readonly keys: string[]
      readonly calls: number
      readonly loaderMs: number
    }
  | { readonly op: 'close' }
  /** getOrSet of `keys`, one after another, each loading its index. */
  | { readonly op: 'warm'; readonly keys: string[] }

/** A worker's answer to request `id`. */
export interface Reply {
  readonly id: number
  readonly ok: boolean
  readonly result?: unknown
  readonly error?: string
  /** Wall-clock ms (performance.timeOrigin + performance.now()) when the operation started. */
  readonly startedAt: number
  /** Wall-clock ms when the operation ended. */
  readonly at: number
}

/** An event a worker reports as it happens. */
export interface WorkerEvent {
  readonly event: 'invalidate' | 'bus' | 'error' | 'ready' | 'loading'
  readonly at: number
  readonly keys?: readonly string[]
  readonly detail?: string
}

export interface WorkerConfig {
  readonly backend: BackendSpec
  readonly namespace: NamespaceOptions<string, 'local' | 'l2'>
}

/** Milliseconds on a clock every process on this machine shares. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now()
}

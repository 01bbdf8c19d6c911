import type { ComputeRunner } from './compute.js'
import type { EntryOperations } from './entry-operations.js'
import type { EntryPolicy } from './entry-policy.js'
import type { InProcessRead } from './in-process-read.js'
import type { LoadRunner } from './loading/load-runner.js'
import type { BulkLoad } from './loading/locked-bulk-load.js'
import type { ReadOrLoad } from './loading/read-or-load.js'
import type { Refresher } from './loading/refresh.js'
import type { LockedLoad, Revalidation } from './loading/revalidation.js'
import type { Singleflight } from './loading/singleflight.js'
import type { Overtake } from './namespace-assembly.js'
import type { NamespaceSettings } from './namespace-settings.js'
import type { KeyCodec, ProviderCapabilities, Store } from './ports.js'
import type { NamespaceReporter } from './reporter.js'
import type { SearchRunner } from './search/search-runner.js'
import type { SimilarCache } from './search/similar.js'
import type { TierHandler } from './tiers/tier-handler.js'

/** The parts of one namespace, built by `assembleNamespace`. */
export interface CacheParts<K, V> {
  readonly namespace: string
  readonly providerName: string
  readonly capabilities: ProviderCapabilities
  readonly settings: NamespaceSettings
  readonly store: Store<unknown>
  readonly keyCodec: KeyCodec<K>
  readonly policy: EntryPolicy
  readonly reporter: NamespaceReporter
  readonly tiers: TierHandler<V>
  readonly singleflight: Singleflight<V>
  readonly runner: LoadRunner<K, V>
  /** Runs a load, under the distributed lock when the namespace has one. */
  readonly load: LockedLoad<K, V>
  /** Runs a bulk load, under the distributed lock when the namespace has one. */
  readonly bulkLoad: BulkLoad<K, V>
  /** `refresh` and `refreshMany`. */
  readonly refresher: Refresher<K, V>
  readonly revalidation: Revalidation<K, V>
  readonly overtake: Overtake
  /** What a `getOrSet` lookup leads to: a hit (maybe refreshing ahead), stale, or a load. */
  readonly decide: ReadOrLoad<K, V>
  readonly compute: ComputeRunner<V>
  /** has, getEntry, ttl, expire/touch and entries. */
  readonly entryOperations: EntryOperations<K, V>
  /** `peek`: the synchronous read of the in-process first tier (closed with the service). */
  readonly inProcess: InProcessRead<K, V>
  /** True when the cache reports removals itself (the provider's store does not). */
  readonly reportRemovals: boolean
  /** Shared with the service: `closed` flips when the service closes. */
  readonly state: { readonly closed: boolean }
  /** Runs searches; `undefined` when the namespace has no search schema. */
  readonly search?: SearchRunner<K, V> | undefined
  /** Semantic caching over the namespace's VECTOR field; `undefined` without search. */
  readonly similar?: SimilarCache<V> | undefined
}

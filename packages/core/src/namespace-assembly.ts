import { BusCoherence } from './bus-coherence.js'
import { Cache } from './cache.js'
import { providerPort } from './capabilities.js'
import { ComputeRunner } from './compute.js'
import { type EntryCodec, liveEntryCodec } from './entry-codec.js'
import { EntryOperations } from './entry-operations.js'
import { type Clock, EntryPolicy } from './entry-policy.js'
import { CacheClosedError, CacheConfigError } from './errors.js'
import type { CacheEvents } from './events.js'
import { InProcessRead } from './in-process-read.js'
import { stringKeys } from './keys.js'
import { signalOf } from './loading/load-control.js'
import { LoadRunner } from './loading/load-runner.js'
import { type BulkLoad, LockedBulkLoad } from './loading/locked-bulk-load.js'
import { ReadOrLoad } from './loading/read-or-load.js'
import { Refresher, type Reload } from './loading/refresh.js'
import { RefreshAhead } from './loading/refresh-ahead.js'
import { type LockedLoad, Revalidation } from './loading/revalidation.js'
import { Singleflight } from './loading/singleflight.js'
import { StampedeLock } from './loading/stampede-lock.js'
import type { ServiceLog } from './logger.js'
import type { NamespaceSettings } from './namespace-settings.js'
import type { CacheProvider, KeyCodec, Store, StoreBusEvent } from './ports.js'
import { NamespaceReporter } from './reporter.js'
import { FieldExtractor } from './search/extract.js'
import { SearchRunner } from './search/search-runner.js'
import { SimilarCache } from './search/similar.js'
import { L1Tier } from './tiers/l1-tier.js'
import { L2Guard } from './tiers/l2-guard.js'
import { ProviderTier } from './tiers/provider-tier.js'
import { SingleTier } from './tiers/single-tier.js'
import type { TierHandler } from './tiers/tier-handler.js'
import { TwoTier } from './tiers/two-tier.js'
import { TracedCache } from './traced-cache.js'

/** Everything the service resolved and opened for one namespace. */
export interface NamespaceInputs {
  readonly name: string
  readonly settings: NamespaceSettings
  readonly provider: CacheProvider
  readonly store: Store<unknown>
  readonly codec: EntryCodec<unknown>
  /** The L1 store of a multilevel namespace. */
  readonly l1Store: Store<unknown> | undefined
  readonly clock: Clock
  readonly random: () => number
  /** The namespace's emitter (its parent is the service's). */
  readonly events: CacheEvents
  /** The service's logger (silent unless the application passed one). */
  readonly log: ServiceLog
  /** False to publish nothing on the diagnostics channels (option `diagnostics`). */
  readonly diagnostics: boolean
  readonly state: { readonly closed: boolean }
  /** Registers what the service calls when it closes. */
  readonly onClose: (dispose: () => Promise<void>) => void
}

/**
 * Builds a namespace's `Cache` from its parts: the tier handler of its topology (with the
 * breaker guarding the provider, and the bus keeping L1 coherent), the load runner, the
 * stampede lock, revalidation and compute. Throws `CacheConfigError` when a multilevel
 * namespace needs a bus its provider does not have.
 */
export function assembleNamespace<K, V>(inputs: NamespaceInputs): Cache<V, K> {
  const { name, settings, provider, store } = inputs
  const reporter = new NamespaceReporter(name, inputs.events, inputs.clock, inputs.log)
  const policy = new EntryPolicy({
    settings,
    capabilities: provider.capabilities,
    providerName: settings.provider,
    clock: inputs.clock,
    random: inputs.random,
  })
  const guard =
    settings.breaker === undefined
      ? undefined
      : new L2Guard({
          settings: settings.breaker,
          clock: inputs.clock,
          reporter,
          providerName: settings.provider,
        })
  if (guard !== undefined) reporter.stats.breakerState = 'closed'
  const providerTier = new ProviderTier<V>({
    store: inputs.store,
    codec: inputs.codec,
    guard,
    policy,
    reporter,
    // Only the store of record indexes fields: L1 copies are never searched.
    extractor: settings.search === undefined ? undefined : new FieldExtractor(settings.search),
  })
  // Late-bound: the bus listener and the tiers refer to each other.
  let parts!: { tiers: TwoTier<V>; lock: StampedeLock<K, V> | undefined; overtake: Overtake }
  let tiers: TierHandler<V>
  if (inputs.l1Store === undefined) {
    tiers = new SingleTier<V>({ provider: providerTier, policy, reporter })
  } else {
    const l1 = new L1Tier({
      store: inputs.l1Store,
      providerCodec: inputs.codec,
      liveCodec: liveEntryCodec as EntryCodec<unknown>,
      maxTtlMs: settings.l1?.maxTtlMs,
      live: !settings.bus,
      clock: inputs.clock,
      reporter,
    })
    const bus = settings.bus
      ? new BusCoherence({
          bus: busOf(name, settings.provider, provider),
          reporter,
          isClosed: () => inputs.state.closed,
          onClose: inputs.onClose,
          listener: {
            keysChanged: (keys) => {
              store.busEvent?.({ kind: 'keys', keys })
              parts.tiers.dropCopies(keys)
              for (const k of keys) {
                parts.overtake.key(k)
                parts.lock?.wake(k)
              }
            },
            everythingChanged: () => {
              store.busEvent?.(EVERYTHING)
              parts.tiers.dropAllCopies()
              parts.overtake.all()
              parts.lock?.wakeAll()
            },
            interrupted: () => {
              store.busEvent?.(INTERRUPTED)
              parts.tiers.dropAllCopies({ bypass: true })
              parts.overtake.all()
              parts.lock?.wakeAll()
            },
            resumed: () => {
              store.busEvent?.(LIVE)
              parts.overtake.all()
              parts.tiers.trustAgain()
            },
          },
        })
      : undefined
    if (bus !== undefined && store.busEvent !== undefined) {
      // The store learns from the bus only while it is live (see `Store.busEvent`).
      void bus.ready.then(() => {
        if (!inputs.state.closed) store.busEvent?.(LIVE)
      })
      inputs.onClose(async () => store.busEvent?.(INTERRUPTED))
    }
    tiers = new TwoTier<V>({
      l1,
      provider: providerTier,
      policy,
      reporter,
      bus,
      admit: settings.l1?.admit ?? 'always',
    })
  }
  const keyCodec = settings.keyCodec as KeyCodec<K>
  const reportRemovals = !subscribeRemovals(inputs, reporter)
  const runner = new LoadRunner<K, V>({ tiers, policy, reporter, keyCodec })
  const lock =
    settings.lock === undefined
      ? undefined
      : new StampedeLock<K, V>({
          port: providerPort(provider, 'lock'),
          settings: settings.lock,
          tiers,
          runner,
          policy,
          reporter,
        })
  inputs.onClose(async () => runner.close(new CacheClosedError('cache service')))
  // Under the lock, the fence is captured after the lock is held, together with a re-read.
  const load: LockedLoad<K, V> = (k, key, loader, options, staleSince, signal, read) =>
    lock === undefined || guard?.open === true
      ? runner.load(k, key, loader, options, signal, read)
      : lock.load(k, key, loader, options, staleSince, signalOf(signal))
  const lockedBulk =
    lock === undefined || settings.lock === undefined
      ? undefined
      : new LockedBulkLoad<K, V>({
          port: providerPort(provider, 'lock'),
          ttlMs: settings.lock.ttlMs,
          lock,
          runner,
          tiers,
          policy,
          reporter,
          keyCodec,
        })
  const bulkLoad: BulkLoad<K, V> = (fresh, original, loader, options, signal, since) =>
    lockedBulk === undefined || guard?.open === true
      ? runner.loadMany(fresh, original, loader, options, signal)
      : lockedBulk.load(fresh, original, loader, options, signal, since)
  const reload: Reload<K, V> = (k, key, loader, options, since, signal) =>
    lock === undefined || guard?.open === true
      ? runner.load(k, key, loader, options, signal)
      : lock.reload(k, key, loader, options, since, signal)
  const singleflight = new Singleflight<V>()
  const refresher = new Refresher<K, V>({
    loads: singleflight,
    runner,
    reload,
    bulkLoad,
    policy,
    reporter,
  })
  const revalidation = new Revalidation<K, V>({ grace: settings.grace, policy, reporter, load })
  const overtake: Overtake = {
    key: (k) => {
      tiers.overtake(k)
      runner.overtake(k)
      revalidation.forget(k)
    },
    all: () => {
      tiers.overtakeAll()
      runner.overtakeAll()
      revalidation.forgetAll()
    },
  }
  if (tiers instanceof TwoTier) {
    parts = { tiers, lock, overtake }
  }
  const searchRunner =
    settings.search === undefined
      ? undefined
      : new SearchRunner<K, V>({
          settings: settings.search,
          provider: providerTier,
          policy,
          reporter,
          keyCodec,
        })
  const identityKeys = settings.keyCodec === stringKeys
  const inProcess = new InProcessRead<K, V>({
    first: tiers.inProcessTier,
    keyCodec: identityKeys ? undefined : keyCodec,
    maxKeyBytes: settings.maxKeyBytes,
    policy,
    reporter,
    namespace: name,
    providerName: settings.provider,
  })
  inputs.onClose(async () => inProcess.close())
  const cache = new (inputs.diagnostics ? TracedCache : Cache)<V, K>(
    {
      namespace: name,
      providerName: settings.provider,
      capabilities: provider.capabilities,
      settings,
      store: inputs.store,
      keyCodec,
      policy,
      reporter,
      tiers,
      singleflight,
      runner,
      load,
      bulkLoad,
      refresher,
      revalidation,
      overtake,
      decide: new ReadOrLoad<K, V>({
        namespace: name,
        policy,
        reporter,
        revalidation,
        load,
        hardTimeoutMs: settings.hardTimeoutMs,
        refreshAhead:
          settings.refreshAhead === undefined
            ? undefined
            : new RefreshAhead({
                beta: settings.refreshAhead.beta,
                policy,
                meanLoadMs: () => runner.meanLoadMs,
              }),
      }),
      compute: new ComputeRunner<V>({
        overtake: overtake.key,
        provider: providerTier,
        tiers,
        policy,
        reporter,
        reportRemovals,
        retries: settings.computeRetries,
      }),
      entryOperations: new EntryOperations<K, V>({
        tiers,
        provider: providerTier,
        policy,
        reporter,
        keyCodec,
        providerName: settings.provider,
        retries: settings.computeRetries,
      }),
      inProcess,
      reportRemovals,
      state: inputs.state,
      search: searchRunner,
      similar:
        settings.search === undefined || searchRunner === undefined
          ? undefined
          : new SimilarCache<V>({
              settings: settings.search,
              runner: searchRunner as SearchRunner<unknown, V>,
              tiers,
              policy,
              reporter,
              lock:
                settings.lock === undefined
                  ? undefined
                  : { port: providerPort(provider, 'lock'), settings: settings.lock },
            }),
    },
    { identityKeys },
  )
  if (tiers instanceof TwoTier) tiers.start()
  return cache
}

const LIVE: StoreBusEvent = Object.freeze({ kind: 'live' })
const INTERRUPTED: StoreBusEvent = Object.freeze({ kind: 'interrupted' })
const EVERYTHING: StoreBusEvent = Object.freeze({ kind: 'everything' })

/**
 * Hears the removals of a store that reports them (in-process stores), as `removal` events
 * built only while someone listens. Returns false when the store does not report them: the
 * cache then reports what this process removed.
 */
function subscribeRemovals(inputs: NamespaceInputs, reporter: NamespaceReporter): boolean {
  const store = inputs.store
  if (store.onRemoval === undefined) return false
  const events = reporter.events
  const stop = store.onRemoval((key, cause) => reporter.removed(key, cause), {
    wanted: () => events.has('removal'),
  })
  inputs.onClose(async () => stop())
  return true
}

/** Marks reads and loads in flight as overtaken by a write, delete or invalidation. */
export interface Overtake {
  key(k: string): void
  all(): void
}

function busOf(name: string, providerName: string, provider: CacheProvider) {
  if (provider.capabilities.bus !== true) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `namespace '${name}': a multilevel namespace keeps L1 coherent through the bus of its provider, and '${providerName}' has none; pass bus: false to accept that other processes' writes reach L1 only when entries expire`,
    )
  }
  return providerPort(provider, 'bus')
}

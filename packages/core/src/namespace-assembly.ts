import { BusCoherence } from './bus-coherence.js'
import { Cache } from './cache.js'
import { providerPort } from './capabilities.js'
import { ComputeRunner } from './compute.js'
import { type EntryCodec, liveEntryCodec } from './entry-codec.js'
import { type Clock, EntryPolicy } from './entry-policy.js'
import { CacheConfigError } from './errors.js'
import type { CacheEvents } from './events.js'
import { stringKeys } from './keys.js'
import { LoadRunner } from './loading/load-runner.js'
import { ReadOrLoad } from './loading/read-or-load.js'
import { RefreshAhead } from './loading/refresh-ahead.js'
import { type LockedLoad, Revalidation } from './loading/revalidation.js'
import { Singleflight } from './loading/singleflight.js'
import { StampedeLock } from './loading/stampede-lock.js'
import type { ServiceLog } from './logger.js'
import type { NamespaceSettings } from './namespace-settings.js'
import type { CacheProvider, KeyCodec, Store } from './ports.js'
import { NamespaceReporter } from './reporter.js'
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
  const { name, settings, provider } = inputs
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
              parts.tiers.dropCopies(keys)
              for (const k of keys) {
                parts.overtake.key(k)
                parts.lock?.wake(k)
              }
            },
            everythingChanged: () => {
              parts.tiers.dropAllCopies()
              parts.overtake.all()
              parts.lock?.wakeAll()
            },
            interrupted: () => {
              parts.tiers.dropAllCopies({ bypass: true })
              parts.overtake.all()
              parts.lock?.wakeAll()
            },
            resumed: () => {
              parts.overtake.all()
              parts.tiers.trustAgain()
            },
          },
        })
      : undefined
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
  const load: LockedLoad<K, V> = (k, key, loader, options, staleSince) =>
    lock === undefined || guard?.open === true
      ? runner.load(k, key, loader, options)
      : lock.load(k, key, loader, options, staleSince)
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
      singleflight: new Singleflight<V>(),
      runner,
      load,
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
      }),
      state: inputs.state,
    },
    { identityKeys: settings.keyCodec === stringKeys },
  )
  if (tiers instanceof TwoTier) tiers.start()
  return cache
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

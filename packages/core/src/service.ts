import { Cache, type CacheConfig, type Clock, type L1Config, type LockConfig } from './cache.js'
import { providerPort } from './capabilities.js'
import { type Duration, parseDuration, resolveTtl } from './duration.js'
import {
  createEncodingRegistry,
  type EncodingRegistry,
  isEncodingRegistry,
} from './encoding-registry.js'
import { bytesEntryCodec, type EntryCodec, liveEntryCodec } from './entry-codec.js'
import { CacheClosedError, CacheConfigError } from './errors.js'
import { type CacheEventListener, type CacheEventName, CacheEvents } from './events.js'
import { DEFAULT_MAX_KEY_BYTES, stringKeys } from './keys.js'
import { ValuePipeline } from './pipeline.js'
import type { CacheProvider, Encoder, KeyCodec, Store, Transformer } from './ports.js'

/** Settings every namespace inherits unless it overrides them. */
export interface NamespaceDefaults {
  /** Default TTL; omitted or `null`: entries do not expire. */
  readonly ttl?: Duration | null
  /** TTL of cached "not found" results; defaults to `ttl`. */
  readonly negativeTtl?: Duration | null
  /** TTL spread as a fraction (0.1 = ±10%, the default); `0` turns it off. */
  readonly jitter?: number
  /** Longest encoded key, in UTF-8 bytes. Default 1024. */
  readonly maxKeyBytes?: number
  /** Optimistic `compute` retries. Default 10. */
  readonly computeRetries?: number
}

/** Options of one namespace. */
export interface NamespaceOptions<K> extends NamespaceDefaults {
  /** Provider name; defaults to the service's `defaultProvider`. */
  readonly provider?: string
  /** Maps typed keys to strings; defaults to string keys. */
  readonly keyCodec?: KeyCodec<K>
  /** Overrides the service encoder for this namespace (bytes providers only). */
  readonly encoder?: Encoder | EncodingRegistry
  /** Overrides the service transformers for this namespace (bytes providers only). */
  readonly transformers?: readonly Transformer[]
  /**
   * Makes the namespace multilevel: the name of an in-process provider (for example a
   * `memoryProvider({ values: 'live' })`) used as L1 in front of `provider` as L2, or an
   * object that also caps how long an entry stays in L1.
   */
  readonly l1?: string | L1Options
  /**
   * Keep L1 coherent across processes through the L2 provider's invalidation bus. Default
   * `true` for multilevel namespaces, which then need a provider with the `bus` capability;
   * `false` accepts that other processes' writes reach this L1 only when its entries expire
   * (set `l1.maxTtl` to bound that).
   */
  readonly bus?: boolean
  /** One loader per key across processes, through the provider's distributed lock. */
  readonly lock?: boolean | LockOptions
  /**
   * How long after its TTL a value may still be served stale by `getOrSet` while it is
   * refreshed (stale-while-revalidate). The store keeps entries for TTL + grace.
   */
  readonly grace?: Duration | null
  /** With grace: how long a caller holding a stale value waits for the refresh. Default 0. */
  readonly softTimeout?: Duration | 0
  /** How long a caller with no stale value waits for the loader before a `CacheTimeoutError`. */
  readonly hardTimeout?: Duration | null
  /** With grace: after a failed refresh, serve the stale value this long before retrying. Default 10 s. */
  readonly graceBackoff?: Duration
  /** XFetch refresh-ahead: refresh hot keys shortly before they expire. */
  readonly refreshAhead?: boolean | { readonly beta?: number }
  /** Circuit breaker in front of the provider (the L2 of a multilevel namespace). */
  readonly breaker?: boolean | BreakerOptions
}

/** The `l1` option in full. */
export interface L1Options {
  readonly provider: string
  /** Longest time an entry stays in L1. Default: as long as in L2. */
  readonly maxTtl?: Duration | null
}

/** The `lock` option in full. */
export interface LockOptions {
  /** The lock expires by itself after this long (longer than a load). Default 30 s. */
  readonly ttl?: Duration
  /** How long a caller waits for the lock. Default 10 s. */
  readonly wait?: Duration | 0
  /** After `wait`: run the loader anyway (`'load'`, the default) or reject with `CacheLockTimeoutError`. */
  readonly onTimeout?: 'load' | 'error'
}

/** The `breaker` option in full. */
export interface BreakerOptions {
  /** Consecutive backend failures (never misses) that open the circuit. Default 5. */
  readonly failures?: number
  /** How long the circuit stays open before a probe. Default 10 s. */
  readonly cooldown?: Duration
}

/** Options of `createCacheService`. */
export interface CacheServiceOptions {
  /** The providers, by the name namespaces refer to them with. */
  readonly providers: Readonly<Record<string, CacheProvider>>
  /** Provider of namespaces that name none. Required when there is more than one provider. */
  readonly defaultProvider?: string
  /** Encoder, or registry of encoders, for providers that store bytes. */
  readonly encoder?: Encoder | EncodingRegistry
  /** Byte transformers (compression, encryption); applied by priority, not list order. */
  readonly transformers?: readonly Transformer[]
  /** Defaults for every namespace. */
  readonly defaults?: NamespaceDefaults
  /** Time source for created-at and logical expiry (tests inject a fake one). */
  readonly clock?: Clock
  /** Random source for TTL jitter, in [0, 1). */
  readonly random?: () => number
}

/** The provider registry and namespace factory an application builds at bootstrap. */
export interface CacheService {
  /** Names of the registered providers. */
  readonly providerNames: readonly string[]
  /** Name of the default provider. */
  readonly defaultProvider: string
  /**
   * Opens the typed cache of one namespace. Opening the same name again with the same options
   * returns the same instance; with different options it throws `CacheConfigError`
   * (`NAMESPACE_CONFLICT`). Throws `CacheConfigError` for an invalid name (`INVALID_NAMESPACE`),
   * an unknown provider (`UNKNOWN_PROVIDER`), an invalid option (`INVALID_OPTION`) or a bytes
   * provider with no encoder; `CacheTtlError` for an invalid TTL.
   */
  namespace<V, K = string>(name: string, options?: NamespaceOptions<K>): Cache<K, V>
  /** The provider registered under `name`; throws `CacheConfigError` (`UNKNOWN_PROVIDER`). */
  provider(name: string): CacheProvider
  /** Listens to the events of every namespace. */
  on<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): () => void
  /** Removes a listener added with `on`. */
  off<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): void
  /** Closes every provider. Later calls on any namespace reject with `CacheClosedError`. */
  close(): Promise<void>
  readonly closed: boolean
}

const NAMESPACE_NAME = /^[A-Za-z0-9_.\-/]{1,128}$/

interface ResolvedNamespace {
  readonly provider: string
  readonly ttl: number | undefined
  readonly negativeTtl: number | undefined
  readonly jitter: number
  readonly maxKeyBytes: number
  readonly computeRetries: number
  readonly keyCodec: KeyCodec<unknown>
  readonly encoder: Encoder | EncodingRegistry | undefined
  readonly transformers: readonly Transformer[] | undefined
  readonly l1Provider: string | undefined
  readonly l1MaxTtlMs: number | undefined
  readonly bus: boolean
  readonly lockTtlMs: number | undefined
  readonly lockWaitMs: number | undefined
  readonly lockOnTimeout: 'load' | 'error' | undefined
  readonly graceMs: number | undefined
  readonly softTimeoutMs: number
  readonly hardTimeoutMs: number | undefined
  readonly graceBackoffMs: number
  readonly refreshBeta: number | undefined
  readonly breakerFailures: number | undefined
  readonly breakerCooldownMs: number | undefined
}

/**
 * Builds the cache service: validates the providers and defaults, then opens namespaces on
 * demand. Throws `CacheConfigError` for an empty provider map, a provider that does not look
 * like one, or an unknown or missing `defaultProvider`.
 */
export function createCacheService(options: CacheServiceOptions): CacheService {
  return new CacheServiceImpl(options)
}

class CacheServiceImpl implements CacheService {
  readonly providerNames: readonly string[]
  readonly defaultProvider: string
  readonly #providers: ReadonlyMap<string, CacheProvider>
  readonly #events = new CacheEvents()
  readonly #namespaces = new Map<
    string,
    { resolved: ResolvedNamespace; cache: Cache<unknown, unknown> }
  >()
  readonly #defaults: NamespaceDefaults
  readonly #encoder: Encoder | EncodingRegistry | undefined
  readonly #transformers: readonly Transformer[]
  readonly #clock: Clock
  readonly #random: () => number
  readonly #pipelines = new Map<string, ValuePipeline>()
  readonly #state = { closed: false }
  readonly #disposers: (() => Promise<void>)[] = []
  #closing: Promise<void> | undefined

  constructor(options: CacheServiceOptions) {
    if (options === null || typeof options !== 'object') {
      throw new CacheConfigError('INVALID_OPTION', 'createCacheService needs an options object')
    }
    const entries = Object.entries(options.providers ?? {})
    if (entries.length === 0) {
      throw new CacheConfigError('INVALID_OPTION', 'createCacheService needs at least one provider')
    }
    for (const [name, provider] of entries) {
      if (
        provider === null ||
        typeof provider !== 'object' ||
        typeof provider.openStore !== 'function' ||
        typeof provider.capabilities !== 'object'
      ) {
        throw new CacheConfigError('INVALID_OPTION', `provider '${name}' is not a CacheProvider`)
      }
    }
    this.#providers = new Map(entries)
    this.providerNames = entries.map(([name]) => name)
    if (options.defaultProvider !== undefined) {
      this.#provider(options.defaultProvider)
      this.defaultProvider = options.defaultProvider
    } else if (entries.length === 1) {
      this.defaultProvider = entries[0]![0]
    } else {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `defaultProvider is required when there are several providers (${this.providerNames.join(', ')})`,
      )
    }
    this.#defaults = options.defaults ?? {}
    this.#encoder = options.encoder
    this.#transformers = options.transformers ?? []
    for (const t of this.#transformers) checkTransformer(t)
    this.#clock = options.clock ?? Date
    this.#random = options.random ?? Math.random
    // Fail fast on bad defaults rather than at the first namespace.
    this.#resolve('default', {})
  }

  get closed(): boolean {
    return this.#state.closed
  }

  provider(name: string): CacheProvider {
    return this.#provider(name)
  }

  namespace<V, K = string>(name: string, options: NamespaceOptions<K> = {}): Cache<K, V> {
    if (this.#state.closed) throw new CacheClosedError('cache service')
    if (typeof name !== 'string' || !NAMESPACE_NAME.test(name)) {
      throw new CacheConfigError(
        'INVALID_NAMESPACE',
        `namespace name '${String(name)}' must be 1-128 characters of A-Z a-z 0-9 _ . - /`,
      )
    }
    const resolved = this.#resolve(name, options as NamespaceOptions<unknown>)
    const existing = this.#namespaces.get(name)
    if (existing !== undefined) {
      const diff = differingOption(existing.resolved, resolved)
      if (diff !== undefined) {
        throw new CacheConfigError(
          'NAMESPACE_CONFLICT',
          `namespace '${name}' is already open with a different '${diff}'`,
        )
      }
      return existing.cache as unknown as Cache<K, V>
    }
    const provider = this.#provider(resolved.provider)
    const store = provider.openStore({ namespace: name }) as Store<unknown>
    if (store.kind !== provider.capabilities.values) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `provider '${resolved.provider}' declares '${provider.capabilities.values}' values but opened a '${store.kind}' store`,
      )
    }
    let codec: EntryCodec<unknown>
    if (store.kind === 'live') {
      if (options.encoder !== undefined || options.transformers !== undefined) {
        throw new CacheConfigError(
          'INVALID_OPTION',
          `namespace '${name}': provider '${resolved.provider}' keeps live values, so encoder and transformers do not apply`,
        )
      }
      codec = liveEntryCodec as EntryCodec<unknown>
    } else {
      codec = bytesEntryCodec(this.#pipeline(name, resolved), name) as EntryCodec<unknown>
    }
    const l1 = this.#openL1(name, resolved, store.kind)
    const l2Provider = provider
    const config: CacheConfig<unknown> = {
      l1,
      bus: resolved.bus ? busOf(name, resolved.provider, l2Provider) : undefined,
      lock:
        resolved.lockTtlMs === undefined
          ? undefined
          : ({
              port: providerPort(l2Provider, 'lock'),
              ttlMs: resolved.lockTtlMs,
              waitMs: resolved.lockWaitMs ?? 0,
              onTimeout: resolved.lockOnTimeout ?? 'load',
            } satisfies LockConfig),
      grace:
        resolved.graceMs === undefined
          ? undefined
          : {
              graceMs: resolved.graceMs,
              softTimeoutMs: resolved.softTimeoutMs,
              backoffMs: resolved.graceBackoffMs,
            },
      hardTimeoutMs: resolved.hardTimeoutMs,
      refreshAhead: resolved.refreshBeta === undefined ? undefined : { beta: resolved.refreshBeta },
      breaker:
        resolved.breakerFailures === undefined
          ? undefined
          : {
              failures: resolved.breakerFailures,
              cooldownMs: resolved.breakerCooldownMs ?? 10_000,
            },
      onClose: (dispose) => this.#disposers.push(dispose),
      namespace: name,
      providerName: resolved.provider,
      store,
      codec,
      capabilities: provider.capabilities,
      keyCodec: resolved.keyCodec,
      maxKeyBytes: resolved.maxKeyBytes,
      ttl: resolved.ttl,
      negativeTtl: resolved.negativeTtl,
      jitter: resolved.jitter,
      computeRetries: resolved.computeRetries,
      clock: this.#clock,
      random: this.#random,
      events: new CacheEvents(this.#events),
      state: this.#state,
    }
    const cache = new Cache<unknown, unknown>(config)
    this.#namespaces.set(name, { resolved, cache })
    return cache as unknown as Cache<K, V>
  }

  on<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): () => void {
    return this.#events.on(name, listener)
  }

  off<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): void {
    this.#events.off(name, listener)
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing
    this.#state.closed = true
    const disposers = this.#disposers.splice(0)
    this.#closing = Promise.allSettled(disposers.map((dispose) => dispose()))
      .then(() => Promise.allSettled([...this.#providers.values()].map((p) => p.close())))
      .then((results) => {
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        if (failed.length > 0) {
          throw new AggregateError(
            failed.map((f) => f.reason),
            `${failed.length} provider(s) failed to close`,
          )
        }
      })
    return this.#closing
  }

  /** Opens the L1 store of a multilevel namespace. */
  #openL1(
    name: string,
    resolved: ResolvedNamespace,
    l2Kind: 'bytes' | 'live',
  ): L1Config | undefined {
    if (resolved.l1Provider === undefined) return undefined
    const provider = this.#provider(resolved.l1Provider)
    const store = provider.openStore({ namespace: name }) as Store<unknown>
    if (store.kind === 'bytes' && l2Kind !== 'bytes') {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `namespace '${name}': an L1 that stores bytes ('${resolved.l1Provider}') needs an L2 that stores bytes too`,
      )
    }
    return { store, providerName: resolved.l1Provider, maxTtlMs: resolved.l1MaxTtlMs }
  }

  #provider(name: string): CacheProvider {
    const provider = this.#providers.get(name)
    if (provider === undefined) {
      throw new CacheConfigError(
        'UNKNOWN_PROVIDER',
        `unknown provider '${String(name)}' (registered: ${this.providerNames.join(', ')})`,
      )
    }
    return provider
  }

  #resolve(name: string, options: NamespaceOptions<unknown>): ResolvedNamespace {
    const d = this.#defaults
    const provider = options.provider ?? this.defaultProvider
    this.#provider(provider)
    const ttl = resolveTtl(options.ttl, resolveTtl(d.ttl, undefined, 'ttl'), 'ttl')
    const negativeTtl = resolveTtl(
      options.negativeTtl,
      resolveTtl(d.negativeTtl, undefined, 'negativeTtl'),
      'negativeTtl',
    )
    const jitter = options.jitter ?? d.jitter ?? 0.1
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter < 1)) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `jitter must be a fraction in [0, 1), got ${String(jitter)}`,
      )
    }
    const maxKeyBytes = options.maxKeyBytes ?? d.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES
    if (!Number.isInteger(maxKeyBytes) || maxKeyBytes < 1) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `maxKeyBytes must be a positive integer, got ${String(maxKeyBytes)}`,
      )
    }
    const computeRetries = options.computeRetries ?? d.computeRetries ?? 10
    if (!Number.isInteger(computeRetries) || computeRetries < 0) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `computeRetries must be an integer >= 0, got ${String(computeRetries)}`,
      )
    }
    const keyCodec = options.keyCodec ?? (stringKeys as KeyCodec<unknown>)
    if (typeof keyCodec.encode !== 'function' || typeof keyCodec.decode !== 'function') {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `namespace '${name}': keyCodec needs encode() and decode()`,
      )
    }
    for (const t of options.transformers ?? []) checkTransformer(t)
    return {
      ...this.#resolveTiers(name, provider, options),
      provider,
      ttl,
      negativeTtl,
      jitter,
      maxKeyBytes,
      computeRetries,
      keyCodec,
      encoder: options.encoder,
      transformers: options.transformers,
    }
  }

  /** Validates the multilevel, lock, grace, refresh-ahead and breaker options. */
  #resolveTiers(
    name: string,
    provider: string,
    options: NamespaceOptions<unknown>,
  ): Omit<
    ResolvedNamespace,
    | 'provider'
    | 'ttl'
    | 'negativeTtl'
    | 'jitter'
    | 'maxKeyBytes'
    | 'computeRetries'
    | 'keyCodec'
    | 'encoder'
    | 'transformers'
  > {
    const bad = (message: string): never => {
      throw new CacheConfigError('INVALID_OPTION', `namespace '${name}': ${message}`)
    }
    const l1 = typeof options.l1 === 'string' ? { provider: options.l1 } : options.l1
    if (
      l1 !== undefined &&
      (l1 === null || typeof l1 !== 'object' || typeof l1.provider !== 'string')
    ) {
      bad('l1 must be a provider name or { provider, maxTtl? }')
    }
    if (l1 !== undefined) {
      this.#provider(l1.provider)
      if (l1.provider === provider) bad(`l1 and the namespace's provider are both '${provider}'`)
    }
    if (options.bus !== undefined && typeof options.bus !== 'boolean') bad('bus must be a boolean')
    const lock =
      options.lock === true
        ? {}
        : options.lock === false || options.lock === undefined
          ? undefined
          : options.lock
    if (lock !== undefined && (lock === null || typeof lock !== 'object')) {
      bad('lock must be a boolean or { ttl?, wait?, onTimeout? }')
    }
    const onTimeout = lock?.onTimeout ?? 'load'
    if (onTimeout !== 'load' && onTimeout !== 'error')
      bad(`lock.onTimeout must be 'load' or 'error'`)
    const refresh =
      options.refreshAhead === true
        ? {}
        : options.refreshAhead === false || options.refreshAhead === undefined
          ? undefined
          : options.refreshAhead
    const beta = refresh === undefined ? undefined : (refresh.beta ?? 1)
    if (beta !== undefined && !(typeof beta === 'number' && beta > 0 && Number.isFinite(beta))) {
      bad(`refreshAhead.beta must be a finite number > 0, got ${String(beta)}`)
    }
    const breaker =
      options.breaker === true
        ? {}
        : options.breaker === false || options.breaker === undefined
          ? undefined
          : options.breaker
    const failures = breaker === undefined ? undefined : (breaker.failures ?? 5)
    if (failures !== undefined && !(Number.isInteger(failures) && failures >= 1)) {
      bad(`breaker.failures must be an integer >= 1, got ${String(failures)}`)
    }
    const graceMs = resolveTtl(options.grace, undefined, 'grace')
    return {
      l1Provider: l1?.provider,
      l1MaxTtlMs: resolveTtl(l1?.maxTtl, undefined, 'l1.maxTtl'),
      bus: l1 !== undefined && options.bus !== false,
      lockTtlMs: lock === undefined ? undefined : parseDuration(lock.ttl ?? 30_000, 'lock.ttl'),
      lockWaitMs:
        lock === undefined
          ? undefined
          : lock.wait === 0
            ? 0
            : parseDuration(lock.wait ?? 10_000, 'lock.wait'),
      lockOnTimeout: lock === undefined ? undefined : onTimeout,
      graceMs,
      softTimeoutMs:
        options.softTimeout === undefined || options.softTimeout === 0
          ? 0
          : parseDuration(options.softTimeout, 'softTimeout'),
      hardTimeoutMs: resolveTtl(options.hardTimeout, undefined, 'hardTimeout'),
      graceBackoffMs: parseDuration(options.graceBackoff ?? 10_000, 'graceBackoff'),
      refreshBeta: beta,
      breakerFailures: failures,
      breakerCooldownMs:
        breaker === undefined
          ? undefined
          : parseDuration(breaker.cooldown ?? 10_000, 'breaker.cooldown'),
    }
  }

  #pipeline(name: string, resolved: ResolvedNamespace): ValuePipeline {
    const encoder = resolved.encoder ?? this.#encoder
    if (encoder === undefined) {
      throw new CacheConfigError(
        'UNKNOWN_ENCODER',
        `namespace '${name}' is on provider '${resolved.provider}', which stores bytes, and no encoder is configured (pass encoder: jsonEncoder() from @cacheport/encoder-json)`,
      )
    }
    const shared = resolved.encoder === undefined && resolved.transformers === undefined
    if (shared) {
      const existing = this.#pipelines.get('')
      if (existing !== undefined) return existing
    }
    const registry = isEncodingRegistry(encoder)
      ? encoder
      : createEncodingRegistry({ default: encoder })
    const pipeline = new ValuePipeline(registry, resolved.transformers ?? this.#transformers)
    if (shared) this.#pipelines.set('', pipeline)
    return pipeline
  }
}

function checkTransformer(t: Transformer): void {
  if (
    t === null ||
    typeof t !== 'object' ||
    typeof t.id !== 'string' ||
    typeof t.encode !== 'function' ||
    typeof t.decode !== 'function' ||
    typeof t.priority !== 'number' ||
    !Number.isFinite(t.priority)
  ) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      'a transformer needs an id, a finite priority, encode() and decode()',
    )
  }
}

function differingOption(a: ResolvedNamespace, b: ResolvedNamespace): string | undefined {
  for (const key of Object.keys(a) as (keyof ResolvedNamespace)[]) {
    const x = a[key]
    const y = b[key]
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) return key
    } else if (x !== y) {
      return key
    }
  }
  return undefined
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

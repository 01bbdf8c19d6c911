import type { Cache } from './cache.js'
import {
  createEncodingRegistry,
  type EncodingRegistry,
  isEncodingRegistry,
} from './encoding-registry.js'
import { bytesEntryCodec, type EntryCodec, liveEntryCodec } from './entry-codec.js'
import type { Clock } from './entry-policy.js'
import { CacheClosedError, CacheConfigError, CacheUnsupportedError } from './errors.js'
import { type CacheEventListener, type CacheEventName, CacheEvents } from './events.js'
import { type CacheLogger, checkLogger, type LogRateLimit, ServiceLog } from './logger.js'
import { assembleNamespace } from './namespace-assembly.js'
import type { NamespaceDefaults, NamespaceOptions } from './namespace-options.js'
import {
  checkTransformer,
  DEFAULTS_OPTION_NAMES,
  differingSetting,
  type NamespaceSettings,
  resolveNamespaceSettings,
} from './namespace-settings.js'
import { warnOnceIfNoTtl } from './no-ttl-warning.js'
import { checkOptionsObject, integerOption, isRecord } from './options.js'
import { ValuePipeline } from './pipeline.js'
import type { CacheProvider, Encoder, Store, Transformer } from './ports.js'
import { checkSearchable, storeSchemaOf } from './search/schema.js'

export type {
  BreakerOptions,
  L1Options,
  LockOptions,
  NamespaceDefaults,
  NamespaceOptions,
} from './namespace-options.js'

/** Options of `createCacheService`. */
export interface CacheServiceOptions<
  Providers extends Readonly<Record<string, CacheProvider>> = Readonly<
    Record<string, CacheProvider>
  >,
> {
  /** The providers, by the name namespaces refer to them with. */
  readonly providers: Providers
  /** Provider of namespaces that name none. Required when there is more than one provider. */
  readonly defaultProvider?: keyof Providers & string
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
  /**
   * Where to log what an operator must see (breaker open/close, bus interrupted/resumed, lock
   * timeouts, rate-limited decode failures, write-back failures, publish give-ups). Silent by
   * default. `console`, pino and winston loggers fit; anything without `warn` and `error`
   * functions is refused with `CacheConfigError`.
   */
  readonly logger?: CacheLogger
  /** Rate limit of noisy log lines (decode failures) per namespace. Default 10 per minute. */
  readonly logRateLimit?: LogRateLimit
  /**
   * Publish on the `node:diagnostics_channel` channels (`cacheport:*`) while someone
   * subscribes. Default `true`; with no subscriber it costs one check per call.
   */
  readonly diagnostics?: boolean
}

const SERVICE_OPTIONS: { readonly [K in keyof Required<CacheServiceOptions>]: true } = {
  providers: true,
  defaultProvider: true,
  encoder: true,
  transformers: true,
  defaults: true,
  clock: true,
  random: true,
  logger: true,
  logRateLimit: true,
  diagnostics: true,
}
const SERVICE_OPTION_NAMES = Object.keys(SERVICE_OPTIONS)

/** The provider registry and namespace factory an application builds at bootstrap. */
/**
 * The cache service. `P` is the union of its provider names (inferred by `createCacheService`
 * from the `providers` object), which `namespace()` options and `provider()` are checked against.
 */
export interface CacheService<P extends string = string> {
  /** Names of the registered providers. */
  readonly providerNames: readonly P[]
  /** Name of the default provider. */
  readonly defaultProvider: P
  /**
   * Opens the typed cache of one namespace. Opening the same name again with the same options
   * returns the same instance; with different options it throws `CacheConfigError`
   * (`NAMESPACE_CONFLICT`). Throws `CacheConfigError` for an invalid name (`INVALID_NAMESPACE`),
   * an unknown provider (`UNKNOWN_PROVIDER`), an invalid option (`INVALID_OPTION`) or a bytes
   * provider with no encoder; `CacheTtlError` for an invalid TTL.
   */
  namespace<V, K = string>(name: string, options?: NamespaceOptions<K, P, V>): Cache<V, K>
  /** The namespaces opened so far (for collectors that read every namespace's stats). */
  namespaces(): readonly Cache<unknown, unknown>[]
  /** The provider registered under `name`; throws `CacheConfigError` (`UNKNOWN_PROVIDER`). */
  provider(name: P): CacheProvider
  /** Listens to the events of every namespace. */
  on<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): () => void
  /** Removes a listener added with `on`. */
  off<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): void
  /** Closes every provider. Later calls on any namespace reject with `CacheClosedError`. */
  close(): Promise<void>
  readonly closed: boolean
}

const NAMESPACE_NAME = /^[A-Za-z0-9_.\-/]{1,128}$/

/**
 * Builds the cache service: validates the providers and defaults, then opens namespaces on
 * demand. Throws `CacheConfigError` for an empty provider map, a provider that does not look
 * like one, or an unknown or missing `defaultProvider`.
 */
export function createCacheService<const Providers extends Readonly<Record<string, CacheProvider>>>(
  options: CacheServiceOptions<Providers>,
): CacheService<keyof Providers & string> {
  return new CacheServiceImpl(options as unknown as CacheServiceOptions) as unknown as CacheService<
    keyof Providers & string
  >
}

class CacheServiceImpl implements CacheService {
  readonly providerNames: readonly string[]
  readonly defaultProvider: string
  readonly #providers: ReadonlyMap<string, CacheProvider>
  readonly #events = new CacheEvents()
  readonly #namespaces = new Map<
    string,
    { settings: NamespaceSettings; cache: Cache<unknown, unknown> }
  >()
  readonly #defaults: NamespaceDefaults
  readonly #encoder: Encoder | EncodingRegistry | undefined
  readonly #transformers: readonly Transformer[]
  readonly #clock: Clock
  readonly #random: () => number
  readonly #log: ServiceLog
  readonly #diagnostics: boolean
  readonly #pipelines = new Map<string, ValuePipeline>()
  readonly #state = { closed: false }
  readonly #disposers: (() => Promise<void>)[] = []
  #closing: Promise<void> | undefined

  constructor(options: CacheServiceOptions) {
    if (options === null || typeof options !== 'object') {
      throw new CacheConfigError('INVALID_OPTION', 'createCacheService needs an options object')
    }
    checkOptionsObject(options, SERVICE_OPTION_NAMES, 'createCacheService options')
    checkOptionsObject(
      options.defaults,
      DEFAULTS_OPTION_NAMES,
      'createCacheService options',
      'defaults.',
    )
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
    // Checked now (ids, methods), not at the first namespace; namespaces then share it.
    this.#encoder =
      options.encoder === undefined || isEncodingRegistry(options.encoder)
        ? options.encoder
        : createEncodingRegistry({ default: options.encoder })
    this.#transformers = options.transformers ?? []
    for (const t of this.#transformers) checkTransformer(t)
    this.#clock = options.clock ?? Date
    this.#random = options.random ?? Math.random
    checkLogger(options.logger)
    const clock = this.#clock
    this.#log = new ServiceLog(options.logger, checkRateLimit(options.logRateLimit), () =>
      clock.now(),
    )
    if (options.diagnostics !== undefined && typeof options.diagnostics !== 'boolean') {
      throw new CacheConfigError(
        'INVALID_OPTION',
        'createCacheService options: diagnostics must be a boolean',
      )
    }
    this.#diagnostics = options.diagnostics ?? true
    // Fail fast on bad defaults rather than at the first namespace.
    this.#resolve('default', {})
  }

  get closed(): boolean {
    return this.#state.closed
  }

  provider(name: string): CacheProvider {
    return this.#provider(name)
  }

  namespace<V, K = string>(
    name: string,
    options: NamespaceOptions<K, string, V> = {},
  ): Cache<V, K> {
    if (this.#state.closed) throw new CacheClosedError('cache service')
    if (typeof name !== 'string' || !NAMESPACE_NAME.test(name)) {
      throw new CacheConfigError(
        'INVALID_NAMESPACE',
        `namespace name '${String(name)}' must be 1-128 characters of A-Z a-z 0-9 _ . - /`,
      )
    }
    const settings = this.#resolve(name, options as NamespaceOptions<unknown>)
    const existing = this.#namespaces.get(name)
    if (existing !== undefined) {
      const diff = differingSetting(existing.settings, settings)
      if (diff !== undefined) {
        throw new CacheConfigError(
          'NAMESPACE_CONFLICT',
          `namespace '${name}' is already open with a different '${diff}'`,
        )
      }
      return existing.cache as unknown as Cache<V, K>
    }
    const provider = this.#provider(settings.provider)
    const store = openStore(name, settings, provider, this.#transformers)
    if (store.kind !== provider.capabilities.values) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `provider '${settings.provider}' declares '${provider.capabilities.values}' values but opened a '${store.kind}' store`,
      )
    }
    let codec: EntryCodec<unknown>
    if (store.kind === 'live') {
      if (options.encoder !== undefined || options.transformers !== undefined) {
        throw new CacheConfigError(
          'INVALID_OPTION',
          `namespace '${name}': provider '${settings.provider}' keeps live values, so encoder and transformers do not apply`,
        )
      }
      codec = liveEntryCodec as EntryCodec<unknown>
    } else {
      codec = bytesEntryCodec(this.#pipeline(name, settings), name) as EntryCodec<unknown>
    }
    const cache = assembleNamespace<unknown, unknown>({
      name,
      settings,
      provider,
      store,
      codec,
      l1Store: this.#openL1(name, settings, store.kind),
      clock: this.#clock,
      random: this.#random,
      events: new CacheEvents(this.#events),
      log: this.#log,
      diagnostics: this.#diagnostics,
      state: this.#state,
      onClose: (dispose) => this.#disposers.push(dispose),
    })
    this.#namespaces.set(name, { settings, cache })
    warnOnceIfNoTtl(name, options.ttl, this.#defaults, this.#log)
    return cache as unknown as Cache<V, K>
  }

  namespaces(): readonly Cache<unknown, unknown>[] {
    return [...this.#namespaces.values()].map((n) => n.cache)
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
    settings: NamespaceSettings,
    l2Kind: 'bytes' | 'live',
  ): Store<unknown> | undefined {
    if (settings.l1 === undefined) return undefined
    const provider = this.#provider(settings.l1.provider)
    const store = provider.openStore({ namespace: name }) as Store<unknown>
    if (store.kind === 'bytes' && l2Kind !== 'bytes') {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `namespace '${name}': an L1 that stores bytes ('${settings.l1.provider}') needs an L2 that stores bytes too`,
      )
    }
    return store
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

  #resolve(name: string, options: NamespaceOptions<unknown>): NamespaceSettings {
    return resolveNamespaceSettings(name, options, this.#defaults, this.defaultProvider, (p) => {
      this.#provider(p)
    })
  }

  #pipeline(name: string, resolved: NamespaceSettings): ValuePipeline {
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

/**
 * Opens the store of a namespace on its provider; a searchable namespace's store is opened
 * with its schema, after the checks that need the provider (see `checkSearchable`).
 */
function openStore(
  name: string,
  settings: NamespaceSettings,
  provider: CacheProvider,
  serviceTransformers: readonly Transformer[],
): Store<unknown> {
  const search = settings.search
  if (search === undefined) return provider.openStore({ namespace: name }) as Store<unknown>
  checkSearchable({
    namespace: name,
    providerName: settings.provider,
    provider,
    settings: search,
    transformers:
      provider.capabilities.values === 'live' ? [] : (settings.transformers ?? serviceTransformers),
  })
  const store = provider.openStore({
    namespace: name,
    search: { schema: storeSchemaOf(search), indexName: search.indexPrefix + name },
  }) as Store<unknown>
  if (typeof store.search !== 'function') {
    throw new CacheUnsupportedError(
      'search',
      `provider '${settings.provider}' declares 'search' but opened namespace '${name}' without a search method`,
    )
  }
  return store
}

/** Checks `logRateLimit`; throws `CacheConfigError` (`INVALID_OPTION`) when it is malformed. */
function checkRateLimit(limit: unknown): LogRateLimit | undefined {
  if (limit === undefined) return undefined
  if (!isRecord(limit)) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      'createCacheService options: logRateLimit must be an object',
    )
  }
  checkOptionsObject(limit, ['lines', 'intervalMs'], 'createCacheService options', 'logRateLimit.')
  return {
    lines: integerOption(limit.lines, 10, 1, 1_000_000, 'logRateLimit.lines'),
    intervalMs: integerOption(limit.intervalMs, 60_000, 1, 86_400_000, 'logRateLimit.intervalMs'),
  }
}

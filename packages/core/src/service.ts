import { Cache, type CacheConfig, type Clock } from './cache.js'
import { type Duration, resolveTtl } from './duration.js'
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
    const config: CacheConfig<unknown> = {
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
    this.#closing = Promise.allSettled([...this.#providers.values()].map((p) => p.close())).then(
      (results) => {
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        if (failed.length > 0) {
          throw new AggregateError(
            failed.map((f) => f.reason),
            `${failed.length} provider(s) failed to close`,
          )
        }
      },
    )
    return this.#closing
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

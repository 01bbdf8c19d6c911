/**
 * Semantic caching: `getOrSetSimilar` answers with the cached value of the nearest entry by
 * embedding when it is similar enough, and otherwise loads the value and stores it under the
 * embedding (as RedisVL's SemanticCache does).
 */
import type { Duration } from '../duration.js'
import { checkValue, type EntryOptions, type EntryPolicy } from '../entry-policy.js'
import { CacheConfigError, CacheLockTimeoutError } from '../errors.js'
import type { LockSettings } from '../namespace-settings.js'
import { checkOptionsObject, describeOption, isRecord } from '../options.js'
import type { DistributedLock, MaybePromise } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import type { NormalizedSearchQuery, SearchFilter } from '../search-types.js'
import type { TierHandler } from '../tiers/tier-handler.js'
import { toVector } from './extract.js'
import { normaliseSearchQuery } from './query.js'
import type { SearchSettings } from './schema.js'
import type { SearchHit, SearchRunner } from './search-runner.js'

/** Options of `getOrSetSimilar`. */
export interface SimilarOptions {
  /** The least similarity (the field's metric, higher is closer) that counts as a hit. */
  readonly minScore: number
  /** The VECTOR field to match; default the schema's only vector field. */
  readonly field?: string
  /** Narrows the candidates (a model, a tenant, a language). */
  readonly filters?: readonly SearchFilter[]
  /** TTL of a loaded value; defaults to the namespace's. */
  readonly ttl?: Duration | null
  /** Tags of a loaded value. */
  readonly tags?: readonly string[]
}

/** Produces the value for an embedding no cached entry is similar enough to. */
export type SimilarLoader<V> = (embedding: Float32Array) => MaybePromise<V>

const OPTION_NAMES = ['minScore', 'field', 'filters', 'ttl', 'tags']

/** Digits kept of each coordinate when embeddings share a load (1e-4). */
const ROUNDING = 10_000

function refuse(message: string): never {
  throw new CacheConfigError('INVALID_ARGUMENT', `getOrSetSimilar(): ${message}`)
}

/** The semantic cache of one searchable namespace with a VECTOR field. */
export class SimilarCache<V> {
  readonly #settings: SearchSettings
  readonly #runner: SearchRunner<unknown, V>
  readonly #tiers: TierHandler<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  /** The namespace's distributed lock (option `lock`), when it has one. */
  readonly #lock: { readonly port: DistributedLock; readonly settings: LockSettings } | undefined
  /** Loads in flight, by field and rounded embedding. */
  readonly #flights = new Map<string, Promise<V>>()

  constructor(options: {
    readonly settings: SearchSettings
    readonly runner: SearchRunner<unknown, V>
    readonly tiers: TierHandler<V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly lock?: { readonly port: DistributedLock; readonly settings: LockSettings } | undefined
  }) {
    this.#lock = options.lock
    this.#settings = options.settings
    this.#runner = options.runner
    this.#tiers = options.tiers
    this.#policy = options.policy
    this.#reporter = options.reporter
  }

  /**
   * The value of the nearest entry whose similarity to `embedding` is at least `minScore`, or
   * the loader's value, stored under the embedding (key `~similar:<field>:<hash>` of the
   * embedding rounded to 1e-4 and the filters) with the given TTL and tags. Concurrent calls with the same
   * rounded embedding share one lookup and one loader call. Throws `CacheConfigError`
   * (`INVALID_ARGUMENT`) for bad options or an embedding of the wrong length, and
   * `CacheValueError` when the loader returns `undefined`. A failed write of the loaded value
   * is an `error` event; the value is still returned.
   */
  getOrSet(
    embedding: Float32Array | readonly number[],
    loader: SimilarLoader<V>,
    options: SimilarOptions,
  ): Promise<V> {
    if (typeof loader !== 'function')
      refuse(`loader must be a function, got ${describeOption(loader)}`)
    if (!isRecord(options as unknown))
      refuse(`options must be { minScore, ... }, got ${describeOption(options)}`)
    checkOptionsObject(options as unknown, OPTION_NAMES, 'getOrSetSimilar() options')
    if (typeof options.minScore !== 'number' || !Number.isFinite(options.minScore)) {
      refuse(`minScore must be a finite number, got ${describeOption(options.minScore)}`)
    }
    const field = options.field ?? this.#onlyVectorField()
    const spec = this.#settings.schema[field]
    if (spec?.type !== 'vector') refuse(`field '${field}' is not a vector field of the schema`)
    const vector = toVector(embedding, spec.dimensions as number)
    if (typeof vector === 'string') refuse(`embedding ${vector}`)
    const entry = this.#policy.entry(options.ttl, options.tags, false)
    const query = normaliseSearchQuery(
      {
        vector: { field, vector, k: 1, minScore: options.minScore },
        ...(options.filters !== undefined ? { filters: options.filters } : {}),
      },
      this.#settings,
    )
    const rounded = Array.from(vector, (x) => Math.round(x * ROUNDING))
    // The filters are part of the identity: the same prompt for another model is another entry.
    const scope = JSON.stringify(query.filters)
    // Calls share a flight only for the same rounded embedding (compared whole, not by hash).
    const flightKey = `${field}:${rounded.join(',')}:${scope}`
    const k = `~similar:${field}:${hashOf(rounded, scope)}`
    const pending = this.#flights.get(flightKey)
    if (pending !== undefined) {
      this.#reporter.joined(k)
      return pending
    }
    const flight = this.#lookupOrLoad(k, vector, loader, query, {
      ...entry,
      fields: { [field]: vector },
    }).finally(() => this.#flights.delete(flightKey))
    this.#flights.set(flightKey, flight)
    return flight
  }

  async #lookupOrLoad(
    k: string,
    vector: Float32Array,
    loader: SimilarLoader<V>,
    query: NormalizedSearchQuery,
    entry: EntryOptions,
  ): Promise<V> {
    const found = await this.#nearest(query)
    if (found !== undefined) return found.value
    this.#reporter.miss(k)
    const lock = this.#lock
    if (lock === undefined) return this.#load(k, vector, loader, entry)
    // One loader per embedding across processes: the holder looks again first (the previous
    // holder may have stored a similar entry), a waiter that times out looks again too.
    let handle: Awaited<ReturnType<DistributedLock['acquire']>>
    try {
      handle = await lock.port.acquire(this.#reporter.namespace, k, {
        ttlMs: lock.settings.ttlMs,
        waitMs: lock.settings.waitMs,
      })
    } catch (error) {
      this.#reporter.lock(k, 'failure')
      this.#reporter.error(k, 'lock', error)
      return this.#load(k, vector, loader, entry)
    }
    if (handle === undefined) {
      this.#reporter.lock(k, 'timeout')
      const late = await this.#nearest(query)
      if (late !== undefined) return late.value
      if (lock.settings.onTimeout === 'error') {
        throw new CacheLockTimeoutError(this.#reporter.namespace, k, lock.settings.waitMs)
      }
      return this.#load(k, vector, loader, entry)
    }
    this.#reporter.lock(k, 'acquired')
    try {
      const again = await this.#nearest(query)
      if (again !== undefined) return again.value
      return await this.#load(k, vector, loader, entry)
    } finally {
      handle.release().catch((error: unknown) => this.#reporter.error(k, 'lock', error))
    }
  }

  /** The nearest readable entry above the query's `minScore`, counted as a hit. */
  async #nearest(query: NormalizedSearchQuery): Promise<SearchHit<V> | undefined> {
    const { hits } = await this.#runner.runNormalised(query)
    const nearest = hits[0]
    if (nearest !== undefined) this.#reporter.hit(nearest.k)
    return nearest
  }

  /** Runs the loader and writes its value under the embedding; a failed write is an event. */
  async #load(
    k: string,
    vector: Float32Array,
    loader: SimilarLoader<V>,
    entry: EntryOptions,
  ): Promise<V> {
    const value = await loader(vector)
    checkValue(k, value)
    try {
      await this.#tiers.write(k, value, entry, 'write-back')
      this.#reporter.written(k)
    } catch (error) {
      this.#reporter.error(k, 'set', error)
    }
    return value
  }

  #onlyVectorField(): string {
    const vectors = Object.keys(this.#settings.schema).filter(
      (name) => this.#settings.schema[name]?.type === 'vector',
    )
    if (vectors.length !== 1) {
      refuse(
        vectors.length === 0
          ? 'the schema has no vector field'
          : `the schema has several vector fields (${vectors.join(', ')}): pass field`,
      )
    }
    return vectors[0] as string
  }
}

/** Two FNV-1a-style hashes of the rounded embedding and the scope, as 16 hex digits. */
function hashOf(rounded: readonly number[], scope: string): string {
  let a = 0x811c9dc5
  let b = 0x01000193
  const mix = (byte: number) => {
    a = Math.imul(a ^ byte, 0x01000193)
    b = Math.imul(b ^ byte, 0x01000193) ^ (b >>> 13)
  }
  for (const x of rounded) {
    let q = x | 0
    for (let i = 0; i < 4; i++) {
      mix(q & 0xff)
      q >>>= 8
    }
  }
  for (let i = 0; i < scope.length; i++) mix(scope.charCodeAt(i) & 0xffff)
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0')
  return hex(a) + hex(b)
}

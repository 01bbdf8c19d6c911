import type { CacheEntry, GetEntryOptions } from './cache-types.js'
import { checkExpireTtl, checkGetEntryOptions } from './call-checks.js'
import type { Duration } from './duration.js'
import type { EntryPolicy } from './entry-policy.js'
import { CacheConflictError, CacheDecodeError, CacheUnsupportedError } from './errors.js'
import { chain } from './maybe-promise.js'
import type { KeyCodec, MaybePromise, Store, StoreExpireResult } from './ports.js'
import type { NamespaceReporter } from './reporter.js'
import { decodeEntries, decodeEntry, type Found } from './tiers/decode.js'
import type { ProviderTier } from './tiers/provider-tier.js'
import type { InspectedEntry, TierHandler } from './tiers/tier-handler.js'

/** Keys read per `getMany` while iterating entries. */
const ENTRIES_BATCH = 100

/**
 * The entry-level operations of a namespace: whether a key has an entry (`has`), an entry
 * with its metadata (`getEntry`), its remaining TTL (`ttl`), a new TTL in place (`expire`,
 * `touch`), and iteration over entries. The facade hands them a validated, encoded key; they
 * check their own options. Reads here count nothing unless asked; a TTL change runs on the
 * provider (compare and swap against the entry read) and L1 drops its copy in every process.
 */
export class EntryOperations<K, V> {
  readonly #tiers: TierHandler<V>
  readonly #provider: ProviderTier<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #keyCodec: KeyCodec<K>
  readonly #providerName: string
  readonly #retries: number

  constructor(options: {
    readonly tiers: TierHandler<V>
    readonly provider: ProviderTier<V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly keyCodec: KeyCodec<K>
    readonly providerName: string
    /** How many times a TTL change retries after another write won the race. */
    readonly retries: number
  }) {
    this.#tiers = options.tiers
    this.#provider = options.provider
    this.#policy = options.policy
    this.#reporter = options.reporter
    this.#keyCodec = options.keyCodec
    this.#providerName = options.providerName
    this.#retries = options.retries
  }

  /**
   * The servable entry of `k` with its metadata, or `undefined`. Throws `CacheConfigError`
   * for a bad option.
   */
  getEntry(
    k: string,
    options: GetEntryOptions | undefined,
  ): MaybePromise<CacheEntry<V> | undefined> {
    checkGetEntryOptions(options)
    const count = options?.countAsRead === true
    return chain(this.#tiers.inspect(k), (inspected) => {
      const now = this.#policy.clock.now()
      const f = inspected?.found
      const alive = f !== undefined && this.#policy.isAlive(f, now)
      if (count) {
        if (alive && (f.expiresAt === undefined || f.expiresAt > now)) this.#reporter.hit(k)
        else this.#reporter.miss(k)
      }
      if (!alive) return undefined
      return toCacheEntry(inspected as InspectedEntry<V>, now)
    })
  }

  /** True when a live, decodable, non-negative entry exists for `k`; counts nothing. */
  has(k: string): MaybePromise<boolean> {
    return this.#tiers.readThen(k, this.#isPresent)
  }

  /** True for a fresh, non-negative entry. Bound once. */
  readonly #isPresent = (_k: string, f: Found<V>): boolean =>
    f !== undefined && this.#policy.isFresh(f) && !f.negative

  /** Remaining logical TTL of the fresh entry of `k`, ms; `null`: no expiry; `undefined`: none. */
  ttl(k: string): MaybePromise<number | null | undefined> {
    return chain(this.#tiers.inspect(k), (inspected) => {
      const f = inspected?.found
      if (f === undefined) return undefined
      if (f.expiresAt === undefined) return null
      const left = f.expiresAt - this.#policy.clock.now()
      return left > 0 ? left : undefined
    })
  }

  /**
   * Gives the fresh entry of `k` the TTL `ttl` (`null`: none), counted from now; resolves to
   * `false` when there is none. Throws `CacheConfigError` for a missing `ttl` and
   * `CacheTtlError` for a bad one.
   */
  expire(k: string, ttl: Duration | null): Promise<boolean> {
    checkExpireTtl(ttl)
    this.#policy.ttlFor(ttl, false)
    return this.#change(k, ttl, 'expire')
  }

  /** Re-applies the namespace's TTL to the fresh entry of `k`, as `expire` changes a TTL. */
  touch(k: string): Promise<boolean> {
    return this.#change(k, undefined, 'touch')
  }

  /**
   * Gives the fresh entry of `k` a new TTL (`option`; `undefined` re-applies the namespace's
   * TTL, the negative TTL for a cached "not found"), counted from now; value, tags and
   * creation time stay. Resolves to `false` when there is no fresh entry.
   */
  async #change(k: string, option: Duration | null | undefined, method: string): Promise<boolean> {
    const provider = this.#provider
    const store = provider.store
    const withExpiry = provider.codec.withExpiry
    if (store.expire === undefined || withExpiry === undefined) {
      throw new CacheUnsupportedError(
        'expire',
        `${method}() needs a store that can change an entry's TTL in place, which provider '${this.#providerName}' does not have`,
      )
    }
    const expire = store.expire.bind(store) as NonNullable<Store<unknown>['expire']>
    for (let attempt = 0; ; attempt++) {
      const raw = await provider.required(() => store.get(k))
      if (raw === undefined || raw instanceof CacheDecodeError) return false
      const f = await decodeEntry<V>(k, raw, provider.codec, this.#reporter)
      if (f === undefined || !this.#policy.isFresh(f)) return false
      const ttlMs = this.#policy.ttlFor(option, f.negative)
      const storeTtlMs = this.#policy.storeTtl(ttlMs)
      const now = this.#policy.clock.now()
      const meta = this.#policy.meta(
        now,
        { ttlMs, storeTtlMs, tags: undefined, negative: false },
        0,
      )
      const entry = withExpiry(raw, meta)
      const result: StoreExpireResult = await provider.required(() =>
        expire(k, { expected: raw, entry, ttl: storeTtlMs }),
      )
      if (result === 'changed') {
        await this.#tiers.changed(k)
        return true
      }
      if (result === 'missing') return false
      if (attempt >= this.#retries) {
        throw new CacheConflictError(
          `${method}() on key '${k}' lost the race against other writes ${attempt + 1} times (computeRetries ${this.#retries})`,
        )
      }
    }
  }

  /** Iterates `[key, value]` of the fresh, non-negative entries of the provider's store. */
  async *entries(): AsyncGenerator<[K, V]> {
    const store = this.#provider.store
    let batch: string[] = []
    for await (const k of (store.keys as () => AsyncIterable<string>).call(store)) {
      batch.push(k)
      if (batch.length >= ENTRIES_BATCH) {
        yield* this.#freshValues(batch)
        batch = []
      }
    }
    if (batch.length > 0) yield* this.#freshValues(batch)
  }

  /** `[key, value]` of the fresh, non-negative entries among `ks`, read in one call. */
  async *#freshValues(ks: readonly string[]): AsyncGenerator<[K, V]> {
    const provider = this.#provider
    const raws = await provider.required(() => provider.store.getMany(ks))
    const found = await decodeEntries<V>(ks, raws, provider.codec, this.#reporter)
    for (let i = 0; i < ks.length; i++) {
      const f = found[i]
      if (f === undefined || f.negative || !this.#policy.isFresh(f)) continue
      yield [this.#keyCodec.decode(ks[i] as string), f.value as V]
    }
  }
}

/** The public view of an inspected entry. */
function toCacheEntry<V>(inspected: InspectedEntry<V>, now: number): CacheEntry<V> {
  const f = inspected.found
  const entry = {
    value: f.negative ? undefined : (f.value as V),
    createdAt: f.createdAt,
    expiresAt: f.expiresAt,
    staleUntil: f.staleUntil,
    stale: f.expiresAt !== undefined && f.expiresAt <= now,
    negative: f.negative,
    tier: inspected.tier,
  }
  return inspected.tags === undefined || inspected.tags.length === 0
    ? entry
    : { ...entry, tags: inspected.tags }
}

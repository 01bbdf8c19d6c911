import type { EntryPolicy } from './entry-policy.js'
import { CacheClosedError, CacheUnsupportedError } from './errors.js'
import { validateKey } from './keys.js'
import type { KeyCodec, LiveEntry, Store } from './ports.js'
import type { NamespaceReporter } from './reporter.js'
import { decodeEntry, type Found } from './tiers/decode.js'
import type { InProcessTier } from './tiers/tier-handler.js'

/**
 * `Cache.peek`: a synchronous read of a namespace's in-process first tier (L1, or an
 * in-process provider). A live tier with string keys has its own branch: one field load, the
 * store call, and the entry's expiry, negative flag and value. A key is validated only on a
 * miss (every stored key was validated when written, so a bad key is always a miss). A
 * refused namespace, and every namespace once its service closes, reads through a store that
 * throws, so the hot path checks nothing else.
 */
export class InProcessRead<K, V> {
  /**
   * The tier's store when it holds live entries and keys are strings, else `undefined` (also
   * once closed). `Cache.peek` reads it directly: its hot path is then free of calls but the
   * store's.
   */
  liveStore: Store<unknown> | undefined
  /**
   * The store `Cache.get` reads directly: `liveStore` when it is also the namespace's only
   * tier, with no breaker (see `InProcessTier.only`), else `undefined` (also once closed).
   */
  onlyStore: Store<unknown> | undefined
  /** The tier's store, or a reader that throws (refused, or closed). */
  #store: Pick<Store<unknown>, 'get'>
  readonly #tier: InProcessTier | undefined
  readonly #live: boolean
  readonly #keyCodec: KeyCodec<K> | undefined
  readonly #maxKeyBytes: number
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter

  constructor(options: {
    /** The first tier when it is in-process, else `undefined`. */
    readonly first: InProcessTier | undefined
    /** The key codec, or `undefined` for string keys used as they are. */
    readonly keyCodec: KeyCodec<K> | undefined
    readonly maxKeyBytes: number
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly namespace: string
    readonly providerName: string
  }) {
    const first = options.first
    this.#tier =
      first !== undefined &&
      (first.store.kind === 'live' || first.codec.decodesSynchronously === true)
        ? first
        : undefined
    this.#live = first?.store.kind === 'live'
    this.#keyCodec = options.keyCodec
    this.#maxKeyBytes = options.maxKeyBytes
    this.#policy = options.policy
    this.#reporter = options.reporter
    const refusal = peekRefusal(options.namespace, options.providerName, first)
    this.#store = this.#tier?.store ?? { get: () => throwing(refusal) }
    this.liveStore = this.#live && this.#keyCodec === undefined ? this.#tier?.store : undefined
    this.onlyStore = first?.only === true ? this.liveStore : undefined
  }

  /** The service closed: every later read throws `CacheClosedError`. */
  close(): void {
    this.liveStore = undefined
    this.onlyStore = undefined
    this.#store = { get: () => throwing(new CacheClosedError('cache service')) }
  }

  /**
   * `get`'s read of `onlyStore`, counted as the tier handler's `readThen` and a plain read
   * count it: the request, an L2 hit when an entry was found, then a hit (fresh) or a miss.
   * Resolves to the value, `undefined` for a miss or a cached "not found"; rejects with
   * `CacheKeyError` for a bad key (only a miss can be one: every stored key was validated when
   * written).
   */
  getOnly(store: Store<unknown>, key: string): Promise<V | undefined> {
    let e: LiveEntry | undefined
    try {
      e = store.get(key) as LiveEntry | undefined
      if (e === undefined) validateKey(key, this.#maxKeyBytes)
    } catch (error) {
      // A bad key, or a store that throws (its provider closed).
      return Promise.reject(error)
    }
    const reporter = this.#reporter
    if (e !== undefined) {
      const at = e.expiresAt
      if (at === undefined || at > this.#policy.clock.now()) {
        reporter.onlyTierHit(key)
        return Promise.resolve(e.negative ? undefined : (e.value as V))
      }
      reporter.stats.l2Requests++
      reporter.tierHit('l2', key)
    } else reporter.stats.l2Requests++
    reporter.miss(key)
    return Promise.resolve(undefined)
  }

  /**
   * The fresh value of `key` in the tier, or `undefined`, for every case but the live,
   * string-key one that `Cache.peek` reads itself through `liveStore`: a key codec, a bytes
   * tier, or a refused or closed namespace. Throws as `Cache.peek` documents.
   */
  read(key: K): V | undefined {
    const codec = this.#keyCodec
    const k = codec === undefined ? (key as unknown as string) : codec.encode(key)
    const raw = this.#store.get(k)
    if (raw === undefined) {
      validateKey(k, this.#maxKeyBytes)
      return undefined
    }
    if (this.#live) {
      const e = raw as LiveEntry
      const at = e.expiresAt
      if (at !== undefined && at <= this.#policy.clock.now()) return undefined
      return e.negative ? undefined : (e.value as V)
    }
    const tier = this.#tier as InProcessTier
    const f = decodeEntry<V>(k, raw, tier.codec, this.#reporter) as Found<V>
    if (f === undefined || f.negative || !this.#policy.isFresh(f)) return undefined
    return f.value as V
  }
}

/** Why `peek` is refused on a namespace: no in-process first tier, or one that needs async decoding. */
function peekRefusal(
  namespace: string,
  providerName: string,
  first: InProcessTier | undefined,
): CacheUnsupportedError {
  return new CacheUnsupportedError(
    'peek',
    first === undefined
      ? `peek() reads the in-process first tier, and namespace '${namespace}' has none: its first tier is provider '${providerName}' (add an in-process L1 with the 'l1' option)`
      : `peek() decodes synchronously, and namespace '${namespace}' keeps bytes that go through transformers (which may decode asynchronously): use get(), or a live-values L1`,
  )
}

/** Throws `error` (an expression where a statement cannot go). */
function throwing(error: Error): never {
  throw error
}

/**
 * Runs `Cache.search`: checks and normalises the query, asks the store (through the breaker,
 * within the search timeout), and turns the hits back into typed keys and decoded values.
 */
import type { EntryPolicy } from '../entry-policy.js'
import { CacheDecodeError, CacheTimeoutError, CacheUnsupportedError } from '../errors.js'
import { isPromise } from '../maybe-promise.js'
import type { DecodedEntry } from '../pipeline.js'
import type { KeyCodec, Store } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'
import type {
  NormalizedSearchQuery,
  SearchItem,
  SearchQuery,
  SearchResult,
  StoreSearchResult,
} from '../search-types.js'
import type { ProviderTier } from '../tiers/provider-tier.js'
import { normaliseSearchQuery } from './query.js'
import type { SearchSettings } from './schema.js'

/** One readable hit, by its encoded key. */
export interface SearchHit<V> {
  readonly k: string
  readonly value: V
  readonly score?: number
}

/** Searches one namespace. */
export class SearchRunner<K, V> {
  readonly #settings: SearchSettings
  readonly #provider: ProviderTier<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #keyCodec: KeyCodec<K>

  constructor(options: {
    readonly settings: SearchSettings
    readonly provider: ProviderTier<V>
    readonly policy: EntryPolicy
    readonly reporter: NamespaceReporter
    readonly keyCodec: KeyCodec<K>
  }) {
    this.#settings = options.settings
    this.#provider = options.provider
    this.#policy = options.policy
    this.#reporter = options.reporter
    this.#keyCodec = options.keyCodec
  }

  /**
   * Validates `query` (throws `CacheConfigError` as `normaliseSearchQuery` does), runs it on
   * the store and resolves to the page. Rejects with `CacheTimeoutError` when the store takes
   * longer than the search timeout, and with the store's error otherwise. A hit whose entry
   * is unreadable is skipped and reported as an `error` event (`search`); a hit whose entry
   * left in between, expired logically or is a cached "not found" is skipped.
   */
  async run(query: SearchQuery): Promise<SearchResult<K, V>> {
    const normalised = normaliseSearchQuery(query, this.#settings)
    const { total, hits, returned } = await this.runNormalised(normalised)
    const items: SearchItem<K, V>[] = []
    for (const hit of hits) {
      let key: K
      try {
        key = this.#keyCodec.decode(hit.k)
      } catch (error) {
        this.#reporter.error(hit.k, 'search', error)
        continue
      }
      items.push(
        hit.score === undefined
          ? { key, value: hit.value }
          : { key, value: hit.value, score: hit.score },
      )
    }
    return { total, hasMore: normalised.offset + returned < total, items }
  }

  /**
   * Runs a normalised query (rejects as `run` does) and resolves to the readable hits by
   * encoded key; `returned` counts what the store returned, before any was skipped.
   */
  async runNormalised(
    query: NormalizedSearchQuery,
  ): Promise<{ readonly total: number; readonly hits: SearchHit<V>[]; readonly returned: number }> {
    this.#reporter.stats.searches++
    const store = this.#provider.store as Required<Store<unknown>>
    const answer = await this.#provider.required(() =>
      withTimeout(store.search(query), query.timeoutMs),
    )
    const decoded = answer.hits.map((hit) => this.#decode(hit.key, hit.entry))
    const entries = decoded.some(isPromise) ? await Promise.all(decoded) : decoded
    const hits: SearchHit<V>[] = []
    for (let i = 0; i < answer.hits.length; i++) {
      const f = entries[i] as DecodedEntry<V> | undefined
      if (f === undefined || f.negative || !this.#policy.isFresh(f)) continue
      const hit = answer.hits[i] as StoreSearchResult<unknown>['hits'][number]
      hits.push(
        hit.score === undefined
          ? { k: hit.key, value: f.value as V }
          : { k: hit.key, value: f.value as V, score: hit.score },
      )
    }
    return { total: answer.total, hits, returned: answer.hits.length }
  }

  #decode(
    k: string,
    entry: unknown,
  ): DecodedEntry<V> | undefined | Promise<DecodedEntry<V> | undefined> {
    if (entry === undefined) return undefined
    if (entry instanceof CacheDecodeError) {
      this.#reporter.error(k, 'search', entry)
      return undefined
    }
    const fail = (error: unknown): undefined => {
      this.#reporter.error(k, 'search', error)
      return undefined
    }
    try {
      const out = this.#provider.codec.fromEntry<V>(entry, k)
      return isPromise(out) ? out.then(undefined, fail) : out
    } catch (error) {
      return fail(error)
    }
  }
}

/** `promise`, or a `CacheTimeoutError` once `ms` have passed. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheTimeoutError('search', ms)), ms)
    timer.unref?.()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Throws `CacheUnsupportedError` for a search call on a namespace opened without `search`. */
export function refuseSearch(namespace: string, method: string): never {
  throw new CacheUnsupportedError(
    'search',
    `${method}() needs a search schema, and namespace '${namespace}' was opened without the 'search' option`,
  )
}

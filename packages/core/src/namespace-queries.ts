import type { CacheParts } from './cache-parts.js'
import type { EntryPolicy } from './entry-policy.js'
import { CacheClosedError } from './errors.js'
import { toPromise } from './maybe-promise.js'
import { refuseSearch } from './search/search-runner.js'
import type { SimilarLoader, SimilarOptions } from './search/similar.js'
import type { SearchQuery, SearchResult } from './search-types.js'

/** What the namespace queries work with (a subset of `CacheParts`). */
export type QueryParts<K, V> = Pick<
  CacheParts<K, V>,
  'namespace' | 'state' | 'policy' | 'store' | 'keyCodec' | 'entryOperations' | 'search' | 'similar'
>

/**
 * The reads over a whole namespace, on its store of record (L2 when multilevel): iteration
 * over its keys and entries, `search` and `getOrSetSimilar`. Each refuses a closed service
 * (`CacheClosedError`), then a provider without the capability or a namespace without a
 * search schema (`CacheUnsupportedError`); iterations refuse on their first step.
 */
export class NamespaceQueries<K, V> {
  readonly #p: QueryParts<K, V>
  readonly #policy: EntryPolicy

  constructor(parts: QueryParts<K, V>) {
    this.#p = parts
    this.#policy = parts.policy
  }

  /** `Cache.keys`: the decoded keys of the store. */
  async *keys(): AsyncGenerator<K> {
    this.#checkOpen()
    this.#policy.require('iterate', 'keys')
    const codec = this.#p.keyCodec
    for await (const k of this.#p.store.keys!()) yield codec.decode(k)
  }

  /** `Cache.entries`: `[key, value]` of the store's fresh entries (`EntryOperations.entries`). */
  async *entries(): AsyncGenerator<[K, V]> {
    this.#checkOpen()
    this.#policy.require('iterate', 'entries')
    yield* this.#p.entryOperations.entries()
  }

  /** `Cache.search`: runs `query` (the search runner checks it); rejects as it documents. */
  search(query: SearchQuery): Promise<SearchResult<K, V>> {
    return toPromise(() => {
      this.#checkOpen()
      return (this.#p.search ?? refuseSearch(this.#p.namespace, 'search')).run(query)
    })
  }

  /** `Cache.getOrSetSimilar` (the similar cache checks its arguments); rejects as it documents. */
  getOrSetSimilar(
    embedding: Float32Array | readonly number[],
    loader: SimilarLoader<V>,
    options: SimilarOptions,
  ): Promise<V> {
    return toPromise(() => {
      this.#checkOpen()
      const similar = this.#p.similar ?? refuseSearch(this.#p.namespace, 'getOrSetSimilar')
      return similar.getOrSet(embedding, loader, options)
    })
  }

  #checkOpen(): void {
    if (this.#p.state.closed) throw new CacheClosedError('cache service')
  }
}

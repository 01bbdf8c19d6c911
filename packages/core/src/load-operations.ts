import type { CacheParts } from './cache-parts.js'
import type { BulkLoader, GetOrSetOptions, Loader } from './cache-types.js'
import { checkKeyList, checkLoadCall } from './call-checks.js'
import { getOrSetMany } from './loading/bulk-get-or-set.js'
import { untilAborted } from './loading/load-audience.js'
import { toPromise } from './maybe-promise.js'

/**
 * The loads of a `Cache` besides `getOrSet` (which stays on the facade's hot path):
 * `getOrSetMany`, `refresh` and `refreshMany`. Each checks its keys (with the facade's key
 * check), its loader and options, then hands the work
 * to the bulk read-or-load or the refresher; a bulk call stops waiting when its signal aborts.
 * Each resolves or rejects as the facade documents.
 */
export class LoadOperations<K, V> {
  readonly #p: CacheParts<K, V>
  /** The facade's key check: validates and encodes one key. */
  readonly #key: (key: K) => string

  constructor(parts: CacheParts<K, V>, key: (key: K) => string) {
    this.#p = parts
    this.#key = key
  }

  /** `Cache.getOrSetMany`. */
  getOrSetMany(
    keys: readonly K[],
    loader: BulkLoader<K, V>,
    options: GetOrSetOptions | undefined,
  ): Promise<(V | undefined)[]> {
    return toPromise(() => {
      const ks = checkKeyList(keys, 'getOrSetMany', this.#key)
      checkLoadCall(loader, options, 'getOrSetMany', this.#p.policy)
      const work = getOrSetMany(this.#p, { keys, encoded: ks, loader, options })
      return untilAborted(work, options?.signal)
    })
  }

  /** `Cache.refresh`. */
  refresh(
    key: K,
    loader: Loader<K, V>,
    options: GetOrSetOptions | undefined,
  ): Promise<V | undefined> {
    return toPromise(() => {
      const k = this.#key(key)
      checkLoadCall(loader, options, 'refresh', this.#p.policy)
      return this.#p.refresher.refresh(k, key, loader, options)
    })
  }

  /** `Cache.refreshMany`. */
  refreshMany(
    keys: readonly K[],
    loader: BulkLoader<K, V>,
    options: GetOrSetOptions | undefined,
  ): Promise<(V | undefined)[]> {
    return toPromise(() => {
      const ks = checkKeyList(keys, 'refreshMany', this.#key)
      checkLoadCall(loader, options, 'refreshMany', this.#p.policy)
      const work = this.#p.refresher.refreshMany(ks, keys, loader, options)
      return untilAborted(work, options?.signal)
    })
  }
}

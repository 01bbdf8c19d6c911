import type { SetManyEntry, SetOptions } from './cache-types.js'
import { checkKeyList, checkList, checkSetManyEntry, checkSetOptions } from './call-checks.js'
import { checkValue, type EntryPolicy } from './entry-policy.js'
import { CacheClosedError } from './errors.js'
import { chain, isPromise, toPromise } from './maybe-promise.js'
import type { Overtake } from './namespace-assembly.js'
import type { MaybePromise } from './ports.js'
import type { NamespaceReporter } from './reporter.js'
import type { PlannedWrite, TierHandler } from './tiers/tier-handler.js'

/** What the write operations work with (a subset of `CacheParts`). */
export interface WriteParts<V> {
  readonly tiers: TierHandler<V>
  readonly policy: EntryPolicy
  readonly reporter: NamespaceReporter
  readonly overtake: Overtake
  /** True when the cache reports removals itself (the provider's store does not). */
  readonly reportRemovals: boolean
  /** Shared with the service: `closed` flips when the service closes. */
  readonly state: { readonly closed: boolean }
}

/**
 * The writes and removals of a `Cache` (set, setMany, delete, deleteMany, invalidateTags,
 * clear): each overtakes the reads and loads in flight it affects (they then write nothing
 * back), runs through the tier handler, counts, and reports removals when the provider's
 * store does not report them itself. Each checks its own input: `set` and `delete` get a key
 * the facade validated and encoded (the facade turns their throws into rejections);
 * `setMany` and `deleteMany` run the facade's key check on each key, and they,
 * `invalidateTags` and `clear` resolve or reject as the facade documents.
 * Backend failures propagate (the facade rejects with them).
 */
export class WriteOperations<K, V> {
  readonly #tiers: TierHandler<V>
  readonly #policy: EntryPolicy
  readonly #reporter: NamespaceReporter
  readonly #overtake: Overtake
  readonly #reportRemovals: boolean
  readonly #state: { readonly closed: boolean }
  /** The facade's key check: validates and encodes one key. */
  readonly #key: (key: K) => string

  constructor(parts: WriteParts<V>, key: (key: K) => string) {
    this.#tiers = parts.tiers
    this.#policy = parts.policy
    this.#reporter = parts.reporter
    this.#overtake = parts.overtake
    this.#reportRemovals = parts.reportRemovals
    this.#state = parts.state
    this.#key = key
  }

  /**
   * `Cache.set` under the encoded key `k`: checks `value` and `options`, then writes. Throws
   * (the facade rejects with) `CacheValueError` for `undefined` and the option, TTL and tag
   * errors.
   */
  set(k: string, value: V, options: SetOptions | undefined): Promise<void> {
    checkValue(k, value)
    checkSetOptions(options)
    const entry = this.#policy.entry(options?.ttl, options?.tags, false)
    this.#overtake.key(k)
    const written = this.#tiers.write(k, value, entry, 'write')
    if (isPromise(written)) return written.then(() => this.#reporter.written(k))
    this.#reporter.written(k)
    return Promise.resolve()
  }

  /** `Cache.setMany`: checks every entry, then writes them all; rejects as it documents. */
  setMany(entries: readonly SetManyEntry<K, V>[]): Promise<void> {
    return toPromise(() => {
      checkList(entries, 'setMany', 'entries')
      const writes: PlannedWrite[] = entries.map((e, i) => {
        checkSetManyEntry(e, i)
        const k = this.#key(e.key)
        checkValue(k, e.value)
        return { key: k, value: e.value, options: this.#policy.entry(e.ttl, e.tags, false) }
      })
      if (writes.length === 0) return
      for (const w of writes) this.#overtake.key(w.key)
      return chain(this.#tiers.writeMany(writes, 'write'), () => {
        for (const w of writes) this.#reporter.written(w.key)
      })
    })
  }

  /** Deletes `k`; `true` when an entry was removed. */
  delete(k: string): MaybePromise<boolean> {
    this.#overtake.key(k)
    return chain(this.#tiers.delete(k), (removed) => {
      this.#reporter.deleted(k)
      if (removed && this.#reportRemovals) this.#reporter.removed(k, 'explicit')
      return removed
    })
  }

  /** `Cache.deleteMany`: checks the keys, then deletes them; rejects as it documents. */
  deleteMany(keys: readonly K[]): Promise<number> {
    return toPromise(() => {
      const ks = checkKeyList(keys, 'deleteMany', this.#key)
      if (ks.length === 0) return 0
      for (const k of ks) this.#overtake.key(k)
      return chain(this.#tiers.deleteMany(ks), (count) => {
        for (const k of ks) this.#reporter.deleted(k)
        if (count > 0 && this.#reportRemovals) this.#reporter.removedMany(ks, count)
        return count
      })
    })
  }

  /** `Cache.invalidateTags`: checks the service, the capability and `tags`, then removes. */
  invalidateTags(tags: readonly string[]): Promise<number> {
    return toPromise(() => {
      this.#checkOpen()
      this.#policy.require('tags', 'invalidateTags')
      const checked = this.#policy.tags(tags) ?? []
      if (checked.length === 0) return 0
      this.#overtake.all()
      return chain(this.#tiers.invalidateTags(checked), (count) => {
        this.#reporter.invalidated('tags', checked, count)
        if (count > 0 && this.#reportRemovals) this.#reporter.removed(undefined, 'tag', checked)
        return count
      })
    })
  }

  /** `Cache.clear`: removes every entry of the namespace; rejects after the service closed. */
  clear(): Promise<void> {
    return toPromise(() => {
      this.#checkOpen()
      this.#overtake.all()
      return chain(this.#tiers.clear(), () => {
        this.#reporter.invalidated('clear', [], undefined)
        if (this.#reportRemovals) this.#reporter.removed(undefined, 'clear')
      })
    })
  }

  #checkOpen(): void {
    if (this.#state.closed) throw new CacheClosedError('cache service')
  }
}

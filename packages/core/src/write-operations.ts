import type { EntryOptions } from './entry-policy.js'
import { chain, isPromise } from './maybe-promise.js'
import type { Overtake } from './namespace-assembly.js'
import type { MaybePromise } from './ports.js'
import type { NamespaceReporter } from './reporter.js'
import type { PlannedWrite, TierHandler } from './tiers/tier-handler.js'

/** What the write operations work with (a subset of `CacheParts`). */
export interface WriteParts<V> {
  readonly tiers: TierHandler<V>
  readonly reporter: NamespaceReporter
  readonly overtake: Overtake
  /** True when the cache reports removals itself (the provider's store does not). */
  readonly reportRemovals: boolean
}

/**
 * The writes and removals of a `Cache` (set, setMany, delete, deleteMany, invalidateTags,
 * clear), after the facade has checked their input: each overtakes the reads and loads in
 * flight it affects (they then write nothing back), runs through the tier handler, counts,
 * and reports removals when the provider's store does not report them itself. Backend
 * failures propagate (the facade rejects with them).
 */
export class WriteOperations<V> {
  readonly #tiers: TierHandler<V>
  readonly #reporter: NamespaceReporter
  readonly #overtake: Overtake
  readonly #reportRemovals: boolean

  constructor(parts: WriteParts<V>) {
    this.#tiers = parts.tiers
    this.#reporter = parts.reporter
    this.#overtake = parts.overtake
    this.#reportRemovals = parts.reportRemovals
  }

  /** Writes one checked value under the encoded key `k`. */
  set(k: string, value: V, entry: EntryOptions): Promise<void> {
    this.#overtake.key(k)
    const written = this.#tiers.write(k, value, entry, 'write')
    if (isPromise(written)) return written.then(() => this.#reporter.written(k))
    this.#reporter.written(k)
    return Promise.resolve()
  }

  /** Writes checked entries; nothing when there are none. */
  setMany(writes: readonly PlannedWrite[]): MaybePromise<void> {
    if (writes.length === 0) return
    for (const w of writes) this.#overtake.key(w.key)
    return chain(this.#tiers.writeMany(writes, 'write'), () => {
      for (const w of writes) this.#reporter.written(w.key)
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

  /** Deletes encoded keys; the number of entries removed. */
  deleteMany(ks: readonly string[]): MaybePromise<number> {
    if (ks.length === 0) return 0
    for (const k of ks) this.#overtake.key(k)
    return chain(this.#tiers.deleteMany(ks), (count) => {
      for (const k of ks) this.#reporter.deleted(k)
      if (count > 0 && this.#reportRemovals) this.#reporter.removedMany(ks, count)
      return count
    })
  }

  /** Removes the entries carrying any of the checked `tags`; the number removed. */
  invalidateTags(tags: readonly string[]): MaybePromise<number> {
    if (tags.length === 0) return 0
    this.#overtake.all()
    return chain(this.#tiers.invalidateTags(tags), (count) => {
      this.#reporter.invalidated('tags', tags, count)
      if (count > 0 && this.#reportRemovals) this.#reporter.removed(undefined, 'tag', tags)
      return count
    })
  }

  /** Removes every entry of the namespace. */
  clear(): MaybePromise<void> {
    this.#overtake.all()
    return chain(this.#tiers.clear(), () => {
      this.#reporter.invalidated('clear', [], undefined)
      if (this.#reportRemovals) this.#reporter.removed(undefined, 'clear')
    })
  }
}

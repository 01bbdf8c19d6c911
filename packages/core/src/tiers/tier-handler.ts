import type { EntryCodec } from '../entry-codec.js'
import type { EntryOptions } from '../entry-policy.js'
import type { MaybePromise, Store, StoreFenceOptions } from '../ports.js'
import type { Found } from './decode.js'
import type { L2Guard } from './l2-guard.js'

/**
 * A write the cache wants done: `write` must reach the provider (or reject), `write-back` is a
 * load's result, skipped on the provider while its circuit breaker is open.
 */
export type WriteMode = 'write' | 'write-back'

/** One entry of a batch write. */
export interface PlannedWrite {
  readonly key: string
  readonly value: unknown
  readonly options: EntryOptions
}

/** An entry read for inspection: which tier held it, and its tags where that tier keeps them. */
export interface InspectedEntry<V> {
  readonly found: NonNullable<Found<V>>
  readonly tier: 'l1' | 'provider'
  readonly tags: readonly string[] | undefined
}

/** The in-process tier a synchronous read can use: its store and the codec of its entries. */
export interface InProcessTier {
  readonly store: Store<unknown>
  readonly codec: EntryCodec<unknown>
  /**
   * True when this tier is the namespace's only one, holds live entries and has no breaker:
   * `get` may then read it directly (counting as the handler's `readThen` would).
   */
  readonly only?: boolean
}

/**
 * The topology of a namespace, as a type: one implementation per topology (`SingleTier`,
 * `TwoTier`) behind this interface. Handlers read and write already-validated keys; they
 * encode and decode, count tier requests and hits, and keep their tiers coherent. Deciding
 * hits, misses, loads and grace is the caller's work.
 */
export interface TierHandler<V> {
  readonly topology: 'single' | 'two-tier'
  /** The breaker in front of the provider, when the namespace has one. */
  readonly guard: L2Guard | undefined
  /** Resolves once the handler is fully usable (a multilevel bus subscribed). */
  readonly ready: Promise<void>
  /** A servable entry (fresh or within grace) for `k`, or `undefined`. */
  read(k: string): MaybePromise<Found<V>>
  /**
   * Reads `k` and hands the entry to `then` (a function bound once, so a synchronous hit
   * allocates nothing), in one promise step after the provider's reply.
   */
  readThen<R>(k: string, then: (k: string, f: Found<V>) => R): MaybePromise<R>
  /** Reads the provider only, past any L1 (a peer may just have written there). */
  readProvider(k: string): MaybePromise<Found<V>>
  /** Servable entries for `ks`, in order. */
  readMany(ks: readonly string[]): MaybePromise<Found<V>[]>
  /** Encodes and writes one entry to every tier, then tells other processes. */
  write(k: string, value: unknown, options: EntryOptions, mode: WriteMode): MaybePromise<void>
  /**
   * The provider's fence of `k`, captured before a load (see `Store.fence`); `undefined`
   * when the provider has none (or its circuit is open).
   */
  fence(k: string, options?: StoreFenceOptions): MaybePromise<string | undefined>
  /**
   * Writes a load's result back only if nothing changed on the provider since `fence`
   * (`Store.setIfUnchanged`); L1 and the bus follow only a write that happened. Resolves to
   * whether it was written (`false` also while the circuit is open).
   */
  writeBack(k: string, value: unknown, options: EntryOptions, fence: string): MaybePromise<boolean>
  /** Encodes and writes entries together. */
  writeMany(writes: readonly PlannedWrite[], mode: WriteMode): MaybePromise<void>
  /** Deletes `k` from every tier; resolves to `true` when the provider removed an entry. */
  delete(k: string): MaybePromise<boolean>
  /** Deletes keys from every tier; resolves to the number the provider removed. */
  deleteMany(ks: readonly string[]): MaybePromise<number>
  /** Removes entries carrying any of `tags`; resolves to the number removed. */
  invalidateTags(tags: readonly string[]): MaybePromise<number>
  /** Removes every entry of the namespace. */
  clear(): MaybePromise<void>
  /** After an atomic change on the provider (compute): drops copies of `k` and tells others. */
  changed(k: string): MaybePromise<void>
  /** A write or delete of `k` overtakes reads in flight: they must not back-fill. */
  overtake(k: string): void
  /** Every read in flight is overtaken. */
  overtakeAll(): void
  /**
   * Reads `k` for inspection: the first tier holding a servable entry, counting nothing and
   * copying nothing into L1. `undefined` when no tier holds one.
   */
  inspect(k: string): MaybePromise<InspectedEntry<V> | undefined>
  /** The in-process first tier (L1, or an in-process provider), or `undefined`. */
  readonly inProcessTier: InProcessTier | undefined
}

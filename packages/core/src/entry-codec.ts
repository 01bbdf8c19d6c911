import { type EntryMeta, withEnvelopeExpiry } from './envelope.js'
import type { DecodedEntry, ValuePipeline } from './pipeline.js'
import type { LiveEntry, MaybePromise } from './ports.js'

/**
 * Turns values into what a store holds and back, so the Cache has one code path for live and
 * bytes stores. `fromEntry` throws `CacheDecodeError` for entries it cannot read.
 */
export interface EntryCodec<E> {
  toEntry(value: unknown, meta: EntryMeta, key: string): MaybePromise<E>
  fromEntry<V>(entry: E, key: string): MaybePromise<DecodedEntry<V>>
  /**
   * The same entry with a new logical expiry, without decoding its value. Throws
   * `CacheDecodeError` for an entry it cannot read.
   */
  withExpiry?(entry: E, expiry: EntryExpiry): E
  /** True when `fromEntry` always answers synchronously (no transformer to run). */
  readonly decodesSynchronously?: boolean
}

/** The logical expiry of an entry. */
export interface EntryExpiry {
  readonly expiresAt: number | undefined
  readonly staleUntil: number | undefined
}

/**
 * Live stores hold the value and its metadata as one object: nothing to encode. When `meta`
 * already is that object (it carries this very value), it is stored as it is.
 */
export const liveEntryCodec: EntryCodec<LiveEntry> = {
  toEntry: (value, meta) =>
    (meta as Partial<LiveEntry>).value === value && 'value' in meta
      ? (meta as LiveEntry)
      : {
          value,
          createdAt: meta.createdAt,
          expiresAt: meta.expiresAt,
          staleUntil: meta.staleUntil,
          negative: meta.negative,
        },
  fromEntry: <V>(entry: LiveEntry) => entry as DecodedEntry<V>,
  withExpiry: (entry, expiry) => ({
    value: entry.value,
    createdAt: entry.createdAt,
    expiresAt: expiry.expiresAt,
    staleUntil: expiry.staleUntil,
    negative: entry.negative,
  }),
  decodesSynchronously: true,
}

/** Bytes stores hold envelopes produced by the namespace's value pipeline. */
export function bytesEntryCodec(
  pipeline: ValuePipeline,
  namespace: string,
): EntryCodec<Uint8Array> {
  return {
    toEntry: (value, meta, key) => pipeline.encode(value, meta, { namespace, key }),
    fromEntry: <V>(entry: Uint8Array, key: string) =>
      pipeline.decodeEntry<V>(entry, namespace, key),
    withExpiry: (entry, expiry) => withEnvelopeExpiry(entry, expiry),
    decodesSynchronously: pipeline.transformers.length === 0,
  }
}

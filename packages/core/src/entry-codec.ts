import type { EntryMeta } from './envelope.js'
import type { DecodedEntry, ValuePipeline } from './pipeline.js'
import type { LiveEntry, MaybePromise } from './ports.js'

/**
 * Turns values into what a store holds and back, so the Cache has one code path for live and
 * bytes stores. `fromEntry` throws `CacheDecodeError` for entries it cannot read.
 */
export interface EntryCodec<E> {
  toEntry(value: unknown, meta: EntryMeta, key: string): MaybePromise<E>
  fromEntry<V>(entry: E, key: string): MaybePromise<DecodedEntry<V>>
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
}

/** Bytes stores hold envelopes produced by the namespace's value pipeline. */
export function bytesEntryCodec(
  pipeline: ValuePipeline,
  namespace: string,
): EntryCodec<Uint8Array> {
  return {
    toEntry: (value, meta, key) => pipeline.encode(value, meta, { namespace, key }),
    fromEntry: <V>(entry: Uint8Array, key: string) => pipeline.decode<V>(entry, { namespace, key }),
  }
}

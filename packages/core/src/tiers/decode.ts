import type { EntryCodec } from '../entry-codec.js'
import { CacheDecodeError } from '../errors.js'
import { isPromise } from '../maybe-promise.js'
import type { DecodedEntry } from '../pipeline.js'
import type { MaybePromise } from '../ports.js'
import type { NamespaceReporter } from '../reporter.js'

/** An entry read back from a store. `undefined` stands for a miss (absent or undecodable). */
export type Found<V> = DecodedEntry<V> | undefined

/**
 * Decodes a stored entry. Never throws: bytes that cannot be read, and a `CacheDecodeError`
 * a store answered in place of an entry, are a miss plus an `error` event (`get`).
 */
export function decodeEntry<V>(
  k: string,
  raw: unknown,
  codec: EntryCodec<unknown>,
  reporter: NamespaceReporter,
): MaybePromise<Found<V>> {
  if (raw === undefined) return undefined
  if (raw instanceof CacheDecodeError) {
    // The store found an entry it cannot hand over (a foreign type, a corrupt header).
    reporter.error(k, 'get', raw)
    return undefined
  }
  let decoded: MaybePromise<DecodedEntry<V>>
  try {
    decoded = codec.fromEntry<V>(raw, k)
  } catch (error) {
    reporter.error(k, 'get', error)
    return undefined
  }
  if (isPromise(decoded)) {
    return decoded.then(undefined, (error: unknown) => {
      reporter.error(k, 'get', error)
      return undefined
    })
  }
  return decoded
}

/** Decodes entries read together; synchronous unless a decode is. */
export function decodeEntries<V>(
  ks: readonly string[],
  raws: readonly unknown[],
  codec: EntryCodec<unknown>,
  reporter: NamespaceReporter,
): MaybePromise<Found<V>[]> {
  const out = new Array<MaybePromise<Found<V>>>(raws.length)
  let async = false
  for (let i = 0; i < raws.length; i++) {
    const f = decodeEntry<V>(ks[i] as string, raws[i], codec, reporter)
    if (f !== undefined && isPromise(f)) async = true
    out[i] = f
  }
  return async ? Promise.all(out) : (out as Found<V>[])
}

/** Hands a decoded entry to `then`, now or once its decoding settles. */
export function settle<V, R>(
  k: string,
  f: MaybePromise<Found<V>>,
  then: (k: string, f: Found<V>) => R,
): MaybePromise<R> {
  return isPromise(f) ? f.then((d) => then(k, d)) : then(k, f)
}

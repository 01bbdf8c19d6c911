import { isBackendFailure } from '../breaker.js'
import type { BulkLoader, GetOrSetOptions } from '../cache-types.js'
import type { EntryPolicy } from '../entry-policy.js'
import type { NamespaceReporter } from '../reporter.js'
import type { Found } from '../tiers/decode.js'
import type { TierHandler } from '../tiers/tier-handler.js'
import { fanOut, LoadAudience } from './load-audience.js'
import type { LoadRunner } from './load-runner.js'
import type { BulkLoad } from './locked-bulk-load.js'
import type { Flight, Singleflight } from './singleflight.js'

/** What `getOrSetMany` works with. */
export interface BulkParts<K, V> {
  readonly tiers: TierHandler<V>
  readonly policy: EntryPolicy
  readonly reporter: NamespaceReporter
  readonly singleflight: Singleflight<V>
  readonly runner: LoadRunner<K, V>
  /** Runs a bulk load, under the distributed lock when the namespace has one. */
  readonly bulkLoad: BulkLoad<K, V>
  /** `loaderFallback`: on a failed provider read, load every key instead of rejecting. */
  readonly settings: { readonly loaderFallback: boolean }
}

/**
 * Reads many keys and loads the missing ones with one call of the bulk loader, which
 * receives only the keys that were neither cached nor already in flight in this process.
 * Keys in flight are joined. Resolves in the order of `request.encoded`. With
 * `options.signal`, the caller leaves every flight it waits on when the signal aborts (the
 * bulk loader's own signal fires once nobody waits on it); the caller's promise itself is
 * raced against the signal by the facade.
 */
export async function getOrSetMany<K, V>(
  parts: BulkParts<K, V>,
  request: {
    readonly keys: readonly K[]
    /** `keys`, encoded and validated. */
    readonly encoded: readonly string[]
    readonly loader: BulkLoader<K, V>
    readonly options: GetOrSetOptions | undefined
  },
): Promise<(V | undefined)[]> {
  const caller = fanOut(request.options?.signal)
  try {
    return await readOrLoadMany(parts, request, caller.signal)
  } finally {
    caller.dispose()
  }
}

async function readOrLoadMany<K, V>(
  parts: BulkParts<K, V>,
  request: {
    readonly keys: readonly K[]
    /** `keys`, encoded and validated. */
    readonly encoded: readonly string[]
    readonly loader: BulkLoader<K, V>
    readonly options: GetOrSetOptions | undefined
  },
  signal: AbortSignal | undefined,
): Promise<(V | undefined)[]> {
  const { tiers, policy, reporter, singleflight } = parts
  const ks = request.encoded
  const original = new Map<string, K>()
  ks.forEach((k, i) => {
    if (!original.has(k)) original.set(k, request.keys[i] as K)
  })
  const values = new Map<string, V | undefined>()
  const joined: Promise<void>[] = []
  // Joined at once, so this caller counts among each flight's waiters from the start.
  const join = (k: string, flight: Flight<V>): void => {
    reporter.joined(k)
    const done = singleflight.join(flight, signal).then((v) => {
      values.set(k, v)
    })
    done.catch(() => undefined)
    joined.push(done)
  }
  const toRead: string[] = []
  for (const k of original.keys()) {
    const pending = singleflight.pending(k)
    if (pending !== undefined) join(k, pending)
    else toRead.push(k)
  }
  const missing: string[] = []
  if (toRead.length > 0) {
    let found: Found<V>[]
    try {
      found = await tiers.readMany(toRead)
    } catch (error) {
      // A failing provider degrades to the loader (unless the namespace turned that off).
      if (!parts.settings.loaderFallback || !isBackendFailure(error)) throw error
      reporter.error(undefined, 'get', error)
      found = new Array<Found<V>>(toRead.length).fill(undefined)
    }
    found.forEach((f, i) => {
      const k = toRead[i] as string
      if (f !== undefined && policy.isFresh(f)) {
        reporter.hit(k)
        values.set(k, f.negative ? undefined : (f.value as V))
      } else {
        reporter.miss(k)
        missing.push(k)
      }
    })
  }
  const fresh: string[] = []
  for (const k of missing) {
    const pending = singleflight.pending(k)
    if (pending !== undefined) join(k, pending)
    else fresh.push(k)
  }
  if (fresh.length > 0) {
    const audience = new LoadAudience()
    const batch = parts.bulkLoad(
      fresh,
      original,
      request.loader,
      request.options,
      audience.signal,
      undefined,
    )
    for (const k of fresh) {
      singleflight.register(
        k,
        batch.then((loaded) => loaded.get(k)),
        audience,
      )
    }
    const loaded = await audience.attend(batch, signal)
    for (const k of fresh) values.set(k, loaded.get(k))
  }
  await Promise.all(joined)
  return ks.map((k) => values.get(k))
}

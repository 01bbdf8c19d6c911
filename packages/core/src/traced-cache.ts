import { Cache, type CacheParts } from './cache.js'
import type {
  BulkLoader,
  ComputeOptions,
  ComputeResult,
  GetOrSetOptions,
  GetOrSetResult,
  Loader,
  LoaderContext,
  NotFound,
  SetManyEntry,
  SetOptions,
} from './cache-types.js'
import {
  type CacheOperation,
  type CacheOperationMessage,
  operationChannels,
} from './diagnostics.js'
import type { KeyCodec, MaybePromise } from './ports.js'
import type { NamespaceReporter } from './reporter.js'

const CH = operationChannels

/**
 * The `Cache` of a namespace with diagnostics on (the default): every operation is published
 * on its TracingChannel `cacheport:cache.<operation>` while someone subscribes, with the
 * namespace, the encoded key(s) and, for reads, the outcome (hit or miss, tier, joined,
 * stale). With no subscriber an operation costs one `hasSubscribers` check and builds nothing.
 */
export class TracedCache<V = unknown, K = string> extends Cache<V, K> {
  readonly #reporter: NamespaceReporter
  readonly #keyCodec: KeyCodec<K>

  /** @internal Built by the cache service. */
  constructor(parts: CacheParts<K, V>, options: { readonly identityKeys: boolean }) {
    super(parts, options)
    this.#reporter = parts.reporter
    this.#keyCodec = parts.keyCodec
  }

  override get(key: K): Promise<V | undefined> {
    if (!CH.get.hasSubscribers) return super.get(key)
    return this.#traced('get', [key], () => super.get(key))
  }

  override getOrSet<R extends V | NotFound>(
    key: K,
    loader: (context: LoaderContext<K>) => MaybePromise<R>,
    options?: GetOrSetOptions,
  ): Promise<GetOrSetResult<V, R>>
  override getOrSet(
    key: K,
    loader: Loader<K, V>,
    options?: GetOrSetOptions,
  ): Promise<V | undefined> {
    if (!CH.getOrSet.hasSubscribers) return super.getOrSet(key, loader, options)
    return this.#traced('getOrSet', [key], () => super.getOrSet(key, loader, options))
  }

  override getMany(keys: readonly K[]): Promise<(V | undefined)[]> {
    if (!CH.getMany.hasSubscribers) return super.getMany(keys)
    return this.#traced('getMany', keys, () => super.getMany(keys), true)
  }

  override getOrSetMany(
    keys: readonly K[],
    loader: BulkLoader<K, V>,
    options?: GetOrSetOptions,
  ): Promise<(V | undefined)[]> {
    if (!CH.getOrSetMany.hasSubscribers) return super.getOrSetMany(keys, loader, options)
    return this.#traced('getOrSetMany', keys, () => super.getOrSetMany(keys, loader, options), true)
  }

  override set(key: K, value: V, options?: SetOptions): Promise<void> {
    if (!CH.set.hasSubscribers) return super.set(key, value, options)
    return this.#traced('set', [key], () => super.set(key, value, options))
  }

  override setMany(entries: readonly SetManyEntry<K, V>[]): Promise<void> {
    if (!CH.setMany.hasSubscribers) return super.setMany(entries)
    const keys = Array.isArray(entries) ? entries.map((e: SetManyEntry<K, V>) => e?.key) : []
    return this.#traced('setMany', keys, () => super.setMany(entries), true)
  }

  override delete(key: K): Promise<boolean> {
    if (!CH.delete.hasSubscribers) return super.delete(key)
    return this.#traced('delete', [key], () => super.delete(key))
  }

  override deleteMany(keys: readonly K[]): Promise<number> {
    if (!CH.deleteMany.hasSubscribers) return super.deleteMany(keys)
    return this.#traced('deleteMany', keys, () => super.deleteMany(keys), true)
  }

  override invalidateTags(tags: readonly string[]): Promise<number> {
    if (!CH.invalidateTags.hasSubscribers) return super.invalidateTags(tags)
    const message: CacheOperationMessage = {
      namespace: this.namespace,
      operation: 'invalidateTags',
      tags: Array.isArray(tags) ? [...tags] : [],
    }
    return CH.invalidateTags.tracePromise(() => super.invalidateTags(tags), message)
  }

  override clear(): Promise<void> {
    if (!CH.clear.hasSubscribers) return super.clear()
    const message: CacheOperationMessage = { namespace: this.namespace, operation: 'clear' }
    return CH.clear.tracePromise(() => super.clear(), message)
  }

  override compute(
    key: K,
    fn: (current: V | undefined) => MaybePromise<ComputeResult<V>>,
    options?: ComputeOptions,
  ): Promise<V | undefined> {
    if (!CH.compute.hasSubscribers) return super.compute(key, fn, options)
    return this.#traced('compute', [key], () => super.compute(key, fn, options))
  }

  /**
   * Runs `call` through the operation's TracingChannel, with the outcome of its reads marked
   * into the message. Keys that cannot be encoded go to `call` as they are (it rejects them).
   */
  #traced<T>(
    operation: CacheOperation,
    keys: readonly K[],
    call: () => Promise<T>,
    batch = false,
  ): Promise<T> {
    const encoded = this.#encode(keys)
    if (encoded === undefined) return call()
    const message: CacheOperationMessage = batch
      ? { namespace: this.namespace, operation, keys: encoded, hits: 0, misses: 0 }
      : { namespace: this.namespace, operation, key: encoded[0] as string }
    const close = this.#reporter.marks.open(encoded, message)
    const out = CH[operation].tracePromise(call, message) as Promise<T>
    return out.finally(close)
  }

  #encode(keys: readonly K[]): string[] | undefined {
    try {
      return keys.map((k) => (typeof k === 'string' ? k : this.#keyCodec.encode(k)))
    } catch {
      return undefined
    }
  }
}

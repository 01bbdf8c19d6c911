/**
 * Attribute names. OpenTelemetry has no cache semantic conventions yet
 * (open-telemetry/semantic-conventions#1747); these follow the de facto names (Sentry's cache
 * module: `cache.hit`, `cache.key`, `cache.item_size`; BentoCache's `cache.tier`,
 * `cache.operation`). Pass `attributeNames` to switch to other names, e.g. once OpenTelemetry
 * publishes conventions.
 */
export interface AttributeNames {
  /** The namespace. Default `cache.namespace`. */
  readonly namespace: string
  /** The cacheport operation (`get`, `getOrSet`, ...). Default `cache.operation`. */
  readonly operation: string
  /** Whether a read was answered from the cache. Default `cache.hit`. */
  readonly hit: string
  /** The tier that held the entry (`l1`, `l2`). Default `cache.tier`. */
  readonly tier: string
  /** The encoded key(s); recorded only with `recordKeys: true`. Default `cache.key`. */
  readonly key: string
  /** Item size in bytes, when known. Default `cache.item_size`. */
  readonly itemSize: string
  /** Metric attribute: `hit` or `miss` (or `stale`, `joined`). Default `cache.result`. */
  readonly result: string
  /** Whether a stale value was served within grace. Default `cache.graced`. */
  readonly graced: string
  /** Error code of a failed call or error event. Default `error.type`. */
  readonly errorType: string
}

export const DEFAULT_ATTRIBUTE_NAMES: AttributeNames = Object.freeze({
  namespace: 'cache.namespace',
  operation: 'cache.operation',
  hit: 'cache.hit',
  tier: 'cache.tier',
  key: 'cache.key',
  itemSize: 'cache.item_size',
  result: 'cache.result',
  graced: 'cache.graced',
  errorType: 'error.type',
})

/** Span names by operation: Sentry's cache span ops. */
export const SPAN_NAMES = Object.freeze({
  get: 'cache.get',
  getOrSet: 'cache.get',
  getMany: 'cache.get',
  getOrSetMany: 'cache.get',
  set: 'cache.put',
  setMany: 'cache.put',
  compute: 'cache.put',
  delete: 'cache.remove',
  deleteMany: 'cache.remove',
  invalidateTags: 'cache.remove',
  clear: 'cache.flush',
  load: 'cache.load',
})

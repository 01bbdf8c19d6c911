/**
 * @cacheport/opentelemetry: OpenTelemetry metrics and spans for cacheport. Metrics read every
 * namespace's stats when the SDK collects; spans come from core's `node:diagnostics_channel`
 * TracingChannels. Core does not depend on this package.
 */
import type { CacheService } from '@cacheport/core'
import { type MeterProvider, metrics, type TracerProvider, trace } from '@opentelemetry/api'
import { type AttributeNames, DEFAULT_ATTRIBUTE_NAMES } from './attributes.js'
import { registerMetrics } from './metrics.js'
import { traceCacheOperations } from './tracing.js'

export { type AttributeNames, DEFAULT_ATTRIBUTE_NAMES, SPAN_NAMES } from './attributes.js'

/** Options of `instrumentCacheport`. */
export interface OpenTelemetryOptions {
  /** The service whose namespaces and providers are measured (needed for metrics). */
  readonly service?: CacheService
  /** Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider
  /** Default: the global meter provider (`metrics.getMeterProvider()`). */
  readonly meterProvider?: MeterProvider
  /** Spans for cache operations and loads. Default `true`. */
  readonly traces?: boolean
  /** Metrics (needs `service`). Default `true` when `service` is given. */
  readonly metrics?: boolean
  /**
   * Record a duration histogram of every cache operation (`cacheport.cache.operation.duration`).
   * It subscribes to every operation's channel, which costs time on every call (see the
   * benchmarks); default `false`.
   */
  readonly operationDuration?: boolean
  /** Record keys as `cache.key` on spans. Keys can hold personal data: default `false`. */
  readonly recordKeys?: boolean
  /** Other attribute names (e.g. OpenTelemetry's cache conventions, once published). */
  readonly attributeNames?: Partial<AttributeNames>
}

/** What `instrumentCacheport` returns. */
export interface CacheportInstrumentation {
  /** The attribute names in use. */
  readonly attributeNames: AttributeNames
  /** Unsubscribes from the channels and unregisters the metrics. Idempotent. */
  close(): void
}

const NAME = '@cacheport/opentelemetry'

/**
 * Starts emitting cacheport's metrics and spans. Throws `TypeError` when `metrics` is asked
 * for without a `service`, or when `attributeNames` maps a name to a non-string.
 */
export function instrumentCacheport(options: OpenTelemetryOptions = {}): CacheportInstrumentation {
  const names: AttributeNames = { ...DEFAULT_ATTRIBUTE_NAMES, ...options.attributeNames }
  for (const [field, value] of Object.entries(names)) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new TypeError(`attributeNames.${field} must be a non-empty string`)
    }
  }
  const wantMetrics = options.metrics ?? options.service !== undefined
  if (wantMetrics && options.service === undefined) {
    throw new TypeError('instrumentCacheport: metrics need the cache service (option service)')
  }
  const closers: (() => void)[] = []
  if (options.traces ?? true) {
    const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(NAME)
    closers.push(traceCacheOperations({ tracer, names, recordKeys: options.recordKeys === true }))
  }
  if (wantMetrics && options.service !== undefined) {
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(NAME)
    closers.push(
      registerMetrics({
        meter,
        service: options.service,
        names,
        operationDuration: options.operationDuration === true,
      }),
    )
  }
  return {
    attributeNames: names,
    close() {
      for (const c of closers.splice(0)) c()
    },
  }
}

import type { CacheService } from '@cacheport/core'
import { instrumentCacheport } from '@cacheport/opentelemetry'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'

/**
 * How a bench subject is observed: `off` is the build without channels (`diagnostics: false`),
 * `none` the default with no subscriber, `metrics` the OpenTelemetry package's metrics (read
 * from stats on collection), `metrics+durations` adds the per-operation duration histogram
 * (a subscriber on every call), `traces` adds spans on every call.
 */
export type Observed = 'off' | 'none' | 'metrics' | 'metrics+durations' | 'traces'

/** A span exporter that drops spans: the cost measured is making them, not shipping them. */
const dropSpans: SpanExporter = {
  export(_spans: ReadableSpan[], done) {
    done({ code: 0 })
  },
  async shutdown() {},
}

/** Attaches the OpenTelemetry package (real SDK providers) as `observed` says. */
export function observe(service: CacheService, observed: Observed): void {
  if (observed === 'off' || observed === 'none') return
  const meterProvider = new MeterProvider()
  if (observed === 'traces') {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(dropSpans)],
    })
    instrumentCacheport({ service, meterProvider, tracerProvider })
    return
  }
  instrumentCacheport({
    service,
    meterProvider,
    traces: false,
    operationDuration: observed === 'metrics+durations',
  })
}

/** Subject-name suffix for each mode. */
export const OBSERVED_LABEL: Readonly<Record<Observed, string>> = {
  off: 'diagnostics off',
  none: 'no subscriber',
  metrics: 'OTel metrics',
  'metrics+durations': 'OTel metrics + op durations',
  traces: 'OTel metrics + traces',
}

import { tracingChannel } from 'node:diagnostics_channel'
import {
  CACHE_OPERATIONS,
  type CacheLoadMessage,
  type CacheOperationMessage,
  CHANNEL_NAMES,
} from '@cacheport/core'
import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { type AttributeNames, SPAN_NAMES } from './attributes.js'

type Message = CacheOperationMessage | CacheLoadMessage

/**
 * A "store" for `channel.start.bindStore`: Node's TracingChannel runs the traced call inside
 * `store.run(transform(message), call)`, so running it inside `context.with` makes the span
 * the active context of the call (and of the loader it starts) for whatever context manager
 * the application registered (AsyncLocalStorage-based in Node).
 */
const otelContextStore = {
  run<T>(ctx: Context, fn: () => T): T {
    return context.with(ctx, fn)
  },
}

/**
 * Spans for every cache operation (`cache.get`, `cache.put`, `cache.remove`, `cache.flush`)
 * and a `cache.load` child span around each loader call, so a trace shows the miss, the
 * loader, and what the loader did. Returns a function that unsubscribes.
 */
export function traceCacheOperations(options: {
  readonly tracer: Tracer
  readonly names: AttributeNames
  readonly recordKeys: boolean
}): () => void {
  const { tracer, names, recordKeys } = options
  const spans = new WeakMap<object, Span>()
  const start = (message: Message): Context => {
    const parent = context.active()
    const attributes: Attributes = {
      [names.namespace]: message.namespace,
      [names.operation]: message.operation,
    }
    if (recordKeys) {
      if (message.key !== undefined) attributes[names.key] = message.key
      else if (message.keys !== undefined) attributes[names.key] = [...message.keys]
    }
    const span = tracer.startSpan(
      SPAN_NAMES[message.operation],
      { kind: SpanKind.INTERNAL, attributes },
      parent,
    )
    spans.set(message, span)
    return trace.setSpan(parent, span)
  }
  const finish = (message: Message): void => {
    const span = spans.get(message)
    if (span === undefined) return
    spans.delete(message)
    if (message.operation !== 'load') {
      const m = message as CacheOperationMessage
      if (m.hit !== undefined) span.setAttribute(names.hit, m.hit)
      if (m.tier !== undefined) span.setAttribute(names.tier, m.tier)
      if (m.stale === true) span.setAttribute(names.graced, true)
      if (m.hits !== undefined) span.setAttribute(`${names.hit}.count`, m.hits)
      if (m.misses !== undefined) span.setAttribute(`${names.hit}.miss_count`, m.misses)
    }
    span.end()
  }
  const failed = (message: Message): void => {
    const span = spans.get(message)
    if (span === undefined) return
    const error = message.error
    const code = (error as { code?: unknown } | undefined)?.code
    span.setAttribute(
      names.errorType,
      typeof code === 'string' ? code : ((error as Error | undefined)?.name ?? 'Error'),
    )
    if (error instanceof Error) span.recordException(error)
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error | undefined)?.message })
  }
  const unsubscribes: (() => void)[] = []
  const channelNames = [...CACHE_OPERATIONS.map(CHANNEL_NAMES.operation), CHANNEL_NAMES.load]
  for (const name of channelNames) {
    const ch = tracingChannel<unknown, Message>(name)
    const handlers = {
      start() {},
      end() {},
      asyncStart() {},
      asyncEnd: finish,
      error: failed,
    }
    ch.start.bindStore(otelContextStore as never, start as never)
    ch.subscribe(handlers)
    unsubscribes.push(() => {
      ch.unsubscribe(handlers)
      ch.start.unbindStore(otelContextStore as never)
    })
  }
  return () => {
    for (const u of unsubscribes) u()
  }
}

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type CacheProvider, type CacheService, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { type CacheportInstrumentation, instrumentCacheport } from '@cacheport/opentelemetry'
import { cacheportCollector } from '@cacheport/prometheus'
import { memoryProvider } from '@cacheport/provider-memory'
import { redisProvider } from '@cacheport/provider-redis'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import { Registry } from 'prom-client'

/** A product, as the fake database returns it. */
export interface Product {
  readonly id: number
  readonly name: string
  readonly price: number
}

/** Options of `startApp`. */
export interface AppOptions {
  /** Port to listen on, on 127.0.0.1; 0 picks a free one. */
  readonly port: number
  /** With a Redis URL the namespace is multilevel (L1 in memory, L2 on Redis). */
  readonly redisUrl?: string
  /** Where spans go. Default: the console. */
  readonly spanExporter?: SpanExporter
  /** Simulated database latency, ms. Default 20. */
  readonly dbLatencyMs?: number
}

/** A running app. */
export interface App {
  readonly url: string
  readonly service: CacheService
  /** Stops the server, the instrumentation and the cache service. */
  close(): Promise<void>
}

/**
 * Starts the example: `GET /products/:id` reads through a cacheport namespace (the loader is
 * a fake database query with its own span), `GET /metrics` serves the Prometheus exposition.
 */
export async function startApp(options: AppOptions): Promise<App> {
  const contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(options.spanExporter ?? new ConsoleSpanExporter())],
  })
  const providers: Record<string, CacheProvider> = {
    local: memoryProvider({ maximumSize: 10_000, values: 'live' }),
  }
  if (options.redisUrl !== undefined) {
    providers.redis = await redisProvider({ url: options.redisUrl, keyPrefix: 'example:' })
  }
  const service = createCacheService({
    providers,
    defaultProvider: options.redisUrl !== undefined ? 'redis' : 'local',
    encoder: jsonEncoder(),
    logger: console,
  })
  const products = service.namespace<Product, number>('products', {
    ttl: '1m',
    keyCodec: { encode: (id) => `p:${id}`, decode: (k) => Number(k.slice(2)) },
    ...(options.redisUrl !== undefined ? { l1: 'local' } : {}),
  })
  await products.ready()
  const instrumentation: CacheportInstrumentation = instrumentCacheport({ tracerProvider })
  const registry = new Registry()
  const collector = cacheportCollector({ service, registry })
  const tracer = tracerProvider.getTracer('example-observability')
  const latency = options.dbLatencyMs ?? 20
  const queryDatabase = (id: number): Promise<Product> =>
    tracer.startActiveSpan('db.query', async (span) => {
      span.setAttribute('db.query.text', 'SELECT * FROM products WHERE id = ?')
      await new Promise((r) => setTimeout(r, latency))
      span.end()
      return { id, name: `Product ${id}`, price: 5 + (id % 95) }
    })

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname === '/metrics') {
      registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': registry.contentType })
        res.end(body)
      })
      return
    }
    const match = /^\/products\/(\d{1,9})$/.exec(url.pathname)
    if (match === null) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    const id = Number(match[1])
    products
      .getOrSet(id, () => queryDatabase(id))
      .then(
        (product) => {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify(product))
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' })
          res.end(`${(error as Error).message}\n`)
        },
      )
  })
  server.listen(options.port, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    service,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      collector.close()
      instrumentation.close()
      await tracerProvider.shutdown()
      await service.close()
      contextManager.disable()
      trace.disable()
    },
  }
}

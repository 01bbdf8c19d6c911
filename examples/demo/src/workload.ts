import {
  type CacheProvider,
  type CacheStats,
  createCacheService,
  type Duration,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { type Product, SlowProductSource } from './data-source.js'
import { mulberry32, zipfSampler } from './random.js'

/** The shape of one run: how many requests, how skewed, how slow the data source is. */
export interface WorkloadOptions {
  /** Requests per run. */
  readonly requests: number
  /** Requests in flight at once. */
  readonly concurrency: number
  /** Distinct product ids (zipf ranks). */
  readonly products: number
  /** Zipf exponent: 0 is uniform, 1 is the classic "few hot keys" skew. */
  readonly skew: number
  /** PRNG seed: the same seed gives the same request sequence. */
  readonly seed: number
  /** Data source latency per lookup, ms. */
  readonly delayMs: number
  /** TTL of the cached namespace. */
  readonly ttl: Duration
}

export const DEFAULT_WORKLOAD: WorkloadOptions = {
  requests: 4_000,
  concurrency: 50,
  products: 2_000,
  skew: 1.0,
  seed: 42,
  delayMs: 20,
  ttl: '10m',
}

/** What one run measured. Latencies are per request, in ms. */
export interface RunResult {
  readonly label: string
  readonly requests: number
  /** Requests answered without calling the data source themselves. */
  readonly hits: number
  /** Requests whose own loader called the data source. */
  readonly misses: number
  readonly hitRatio: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Calls the data source received during the run. */
  readonly loaderCalls: number
  readonly wallMs: number
  /** The namespace's own counters (cached runs only). */
  readonly cacheStats?: CacheStats
}

/** The product ids requested, in order: zipf-distributed, reproducible from the seed. */
export function requestSequence(options: WorkloadOptions): number[] {
  const next = zipfSampler(options.products, options.skew, mulberry32(options.seed))
  return Array.from({ length: options.requests }, next)
}

/** Runs `handle` over `ids` with `concurrency` requests in flight; returns each request's latency. */
async function drive(
  ids: readonly number[],
  concurrency: number,
  handle: (id: number) => Promise<unknown>,
): Promise<Float64Array> {
  const latencies = new Float64Array(ids.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++
      const started = performance.now()
      await handle(ids[i] as number)
      latencies[i] = performance.now() - started
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker))
  return latencies
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

function summarize(
  label: string,
  latencies: Float64Array,
  misses: number,
  loaderCalls: number,
  wallMs: number,
  cacheStats?: CacheStats,
): RunResult {
  const sorted = latencies.slice().sort()
  const requests = latencies.length
  return {
    label,
    requests,
    hits: requests - misses,
    misses,
    hitRatio: requests === 0 ? 0 : (requests - misses) / requests,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    loaderCalls,
    wallMs,
    ...(cacheStats === undefined ? {} : { cacheStats }),
  }
}

/** Every request goes to the data source. */
export async function runWithoutCache(
  options: WorkloadOptions,
  ids: readonly number[] = requestSequence(options),
): Promise<RunResult> {
  const source = new SlowProductSource(options.delayMs)
  const started = performance.now()
  const latencies = await drive(ids, options.concurrency, (id) => source.product(id))
  const wallMs = performance.now() - started
  return summarize('no cache', latencies, ids.length, source.calls, wallMs)
}

/**
 * Requests go through `getOrSet` on a namespace of `provider`. A request counts as a miss when
 * its own loader ran; a request that waited for another request's load of the same key counts
 * as a hit, since it did not reach the data source.
 */
export async function runWithCache(
  options: WorkloadOptions,
  provider: CacheProvider,
  label: string,
  ids: readonly number[] = requestSequence(options),
): Promise<RunResult> {
  const source = new SlowProductSource(options.delayMs)
  const caches = createCacheService({ providers: { local: provider }, encoder: jsonEncoder() })
  try {
    const products = caches.namespace<Product>('products', { ttl: options.ttl })
    // A shared backend (Redis) may hold entries from an earlier run: start cold.
    await products.clear()
    let misses = 0
    const started = performance.now()
    const latencies = await drive(ids, options.concurrency, (id) =>
      products.getOrSet(`p:${id}`, () => {
        misses++
        return source.product(id)
      }),
    )
    const wallMs = performance.now() - started
    return summarize(label, latencies, misses, source.calls, wallMs, products.stats())
  } finally {
    await caches.close()
  }
}

/** Runs the same request sequence without a cache, then through cacheport. */
export async function runDemo(
  options: WorkloadOptions,
  provider: CacheProvider,
  label: string,
): Promise<RunResult[]> {
  const ids = requestSequence(options)
  const baseline = await runWithoutCache(options, ids)
  const cached = await runWithCache(options, provider, label, ids)
  return [baseline, cached]
}

import { startServer } from '@cacheport/test-harness'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { startApp } from '../src/app.js'

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

describe('observability example', () => {
  it('serves products through the cache and exposes the counts on /metrics, with traces', async () => {
    const redis = await startServer({ kind: 'redis' })
    const spans = new InMemorySpanExporter()
    const app = await startApp({
      port: 0,
      redisUrl: redis.url,
      spanExporter: spans,
      dbLatencyMs: 2,
    })
    try {
      for (const id of [1, 2, 1, 1, 3, 2]) {
        const response = await fetch(`${app.url}/products/${id}`)
        expect(response.status).toBe(200)
        expect(await response.json()).toMatchObject({ id, name: `Product ${id}` })
      }
      expect((await fetch(`${app.url}/nope`)).status).toBe(404)
      const metrics = await fetch(`${app.url}/metrics`)
      expect(metrics.status).toBe(200)
      const text = await metrics.text()
      expect(text).toContain('# TYPE cacheport_cache_lookups_total counter')
      const at = { namespace: 'products' }
      expect(sample(text, 'cacheport_cache_lookups_total', { ...at, result: 'miss' })).toBe(3)
      expect(sample(text, 'cacheport_cache_lookups_total', { ...at, result: 'hit' })).toBe(3)
      expect(
        sample(text, 'cacheport_cache_tier_requests_total', { ...at, tier: 'l1', result: 'hit' }),
      ).toBeGreaterThan(0)
      expect(sample(text, 'cacheport_cache_load_duration_seconds_count', at)).toBe(3)
      expect(sample(text, 'cacheport_memory_entries', { provider: 'local' })).toBeGreaterThan(0)
      const names = spans.getFinishedSpans().map((s) => s.name)
      expect(names.filter((n) => n === 'db.query')).toHaveLength(3)
      const db = spans.getFinishedSpans().find((s) => s.name === 'db.query')
      const load = spans
        .getFinishedSpans()
        .find((s) => s.spanContext().spanId === db?.parentSpanContext?.spanId)
      expect(load?.name).toBe('cache.load')
    } finally {
      await app.close()
      await redis.stop()
    }
  })
})

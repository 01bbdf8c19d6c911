import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CacheUnavailableError, createCacheService } from '@cacheport/core'
import { cacheportCollector } from '@cacheport/prometheus'
import { memoryProvider } from '@cacheport/provider-memory'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'

/** Parses Prometheus text exposition into samples and # TYPE lines. */
function parse(text: string) {
  const types = new Map<string, string>()
  const samples: { name: string; labels: Record<string, string>; value: number }[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      types.set(name as string, type as string)
      continue
    }
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`unparsable exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = pair[2] as string
    }
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) })
  }
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.find(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    )?.value
  return { types, samples, value }
}

describe('@cacheport/prometheus', () => {
  it('serves every namespace stats on /metrics of a real HTTP server', async () => {
    const registry = new Registry()
    let fail = false
    const local = memoryProvider({ maximumSize: 2, values: 'live' })
    const service = createCacheService({ providers: { local } })
    const collector = cacheportCollector({ service, registry })
    const products = service.namespace<string>('products')
    const users = service.namespace<string>('users')
    await products.getOrSet('p:1', async () => 'one')
    await products.getOrSet('p:1', async () => 'one')
    await products.get('absent')
    await users.set('u:1', 'a')
    await users.set('u:2', 'b') // the bound is 2 entries: the next writes evict
    await users.set('u:3', 'c')
    await expect(
      products.getOrSet('bad', async () => {
        fail = true
        throw new CacheUnavailableError('db down')
      }),
    ).rejects.toThrow()
    expect(fail).toBe(true)
    const server = createServer(async (req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-type': registry.contentType })
      res.end(await registry.metrics())
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const { port } = server.address() as AddressInfo
      const response = await fetch(`http://127.0.0.1:${port}/metrics`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
      const { types, value } = parse(await response.text())
      expect(types.get('cacheport_cache_lookups_total')).toBe('counter')
      expect(types.get('cacheport_cache_load_duration_seconds')).toBe('histogram')
      expect(types.get('cacheport_memory_entries')).toBe('gauge')
      expect(value('cacheport_cache_lookups_total', { namespace: 'products', result: 'hit' })).toBe(
        1,
      )
      expect(
        value('cacheport_cache_lookups_total', { namespace: 'products', result: 'miss' }),
      ).toBe(3)
      expect(
        value('cacheport_cache_tier_requests_total', {
          namespace: 'products',
          tier: 'l2',
          result: 'hit',
        }),
      ).toBe(1)
      expect(value('cacheport_cache_loads_total', { namespace: 'products', result: 'error' })).toBe(
        1,
      )
      expect(value('cacheport_cache_load_duration_seconds_count', { namespace: 'products' })).toBe(
        2,
      )
      expect(
        value('cacheport_cache_load_duration_seconds_bucket', {
          namespace: 'products',
          le: '+Inf',
        }),
      ).toBe(2)
      expect(
        value('cacheport_cache_errors_total', { namespace: 'products', code: 'UNAVAILABLE' }),
      ).toBe(1)
      expect(value('cacheport_cache_writes_total', { namespace: 'users' })).toBe(3)
      expect(value('cacheport_memory_entries', { provider: 'local' })).toBe(2)
      expect(
        value('cacheport_memory_removals_total', { provider: 'local', cause: 'evicted' }),
      ).toBe(2)
      // Buckets are cumulative and ordered.
      const first = value('cacheport_cache_load_duration_seconds_bucket', {
        namespace: 'products',
        le: '0.001',
      })
      expect(first).toBeLessThanOrEqual(2)
    } finally {
      server.close()
      collector.close()
      await service.close()
    }
    expect(await registry.metrics()).not.toContain('cacheport_')
    expect(() => cacheportCollector({ service, registry, prefix: '9bad' })).toThrow(TypeError)
  })
})

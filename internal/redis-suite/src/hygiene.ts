import { createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import type { RedisFamilyProvider } from '@cacheport/redis-kit'
import { FENCE_IDLE_MS, KeyLayout } from '@cacheport/redis-kit'
import { mulberry32 } from '@cacheport/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, rawCommand, scanAll } from './backend.js'
import type { RedisFamilySuiteOptions } from './suite.js'

/** Tags recorded in a stored value's header (see redis-kit's tag-header). */
function headerTags(stored: string): string[] {
  if (stored.charCodeAt(0) !== 0x54) return []
  const n = stored.charCodeAt(1) * 256 + stored.charCodeAt(2)
  const body = stored.slice(3, 3 + n)
  const out: string[] = []
  let pos = 0
  while (pos + 1 < body.length) {
    const len = body.charCodeAt(pos) * 256 + body.charCodeAt(pos + 1)
    out.push(body.slice(pos + 2, pos + 2 + len))
    pos += 2 + len
  }
  return out
}

/** Thousands of random writes, deletes and invalidations; then the indexes are inspected. */
export function describeHygiene(
  options: RedisFamilySuiteOptions,
  shared: () => Promise<Backend>,
): void {
  describe(`${options.name}: tag index hygiene`, { timeout: 60_000 }, () => {
    let backend: Backend
    let provider: RedisFamilyProvider
    beforeAll(async () => {
      backend = await shared()
      provider = await options.connect(backend, { keyPrefix: 'hyg:' })
    }, 60_000)
    afterAll(async () => {
      await provider?.close()
    })

    it('after 4,000 random operations, indexes hold no more than live entries need and vanish with them', async () => {
      const random = mulberry32(20261124)
      const cache = createCacheService({
        providers: { p: provider },
        encoder: jsonEncoder(),
        defaults: { jitter: 0 },
      }).namespace<number>('hyg')
      const pick = (n: number) => Math.floor(random() * n)
      const key = () => `k${pick(300)}`
      const tags = () => Array.from({ length: 1 + pick(3) }, () => `t${pick(25)}`)
      const maxTtl = 900
      for (let round = 0; round < 40; round++) {
        const ops: Promise<unknown>[] = []
        for (let i = 0; i < 100; i++) {
          const r = random()
          const ttl = 200 + pick(maxTtl - 200)
          if (r < 0.45) ops.push(cache.set(key(), i, { ttl, tags: tags() }))
          else if (r < 0.6) ops.push(cache.set(key(), i, { ttl }))
          else if (r < 0.75) ops.push(cache.delete(key()))
          else if (r < 0.85) ops.push(cache.deleteMany([key(), key(), key()]))
          else if (r < 0.95) ops.push(cache.invalidateTags(tags()))
          else
            ops.push(
              cache.compute(key(), (n) => ({
                action: 'set',
                value: (n ?? 0) + 1,
                ttl,
                tags: tags(),
              })),
            )
        }
        await Promise.all(ops)
      }

      // 1. Every live tagged entry is in each of its tags' indexes, so invalidation finds it.
      const layout = new KeyLayout('hyg:', 'hyg', provider.buckets)
      const valueKeys = await scanAll(backend, 'hyg:v{hyg:*')
      const indexKeys = await scanAll(backend, 'hyg:t{hyg:*')
      const liveTags = new Set<string>()
      for (const valueKey of valueKeys) {
        const stored = (await rawCommand(backend, 'GETRANGE', valueKey, '0', '200')) as string
        const member = valueKey.slice(valueKey.indexOf('}') + 1)
        for (const tag of headerTags(stored)) {
          liveTags.add(tag)
          const index = layout.indexPrefix(layout.bucket(member)) + tag
          const score = await rawCommand(backend, 'ZSCORE', index, member)
          expect(score, `${member} missing from index of ${tag}`).not.toBeNull()
        }
      }
      // 2. No index outlives the entries it points to: each expires within the longest TTL.
      for (const indexKey of indexKeys) {
        const pttl = Number(await rawCommand(backend, 'PTTL', indexKey))
        // -1 would be an index without expiry; -2 means it expired since the SCAN, as it should.
        expect(pttl, indexKey).not.toBe(-1)
        expect(pttl, indexKey).toBeLessThanOrEqual(maxTtl)
      }
      // 3. Index keys exist only for tags that live entries carry, plus stale members of
      //    entries overwritten without tags (dropped when they expire).
      expect(indexKeys.length).toBeLessThanOrEqual(25 * provider.buckets)
      expect(liveTags.size).toBeGreaterThan(0)

      // 4. Invalidating every tag removes exactly the tagged entries and every index key.
      const before = valueKeys.length
      const removed = await cache.invalidateTags(Array.from({ length: 25 }, (_, i) => `t${i}`))
      expect(await scanAll(backend, 'hyg:t{hyg:*')).toEqual([])
      const untaggedLeft = (await scanAll(backend, 'hyg:v{hyg:*')).length
      expect(removed + untaggedLeft).toBeLessThanOrEqual(before)
      for (const valueKey of await scanAll(backend, 'hyg:v{hyg:*')) {
        const stored = (await rawCommand(backend, 'GETRANGE', valueKey, '0', '200')) as string
        expect(headerTags(stored)).toEqual([])
      }

      // 5. Once every TTL has passed, nothing of the namespace is left but its write-back
      //    fence hashes: at most one per bucket, each expiring after FENCE_IDLE_MS idle.
      await new Promise((r) => setTimeout(r, maxTtl + 100))
      expect(await scanAll(backend, 'hyg:[vtl]{hyg:*')).toEqual([])
      const fences = await scanAll(backend, 'hyg:f{hyg:*')
      expect(fences.length).toBeLessThanOrEqual(provider.buckets)
      for (const fence of fences) {
        const pttl = Number(await rawCommand(backend, 'PTTL', fence))
        expect(pttl, fence).toBeGreaterThan(0)
        expect(pttl, fence).toBeLessThanOrEqual(FENCE_IDLE_MS)
      }
    })
  })
}

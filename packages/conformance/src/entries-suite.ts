import {
  type Cache,
  type CacheEventMap,
  type CacheProvider,
  CacheUnsupportedError,
  type NamespaceOptions,
  type ProviderCapabilities,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'

/** What the entries suite needs from the provider suite that registers it. */
export interface EntriesConformanceContext {
  readonly capabilities: ProviderCapabilities
  readonly provider: () => CacheProvider
  readonly open: <V>(label: string, extra?: NamespaceOptions<string>) => Cache<V>
  readonly elapse: (ms: number) => Promise<void>
  readonly ttlMs: number
}

/**
 * Registers the entry-level operations for one provider: `getEntry` (metadata, no read
 * counted unless asked), `ttl`, `expire`/`touch` where the provider's store can change a TTL
 * in place (else refused with `CacheUnsupportedError`), `entries` and the compute variants
 * where declared (else refused), `peek` on in-process stores (else refused), and the
 * `removal` event of an explicit delete.
 */
export function describeEntriesConformance(ctx: EntriesConformanceContext): void {
  const { capabilities: caps, open, elapse, ttlMs } = ctx
  const canExpire = () => ctx.provider().openStore({ namespace: 'cf-probe' }).expire !== undefined
  const inProcess = () => ctx.provider().openStore({ namespace: 'cf-probe' }).inProcess === true

  describe('entries and TTLs', () => {
    it('getEntry returns the value with its metadata and counts no read unless asked', async () => {
      const c = open<{ n: number }>('entry', { ttl: 60_000 })
      await c.set('k', { n: 1 })
      const entry = await c.getEntry('k')
      expect(entry).toMatchObject({ value: { n: 1 }, stale: false, negative: false })
      expect(entry?.tier).toBe('provider')
      expect((entry?.expiresAt ?? 0) - (entry?.createdAt ?? 0)).toBe(60_000)
      expect(await c.getEntry('absent')).toBeUndefined()
      expect(c.stats().hits + c.stats().misses).toBe(0)
      await c.getEntry('k', { countAsRead: true })
      expect(c.stats().hits).toBe(1)
      if (caps.tags) {
        await c.set('tagged', { n: 2 }, { tags: ['t'] })
        const tags = (await c.getEntry('tagged'))?.tags
        // Stores that keep tags with the entry return them; others leave them out.
        if (tags !== undefined) expect(tags).toEqual(['t'])
      }
    })

    it('ttl: remaining ms, null without expiry, undefined when missing', async () => {
      const c = open<number>('ttl-left')
      await c.set('k', 1, { ttl: 60_000 })
      await c.set('forever', 1, { ttl: null })
      const left = await c.ttl('k')
      expect(left).toBeGreaterThan(50_000)
      expect(left).toBeLessThanOrEqual(60_000)
      expect(await c.ttl('forever')).toBeNull()
      expect(await c.ttl('absent')).toBeUndefined()
    })

    it('expire and touch change a TTL in place, or are refused', async () => {
      const c = open<number>('expire', { ttl: ttlMs * 1000 })
      await c.set('k', 1, { ttl: ttlMs, tags: caps.tags ? ['t'] : undefined })
      if (!canExpire()) {
        await expect(c.expire('k', 60_000)).rejects.toBeInstanceOf(CacheUnsupportedError)
        await expect(c.touch('k')).rejects.toBeInstanceOf(CacheUnsupportedError)
        return
      }
      expect(await c.expire('k', 60_000)).toBe(true)
      await elapse(ttlMs * 2 + 50)
      expect(await c.get('k')).toBe(1)
      expect(await c.ttl('k')).toBeGreaterThan(ttlMs * 2)
      if (caps.tags) expect(await c.invalidateTags(['t'])).toBe(1)
      expect(await c.expire('k', 60_000)).toBe(false)
      await c.set('short', 2, { ttl: ttlMs })
      expect(await c.touch('short')).toBe(true)
      await elapse(ttlMs * 2 + 50)
      expect(await c.get('short')).toBe(2)
      expect(await c.touch('absent')).toBe(false)
    })

    it('entries() lists [key, value] beside keys(), or is refused', async () => {
      const c = open<number>('entries')
      await c.setMany([
        { key: 'a', value: 1 },
        { key: 'b', value: 2 },
      ])
      if (!caps.iterate) {
        await expect(c.entries().next()).rejects.toBeInstanceOf(CacheUnsupportedError)
        return
      }
      const seen: [string, number][] = []
      for await (const pair of c.entries()) seen.push(pair)
      expect(seen.sort()).toEqual([
        ['a', 1],
        ['b', 2],
      ])
    })

    it('computeIfAbsent and computeIfPresent, or refused', async () => {
      const c = open<number>('compute-variants')
      if (!caps.compute) {
        await expect(
          c.computeIfAbsent('k', () => ({ action: 'set', value: 1 })),
        ).rejects.toBeInstanceOf(CacheUnsupportedError)
        await expect(
          c.computeIfPresent('k', () => ({ action: 'set', value: 1 })),
        ).rejects.toBeInstanceOf(CacheUnsupportedError)
        expect(await c.get('k')).toBeUndefined()
        return
      }
      expect(await c.computeIfPresent('k', () => ({ action: 'set', value: 9 }))).toBeUndefined()
      expect(await c.computeIfAbsent('k', () => ({ action: 'set', value: 1, ttl: 60_000 }))).toBe(1)
      expect(await c.computeIfAbsent('k', () => ({ action: 'set', value: 2 }))).toBe(1)
      expect(await c.ttl('k')).toBeGreaterThan(50_000)
      expect(await c.computeIfPresent('k', (n) => ({ action: 'set', value: n + 1 }))).toBe(2)
      expect(await c.computeIfPresent('k', () => ({ action: 'delete' }))).toBeUndefined()
      expect(await c.has('k')).toBe(false)
    })

    it('peek reads an in-process store synchronously, and is refused on a remote one', async () => {
      const c = open<number>('peek')
      await c.set('k', 1)
      if (inProcess()) {
        expect(c.peek('k')).toBe(1)
        expect(c.peek('absent')).toBeUndefined()
      } else expect(() => c.peek('k')).toThrow(CacheUnsupportedError)
    })

    it('an explicit delete is reported as a removal of its key', async () => {
      const c = open<number>('removal')
      const events: CacheEventMap['removal'][] = []
      c.on('removal', (e) => events.push(e))
      await c.set('k', 1)
      expect(await c.delete('k')).toBe(true)
      expect(events).toEqual([{ namespace: c.namespace, key: 'k', cause: 'explicit' }])
    })
  })
}

import {
  CacheConfigError,
  type CacheError,
  createCacheService,
  type LiveEntry,
  type Store,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { MemoryProvider, memoryProvider } from '@cacheport/provider-memory'
import { describe, expect, it } from 'vitest'
import type { MemoryStore } from '../src/memory-store.js'

const live = (value: unknown): LiveEntry => ({
  value,
  createdAt: 0,
  expiresAt: undefined,
  staleUntil: undefined,
  negative: false,
})

describe('memoryProvider options', () => {
  it.each([
    ['zero maximumSize', { maximumSize: 0 }],
    ['negative maximumSize', { maximumSize: -1 }],
    ['fractional maximumSize', { maximumSize: 1.5 }],
    ['NaN maximumSize', { maximumSize: Number.NaN }],
    ['unknown values mode', { values: 'objects' as never }],
    ['a misspelled option', { maximumSise: 10 } as never],
    ['a misspelled tuning option', { tuning: { adaptve: false } } as never],
    ['options that are not an object', 'big' as never],
  ])('refuses %s with CacheConfigError', (_label, options) => {
    let error: unknown
    try {
      memoryProvider(options)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CacheConfigError)
    expect((error as CacheError).code).toBe('INVALID_OPTION')
  })

  it('names a misspelled option and the closest known one', () => {
    expect(() => memoryProvider({ maximumSise: 10 } as never)).toThrow(
      /unknown option 'maximumSise' \(did you mean 'maximumSize'\?\)/,
    )
    expect(() => memoryProvider({ tuning: { adaptve: false } } as never)).toThrow(
      /unknown option 'tuning.adaptve' \(did you mean 'tuning.adaptive'\?\)/,
    )
  })

  it('defaults to bytes mode and 10,000 entries', () => {
    const p = memoryProvider()
    expect(p.capabilities.values).toBe('bytes')
    expect(p.maximumSize).toBe(10_000)
  })
})

describe('LRU bound', () => {
  it('never holds more than maximumSize entries across namespaces', () => {
    const p = new MemoryProvider({ maximumSize: 100, values: 'live' })
    const a = p.openStore({ namespace: 'a' }) as Store<LiveEntry>
    const b = p.openStore({ namespace: 'b' }) as Store<LiveEntry>
    for (let i = 0; i < 1000; i++) {
      ;(i % 2 ? a : b).set(`k${i}`, live(i))
      expect(p.size).toBeLessThanOrEqual(100)
    }
    expect(p.size).toBe(100)
  })

  it('keeps an entry that was read over cold ones (W-TinyLFU replaces v1 LRU order)', () => {
    const p = memoryProvider({ maximumSize: 3, values: 'live' })
    const s = p.openStore({ namespace: 'n' }) as Store<LiveEntry>
    s.set('a', live(1))
    s.set('b', live(2))
    s.set('c', live(3))
    s.get('a')
    s.set('d', live(4))
    expect(p.size).toBe(3)
    expect((s.get('a') as LiveEntry).value).toBe(1)
    expect((s.get('d') as LiveEntry).value).toBe(4)
  })

  it('drops evicted entries from the tag index (no leak after churn)', () => {
    const p = memoryProvider({ maximumSize: 50, values: 'live' })
    const s = p.openStore({ namespace: 'n' }) as MemoryStore<LiveEntry>
    for (let i = 0; i < 10_000; i++) s.set(`k${i}`, live(i), { tags: [`t${i % 2000}`, 'all'] })
    expect(s.size).toBe(50)
    // 50 live entries carry at most 50 distinct t-tags plus 'all'.
    expect(s.tagCount).toBeLessThanOrEqual(51)
    expect(s.invalidateTags(['all'])).toBe(50)
    expect(s.tagCount).toBe(0)
    expect(p.size).toBe(0)
  })

  it('counts bytes exactly in bytes mode', async () => {
    const p = memoryProvider({ maximumSize: 10 })
    const service = createCacheService({ providers: { m: p }, encoder: jsonEncoder() })
    const c = service.namespace<string>('n')
    await c.set('k', 'x'.repeat(100))
    const raw = p.openStore({ namespace: 'n' }).get('k') as Uint8Array
    expect(p.byteSize).toBe(raw.byteLength)
    await c.set('k', 'y')
    expect(p.byteSize).toBe((p.openStore({ namespace: 'n' }).get('k') as Uint8Array).byteLength)
    await c.delete('k')
    expect(p.byteSize).toBe(0)
  })

  it('refuses a non-byte entry in bytes mode', () => {
    const s = memoryProvider().openStore({ namespace: 'n' }) as Store<unknown>
    expect(() => s.set('k', { not: 'bytes' })).toThrow(/bytes mode/)
  })
})

import { type CacheEventMap, createCacheService } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { KeyLayout, type RedisFamilyProvider } from '@cacheport/redis-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, countPerNode, rawCommand, scanAll } from './backend.js'
import type { RedisFamilySuiteOptions } from './suite.js'

const service = (provider: RedisFamilyProvider) =>
  createCacheService({ providers: { p: provider }, encoder: jsonEncoder() })

/** Tests on the suite's shared backend: foreign bytes, clear on every node, ownership. */
export function describeSharedBackend(
  options: RedisFamilySuiteOptions,
  shared: () => Promise<Backend>,
): void {
  describe(`${options.name}: on a shared ${options.topology}`, { timeout: 60_000 }, () => {
    let backend: Backend
    let provider: RedisFamilyProvider
    beforeAll(async () => {
      backend = await shared()
      provider = await options.connect(backend, { keyPrefix: 'shared:' })
    }, 60_000)
    afterAll(async () => {
      await provider?.close()
    })

    it('reads a key written by another client as a miss plus an error event', async () => {
      const cache = service(provider).namespace<string>('foreign')
      const errors: CacheEventMap['error'][] = []
      cache.on('error', (e) => errors.push(e))
      const valueKey = new KeyLayout('shared:', 'foreign', provider.buckets).valueKey('k')
      expect(await rawCommand(backend, 'SET', valueKey, 'written by another client')).toBe('OK')
      expect(await cache.get('k')).toBeUndefined()
      expect(errors).toHaveLength(1)
      expect(errors[0]?.error).toMatchObject({ code: 'DECODE_FAILED' })
      await rawCommand(backend, 'SET', valueKey, 'Tx')
      expect(await cache.get('k')).toBeUndefined()
      expect(errors).toHaveLength(2)
    })

    it('reads a key of another Redis type as a miss plus an error event, on every read path, and a load overwrites it', async () => {
      const cache = service(provider).namespace<string>('foreign-types')
      const errors: CacheEventMap['error'][] = []
      cache.on('error', (e) => errors.push(e))
      const layout = new KeyLayout('shared:', 'foreign-types', provider.buckets)
      const plant: [string, string[]][] = [
        ['list', ['RPUSH', layout.valueKey('list'), 'a']],
        ['hash', ['HSET', layout.valueKey('hash'), 'f', 'v']],
        ['set', ['SADD', layout.valueKey('set'), 'm']],
        ['zset', ['ZADD', layout.valueKey('zset'), '1', 'm']],
        ['stream', ['XADD', layout.valueKey('stream'), '*', 'f', 'v']],
      ]
      for (const [, command] of plant) await rawCommand(backend, ...command)
      for (const [type] of plant) {
        errors.length = 0
        expect(await cache.get(type), `get ${type}`).toBeUndefined()
        expect(await cache.has(type), `has ${type}`).toBe(false)
        expect(await cache.getMany([type, 'absent']), `getMany ${type}`).toEqual([
          undefined,
          undefined,
        ])
        expect(errors.map((e) => (e.error as { code?: string }).code)).toEqual([
          'DECODE_FAILED',
          'DECODE_FAILED',
          'DECODE_FAILED',
        ])
        expect(errors[0]?.error.message).toContain('not a cacheport entry')
        expect(errors[2]?.error.message).toContain(`Redis ${type},`)
      }
      // A load overwrites them: untagged (SET), tagged (the write script) and through compute.
      expect(await cache.getOrSet('list', () => 'loaded')).toBe('loaded')
      expect(await cache.get('list')).toBe('loaded')
      expect(await cache.getOrSet('hash', () => 'tagged', { tags: ['t'] })).toBe('tagged')
      expect(await cache.get('hash')).toBe('tagged')
      expect(await cache.invalidateTags(['t'])).toBe(1)
      expect(await cache.compute('set', () => ({ action: 'set', value: 'computed' }))).toBe(
        'computed',
      )
      expect(await cache.get('set')).toBe('computed')
      expect(await cache.delete('zset')).toBe(true)
      const stream = await cache.getOrSetMany(['stream'], (keys) =>
        keys.map((k) => [k, `bulk ${k}`]),
      )
      expect(stream).toEqual(['bulk stream'])
      expect(await cache.get('stream')).toBe('bulk stream')
    })

    it('reads an entry whose tag header was corrupted as a miss, never with other tags', async () => {
      const cache = service(provider).namespace<string>('flipped')
      const errors: CacheEventMap['error'][] = []
      cache.on('error', (e) => errors.push(e))
      await cache.set('k', 'v', { tags: ['shop:7'] })
      const valueKey = new KeyLayout('shared:', 'flipped', provider.buckets).valueKey('k')
      // Byte 3 is the first tag's length: flip its lowest bit on the server.
      const stored = (await rawCommand(backend, 'GETRANGE', valueKey, '3', '3')) as string
      const flipped = String.fromCharCode(stored.charCodeAt(0) ^ 1)
      await rawCommand(backend, 'SETRANGE', valueKey, '3', flipped)
      expect(await cache.get('k')).toBeUndefined()
      expect(errors[0]?.error.message).toMatch(/tag header/)
      expect(await cache.getOrSet('k', () => 'reloaded', { tags: ['shop:7'] })).toBe('reloaded')
      expect(await cache.invalidateTags(['shop:7'])).toBe(1)
      expect(await cache.get('k')).toBeUndefined()
    })

    it('clear() removes the namespace from every data node and leaves everything else', async () => {
      const other = await options.connect(backend, { keyPrefix: 'other:' })
      try {
        const mine = service(provider).namespace<number>('clr')
        const sibling = service(provider).namespace<number>('clr2')
        const theirs = service(other).namespace<number>('clr')
        const keys = Array.from({ length: 300 }, (_, i) => `k${i}`)
        await mine.setMany(
          keys.map((key, i) => ({ key, value: i, ...(i % 3 === 0 ? { tags: ['x'] } : {}) })),
        )
        await sibling.setMany(keys.map((key, i) => ({ key, value: i })))
        await theirs.set('k1', 2, { tags: ['x'] })
        await rawCommand(backend, 'SET', 'unrelated', 'keep me')
        const before = await countPerNode(backend, 'shared:?{clr:*')
        if (options.topology === 'cluster') {
          // The namespace really is spread: more than one primary holds some of it.
          expect([...before.values()].filter((n) => n > 0).length).toBeGreaterThan(1)
        }
        await mine.clear()
        // Only the write-back fence hashes stay: they carry the clear generation (fence.ts).
        expect(await scanAll(backend, 'shared:[vtl]{clr:*')).toEqual([])
        for (const fence of await scanAll(backend, 'shared:?{clr:*')) {
          expect(fence.startsWith('shared:f{clr:')).toBe(true)
        }
        expect(await mine.getMany(keys.slice(0, 5))).toEqual([
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
        ])
        expect((await sibling.getMany(keys)).filter((v) => v !== undefined)).toHaveLength(300)
        expect(await theirs.get('k1')).toBe(2)
        expect(await rawCommand(backend, 'GET', 'unrelated')).toBe('keep me')
        expect(await theirs.invalidateTags(['x'])).toBe(1)
      } finally {
        await other.close()
      }
    })

    it('close() closes a client it created but never one it was given', async () => {
      const lenderOwner = await options.connect(backend, { keyPrefix: 'shared:' })
      const borrowed = lenderOwner.client
      const lender = await options.connect(backend, { client: borrowed })
      await lender.close()
      expect(await borrowed.ping()).toBe('PONG')
      await lenderOwner.close()
      const deadline = Date.now() + 2_000
      // Standalone clients end in 'end', Cluster clients in 'close'.
      const closed = () => borrowed.status === 'end' || borrowed.status === 'close'
      while (!closed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      expect(['end', 'close']).toContain(borrowed.status)
    })
  })
}

import {
  CacheBackendError,
  CacheConfigError,
  CacheDecodeError,
  CacheTimeoutError,
  CacheUnavailableError,
} from '@cacheport/core'
import {
  BucketGrouper,
  decodeMessage,
  duplicableOf,
  encodeMessage,
  escapeGlob,
  hashTagOf,
  KeyLayout,
  linkOptions,
  movedTarget,
  parseValueKey,
  type RedisClientLike,
  type RedisLinkLike,
  standaloneClientOptions,
  stripTagHeader,
  toCacheError,
  withTagHeader,
} from '@cacheport/redis-kit'
import { Redis } from 'ioredis'
import { Valkey } from 'iovalkey'
import { describe, expect, it } from 'vitest'

describe('client type', () => {
  it('ioredis and iovalkey clients satisfy RedisClientLike as they are', () => {
    const a: RedisClientLike = new Redis({ lazyConnect: true })
    const b: RedisClientLike = new Valkey({ lazyConnect: true })
    expect(a.status).toBe('wait')
    expect(b.status).toBe('wait')
    a.disconnect()
    b.disconnect()
  })

  it('ioredis and iovalkey clients open bus connections through duplicate()', () => {
    const links: RedisLinkLike[] = [
      new Redis({ lazyConnect: true }),
      new Valkey({ lazyConnect: true }),
    ]
    for (const client of links) {
      const duplicable = duplicableOf(client)
      expect(duplicable).toBeDefined()
      const link = duplicable?.duplicate(linkOptions({ host: '127.0.0.1', port: 7001 }, 1_000))
      expect(link?.status).toBe('wait')
      expect((link as unknown as { options: Record<string, unknown> }).options).toMatchObject({
        host: '127.0.0.1',
        port: 7001,
        autoResubscribe: false,
        enableAutoPipelining: false,
      })
      link?.disconnect()
      client.disconnect()
    }
    expect(duplicableOf({})).toBeUndefined()
  })
})

describe('bus messages', () => {
  it('round-trips keys, tags and clear as compact JSON without empty fields', () => {
    const m = { namespace: 'ns', origin: 'o1', keys: ['a', 'ü'], tags: ['t'], clear: true }
    const json = encodeMessage(m)
    expect(json).not.toContain(' ')
    expect(decodeMessage(json, 'ns')).toEqual(m)
    expect(encodeMessage({ namespace: 'ns', origin: 'o', keys: [], tags: [] })).toBe(
      '{"origin":"o","namespace":"ns"}',
    )
  })

  it('drops malformed or misdirected payloads', () => {
    for (const bad of [
      'not json',
      '1',
      '{"namespace":"ns"}',
      '{"origin":"o","namespace":"ns","keys":[1]}',
    ]) {
      expect(decodeMessage(bad, 'ns')).toBeUndefined()
    }
    expect(decodeMessage('{"origin":"o","namespace":"other"}', 'ns')).toBeUndefined()
  })

  it('reads the target of a MOVED reply', () => {
    expect(movedTarget(new Error('MOVED 9937 127.0.0.1:7002'))).toEqual({
      host: '127.0.0.1',
      port: 7002,
    })
    expect(movedTarget(new Error('MOVED 1 [::1]:7002'))).toEqual({ host: '::1', port: 7002 })
    expect(movedTarget(new Error('ERR other'))).toBeUndefined()
  })
})

describe('KeyLayout', () => {
  it('gives a value key and its tag index the same hash tag', () => {
    const layout = new KeyLayout('app:', 'users', 16)
    for (const key of ['a', 'b', 'user:42', '{odd}', 'glob*']) {
      const b = layout.bucket(key)
      expect(hashTagOf(layout.valueKey(key))).toBe(`users:${b}`)
      expect(hashTagOf(`${layout.indexPrefix(b)}some-tag`)).toBe(`users:${b}`)
      expect(layout.entryKeyOf(layout.valueKey(key))).toBe(key)
    }
  })

  it('spreads sequential keys over every fence delete cell, and fenceSpot agrees with bucket and cell', () => {
    for (const buckets of [1, 64]) {
      const layout = new KeyLayout('', 'ns', buckets)
      const cells = new Set<number>()
      for (let i = 0; i < 3000; i++) {
        const key = `item:${i}`
        const cell = layout.fenceCellIndex(key)
        cells.add(cell)
        expect(layout.fenceSpot(key)).toBe(layout.bucket(key) * 256 + cell)
        expect(layout.fenceCell(key)).toBe(`d${cell}`)
      }
      expect(cells.size).toBe(256)
    }
  })

  it('spreads keys over its buckets, and uses one bucket when told', () => {
    const layout = new KeyLayout('', 'ns', 8)
    const seen = new Set(Array.from({ length: 200 }, (_, i) => layout.bucket(`k${i}`)))
    expect(seen.size).toBe(8)
    expect(new KeyLayout('', 'ns', 1).valueKey('x')).toBe('v{ns:0}x')
  })

  it('maps tracked value keys back to namespace and key, and nothing else', () => {
    const layout = new KeyLayout('app:', 'users', 16)
    for (const key of ['a', 'user:42', '{odd}', 'x}y']) {
      expect(parseValueKey('app:', layout.valueKey(key))).toEqual({ namespace: 'users', key })
      expect(layout.valueKey(key).startsWith(layout.valueKeysPrefix)).toBe(true)
    }
    expect(parseValueKey('app:', `${layout.indexPrefix(0)}tag`)).toBeUndefined()
    expect(parseValueKey('app:', layout.lockKey('a'))).toBeUndefined()
    expect(parseValueKey('app:', 'other:v{users:0}a')).toBeUndefined()
    expect(parseValueKey('app:', 'app:v{users:x}a')).toBeUndefined()
    expect(hashTagOf(layout.busChannel)).toBe('users')
    expect(layout.busChannel).toBe('app:bus{users}')
  })

  it('escapes glob characters of the prefix in SCAN patterns', () => {
    expect(escapeGlob('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\')
    expect(new KeyLayout('p*:', 'ns', 1).scanAllPattern).toBe('p\\*:[vt]{ns:*')
  })

  it('refuses namespaces that would break the layout', () => {
    for (const bad of ['a:b', '{a}', '', 'x'.repeat(129)]) {
      expect(() => new KeyLayout('', bad, 1)).toThrow(CacheConfigError)
    }
    expect(() => new KeyLayout('', 'ok', 0)).toThrow(CacheConfigError)
  })
})

describe('tag header', () => {
  it('round-trips tags and leaves untagged values as they are', () => {
    const envelope = Buffer.from([0xca, 1, 2, 3])
    const stored = withTagHeader(['red', 'ünï', '{x}'], envelope)
    expect(stored[0]).toBe(0x54)
    expect((stripTagHeader(stored) as Buffer).equals(envelope)).toBe(true)
    expect(stripTagHeader(envelope)).toBe(envelope)
  })

  it('refuses a truncated header as an unreadable entry', () => {
    const bogus = Buffer.from([0x54, 0xff, 0xff, 1])
    expect(stripTagHeader(bogus)).toBeInstanceOf(CacheDecodeError)
  })

  it('catches every single-bit flip in the header: a corrupt header never changes the tags read', () => {
    const envelope = Buffer.from([0xca, 1, 2, 3])
    const stored = withTagHeader(['shop:7', 'red'], envelope)
    const headerBytes = stored.byteLength - envelope.byteLength
    let caught = 0
    let flips = 0
    for (let byte = 1; byte < headerBytes; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = Buffer.from(stored)
        flipped[byte] = (flipped[byte] as number) ^ (1 << bit)
        flips++
        const out = stripTagHeader(flipped)
        if (out instanceof CacheDecodeError) caught++
      }
    }
    expect(caught).toBe(flips)
  })
})

describe('standaloneClientOptions', () => {
  it('reads everything from a URL', () => {
    const o = standaloneClientOptions({ url: 'rediss://user:p%40ss@cache.internal:6380/3' })
    expect(o).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 3,
    })
    expect(o.tls).toEqual({})
    expect(standaloneClientOptions({ url: 'redis://127.0.0.1' }).tls).toBeUndefined()
  })

  it('fails fast and never queues commands while disconnected', () => {
    const o = standaloneClientOptions({ host: '127.0.0.1', port: 7000, clientName: 'svc' })
    expect(o).toMatchObject({
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      connectionName: 'svc',
    })
    expect(o.retryStrategy(1)).toBeLessThanOrEqual(1_000)
    expect(o.retryStrategy(100)).toBe(1_000)
  })

  it.each([
    ['a malformed URL', { url: 'not a url' }],
    ['a foreign scheme', { url: 'http://x' }],
    ['URL and host together', { url: 'redis://x', host: 'y' }],
    ['port 0', { port: 0 }],
    ['a negative db', { db: -1 }],
  ])('refuses %s', (_label, options) => {
    expect(() => standaloneClientOptions(options)).toThrow(CacheConfigError)
  })
})

describe('error mapping', () => {
  it('maps connection loss to unavailable, timeouts to timeout, replies to backend errors', () => {
    expect(
      toCacheError(
        new Error("Stream isn't writeable and enableOfflineQueue options is false"),
        'get',
      ),
    ).toBeInstanceOf(CacheUnavailableError)
    expect(toCacheError(new Error('connect ECONNREFUSED 127.0.0.1:1'), 'get')).toBeInstanceOf(
      CacheUnavailableError,
    )
    expect(
      toCacheError(new Error('LOADING Redis is loading the dataset in memory'), 'get'),
    ).toBeInstanceOf(CacheUnavailableError)
    expect(toCacheError(new Error('Command timed out'), 'get')).toBeInstanceOf(CacheTimeoutError)
    // node-redis: offline queue off, closed client, dropped socket, no reachable seed.
    for (const message of [
      'The client is offline',
      'The client is closed',
      'Socket closed unexpectedly',
      'All the root nodes are unavailable',
    ]) {
      expect(toCacheError(new Error(message), 'get'), message).toBeInstanceOf(CacheUnavailableError)
    }
    expect(toCacheError(new Error('WRONGTYPE Operation against a key'), 'get')).toBeInstanceOf(
      CacheBackendError,
    )
  })
})

describe('BucketGrouper', () => {
  it('groups keys by bucket, keeping their order, and starts afresh on every batch', () => {
    const layout = new KeyLayout('p:', 'ns', 16)
    const grouper = new BucketGrouper(layout)
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i % 97}-${i}`)
    for (let round = 0; round < 3; round++) {
      const groups = grouper.group(keys)
      const seen: number[] = []
      const firstOf: number[] = []
      for (let g = 0; g < groups.count; g++) {
        const members = Array.from(groups.order.subarray(groups.starts[g], groups.starts[g + 1]))
        expect(members.length).toBeGreaterThan(0)
        expect(members).toEqual([...members].sort((a, b) => a - b))
        for (const i of members) expect(layout.bucket(keys[i] as string)).toBe(groups.buckets[g])
        firstOf.push(members[0] as number)
        seen.push(...members)
      }
      expect(firstOf).toEqual([...firstOf].sort((a, b) => a - b))
      expect(seen.sort((a, b) => a - b)).toEqual(keys.map((_, i) => i))
      expect(new Set(groups.buckets).size).toBe(groups.count)
    }
    expect(grouper.group([]).count).toBe(0)
    expect(grouper.group(['only']).count).toBe(1)
  })
})

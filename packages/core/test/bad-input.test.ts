import {
  type Cache,
  CacheConfigError,
  type CacheError,
  CacheKeyError,
  CacheTtlError,
  CacheValueError,
  createCacheService,
  type Duration,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { testJson } from './helpers/codecs.js'
import { mapProvider } from './helpers/map-provider.js'

type ErrorClass = new (...args: never[]) => CacheError

function fixture() {
  const provider = mapProvider('bytes')
  const service = createCacheService({ providers: { main: provider }, encoder: testJson })
  const cache = service.namespace<unknown>('items', { ttl: '1m' })
  return { provider, service, cache }
}

const circular: Record<string, unknown> = {}
circular.self = circular

/** Each row: what the caller does wrong, the call, and the typed error it must get. */
const rows: [string, (c: Cache<unknown>) => Promise<unknown>, ErrorClass, string][] = [
  ['empty key (get)', (c) => c.get(''), CacheKeyError, 'EMPTY_KEY'],
  ['empty key (set)', (c) => c.set('', 1), CacheKeyError, 'EMPTY_KEY'],
  ['empty key inside getMany', (c) => c.getMany(['a', '']), CacheKeyError, 'EMPTY_KEY'],
  ['empty key (getOrSet)', (c) => c.getOrSet('', () => 1), CacheKeyError, 'EMPTY_KEY'],
  ['key over 1024 bytes', (c) => c.get('k'.repeat(1025)), CacheKeyError, 'KEY_TOO_LONG'],
  [
    'key over 1024 bytes in UTF-8 only',
    (c) => c.set('€'.repeat(342), 1),
    CacheKeyError,
    'KEY_TOO_LONG',
  ],
  ['key with a lone surrogate', (c) => c.set('bad\uD800key', 1), CacheKeyError, 'INVALID_KEY'],
  ['non-string key', (c) => c.get(42 as unknown as string), CacheKeyError, 'INVALID_KEY'],
  ['undefined key', (c) => c.delete(undefined as unknown as string), CacheKeyError, 'INVALID_KEY'],
  ['NaN TTL', (c) => c.set('k', 1, { ttl: Number.NaN }), CacheTtlError, 'INVALID_TTL'],
  ['negative TTL', (c) => c.set('k', 1, { ttl: -5 }), CacheTtlError, 'INVALID_TTL'],
  ['zero TTL', (c) => c.set('k', 1, { ttl: 0 }), CacheTtlError, 'INVALID_TTL'],
  [
    'infinite TTL',
    (c) => c.set('k', 1, { ttl: Number.POSITIVE_INFINITY }),
    CacheTtlError,
    'INVALID_TTL',
  ],
  [
    'unparseable TTL string',
    (c) => c.set('k', 1, { ttl: '10 parsecs' as Duration }),
    CacheTtlError,
    'INVALID_TTL',
  ],
  ['empty TTL string', (c) => c.set('k', 1, { ttl: '' as Duration }), CacheTtlError, 'INVALID_TTL'],
  ['negative TTL string', (c) => c.set('k', 1, { ttl: '-5m' }), CacheTtlError, 'INVALID_TTL'],
  [
    'NaN TTL in getOrSet',
    (c) => c.getOrSet('k', () => 1, { ttl: Number.NaN }),
    CacheTtlError,
    'INVALID_TTL',
  ],
  [
    'NaN TTL inside setMany',
    (c) =>
      c.setMany([
        { key: 'a', value: 1 },
        { key: 'b', value: 2, ttl: Number.NaN },
      ]),
    CacheTtlError,
    'INVALID_TTL',
  ],
  ['undefined value', (c) => c.set('k', undefined), CacheValueError, 'UNDEFINED_VALUE'],
  [
    'undefined value inside setMany',
    (c) =>
      c.setMany([
        { key: 'a', value: 1 },
        { key: 'b', value: undefined },
      ]),
    CacheValueError,
    'UNDEFINED_VALUE',
  ],
  [
    'loader returning undefined',
    (c) => c.getOrSet('k', () => undefined),
    CacheValueError,
    'UNDEFINED_VALUE',
  ],
  [
    'compute setting undefined',
    (c) => c.compute('k', () => ({ action: 'set', value: undefined })),
    CacheValueError,
    'UNDEFINED_VALUE',
  ],
  [
    'value the encoder cannot encode',
    (c) => c.set('k', circular),
    CacheValueError,
    'ENCODE_FAILED',
  ],
  ['empty tag', (c) => c.set('k', 1, { tags: [''] }), CacheConfigError, 'INVALID_TAG'],
  [
    'tags that are not an array',
    (c) => c.set('k', 1, { tags: 'red' as unknown as string[] }),
    CacheConfigError,
    'INVALID_TAG',
  ],
  [
    'negative compute retries',
    (c) => c.compute('k', () => ({ action: 'keep' }), { maxRetries: -1 }),
    CacheConfigError,
    'INVALID_OPTION',
  ],
  [
    'compute callback returning nonsense',
    (c) => c.compute('k', () => ({ action: 'upsert' }) as never),
    CacheConfigError,
    'INVALID_OPTION',
  ],
]

// The named cases (arguments, options, limits) are in @cacheport/conformance's bad-input table,
// which every provider runs.

describe('bad input gets a typed error naming the problem', () => {
  for (const [label, call, ErrorType, code] of rows) {
    it(label, async () => {
      const { cache, provider } = fixture()
      const error = await call(cache).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ErrorType)
      expect((error as CacheError).code).toBe(code)
      expect((error as CacheError).message.length).toBeGreaterThan(10)
      // Nothing was written by a rejected call.
      expect(provider.raw('items').size).toBe(0)
    })
  }
})

describe('bad configuration gets a typed error', () => {
  const provider = mapProvider('bytes')
  const table: [string, () => unknown, ErrorClass, string][] = [
    [
      'no providers',
      () => createCacheService({ providers: {} }),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'a provider that is not one',
      () => createCacheService({ providers: { x: {} as never } }),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'unknown default provider',
      () =>
        createCacheService({ providers: { main: provider }, defaultProvider: 'nope' as 'main' }),
      CacheConfigError,
      'UNKNOWN_PROVIDER',
    ],
    [
      'several providers and no default',
      () => createCacheService({ providers: { a: provider, b: mapProvider() } }),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'NaN default TTL',
      () => createCacheService({ providers: { main: provider }, defaults: { ttl: Number.NaN } }),
      CacheTtlError,
      'INVALID_TTL',
    ],
    [
      'jitter of 150%',
      () => createCacheService({ providers: { main: provider }, defaults: { jitter: 1.5 } }),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'negative jitter',
      () => createCacheService({ providers: { main: provider }, defaults: { jitter: -0.1 } }),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'zero maxKeyBytes',
      () => createCacheService({ providers: { main: provider }, defaults: { maxKeyBytes: 0 } }),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'a transformer without priority',
      () =>
        createCacheService({
          providers: { main: provider },
          transformers: [{ id: 'x', encode: () => null, decode: (b: Uint8Array) => b } as never],
        }),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'a misspelled service option',
      () => createCacheService({ providers: { main: provider }, encoders: {} } as never),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'a misspelled default',
      () => createCacheService({ providers: { main: provider }, defaults: { tll: '1m' } } as never),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'an encoder id with a space',
      () =>
        createCacheService({
          providers: { main: provider },
          encoder: { id: 'my json', encode: () => new Uint8Array(), decode: () => 1 },
        }),
      CacheConfigError,
      'INVALID_OPTION',
    ],
    [
      'a transformer id over 255 characters',
      () =>
        createCacheService({
          providers: { main: provider },
          transformers: [
            {
              id: 'z'.repeat(256),
              priority: 100,
              encode: () => null,
              decode: (b: Uint8Array) => b,
            },
          ],
        }),
      CacheConfigError,
      'INVALID_OPTION',
    ],
  ]
  for (const [label, call, ErrorType, code] of table) {
    it(label, () => {
      let error: unknown
      try {
        call()
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(ErrorType)
      expect((error as CacheError).code).toBe(code)
    })
  }

  const service = () =>
    createCacheService({ providers: { main: mapProvider() }, encoder: testJson })
  const namespaceRows: [string, (s: ReturnType<typeof service>) => unknown, string][] = [
    [
      'unknown provider name',
      (s) => s.namespace('a', { provider: 'redis' as 'main' }),
      'UNKNOWN_PROVIDER',
    ],
    ['empty namespace name', (s) => s.namespace(''), 'INVALID_NAMESPACE'],
    ['namespace name with a colon', (s) => s.namespace('a:b'), 'INVALID_NAMESPACE'],
    ['namespace name with a hash-tag brace', (s) => s.namespace('{a}'), 'INVALID_NAMESPACE'],
    [
      'namespace name over 128 characters',
      (s) => s.namespace('n'.repeat(129)),
      'INVALID_NAMESPACE',
    ],
    [
      'namespace opened twice with a different TTL',
      (s) => {
        s.namespace('twice', { ttl: '1m' })
        s.namespace('twice', { ttl: '2m' })
      },
      'NAMESPACE_CONFLICT',
    ],
    [
      'namespace opened twice on different providers',
      (s) => {
        s.namespace('twice', {})
        s.namespace('twice', { provider: 'main', jitter: 0 })
      },
      'NAMESPACE_CONFLICT',
    ],
    [
      'bytes provider with no encoder',
      () => createCacheService({ providers: { main: mapProvider() } }).namespace('x'),
      'UNKNOWN_ENCODER',
    ],
    [
      'encoder given for a live provider',
      () =>
        createCacheService({ providers: { main: mapProvider('live') } }).namespace('x', {
          encoder: testJson,
        }),
      'INVALID_OPTION',
    ],
    [
      'a misspelled namespace option',
      (s) => s.namespace('s', { tll: '1m' } as never),
      'INVALID_OPTION',
    ],
    [
      'a misspelled lock option',
      (s) => s.namespace('s', { lock: { wiat: 100 } } as never),
      'INVALID_OPTION',
    ],
    [
      'a misspelled breaker option',
      (s) => s.namespace('s', { breaker: { failure: 3 } } as never),
      'INVALID_OPTION',
    ],
    [
      'a misspelled refreshAhead option',
      (s) => s.namespace('s', { refreshAhead: { bta: 2 } } as never),
      'INVALID_OPTION',
    ],
    [
      'a namespace options argument that is not an object',
      (s) => s.namespace('s', 'fast' as never),
      'INVALID_OPTION',
    ],
    [
      'loaderFallback that is not a boolean',
      (s) => s.namespace('s', { loaderFallback: 'yes' } as never),
      'INVALID_OPTION',
    ],
  ]
  for (const [label, call, code] of namespaceRows) {
    it(label, () => {
      let error: unknown
      try {
        call(service())
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(CacheConfigError)
      expect((error as CacheError).code).toBe(code)
    })
  }

  it('names the misspelled option and the closest known one', () => {
    const s = service()
    expect(() => s.namespace('s', { tll: '1m' } as never)).toThrow(
      /unknown option 'tll' \(did you mean 'ttl'\?\)/,
    )
    expect(() => s.namespace('s', { lock: { wiat: 100 } } as never)).toThrow(
      /unknown option 'lock.wiat' \(did you mean 'lock.wait'\?\)/,
    )
    expect(() =>
      createCacheService({ providers: { main: mapProvider() }, defaults: { jiter: 0 } } as never),
    ).toThrow(/unknown option 'defaults.jiter' \(did you mean 'defaults.jitter'\?\)/)
  })

  it('opening a namespace again with equal options returns the same cache', () => {
    const s = service()
    const a = s.namespace('same', { ttl: '1m', jitter: 0 })
    expect(s.namespace('same', { ttl: 60_000, jitter: 0 })).toBe(a)
  })
})

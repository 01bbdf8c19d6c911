import {
  type Cache,
  CacheConfigError,
  type CacheError,
  CacheTtlError,
  createCacheService,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import type { RedisFamilyProvider } from '@cacheport/redis-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, scanAll } from './backend.js'
import type { RedisFamilySuiteOptions } from './suite.js'

type ErrorClass = new (...args: never[]) => CacheError

const manyTags = Array.from({ length: 5_000 }, (_, i) => `shop:${i}:${'x'.repeat(8)}`)

/** Each row: the mistake, the call, the typed error, its code, and what the message names. */
const rows: [
  string,
  (c: Cache<string, unknown>) => Promise<unknown>,
  ErrorClass,
  string,
  RegExp,
][] = [
  [
    'tags over 64 KiB on one entry',
    (c) => c.set('k', 1, { tags: manyTags }),
    CacheConfigError,
    'INVALID_TAG',
    /over the limit of 65535/,
  ],
  [
    'a TTL beyond what Redis accepts',
    (c) => c.set('k', 1, { ttl: 1e19 }),
    CacheTtlError,
    'INVALID_TTL',
    /ttl 10000000000000000000 is over the limit/,
  ],
  [
    'a TTL beyond the limit in getOrSet',
    (c) => c.getOrSet('k', () => 1, { ttl: 1e19 }),
    CacheTtlError,
    'INVALID_TTL',
    /over the limit/,
  ],
  [
    'a misspelled option',
    (c) => c.set('k', 1, { tagz: ['shop:7'] } as never),
    CacheConfigError,
    'INVALID_OPTION',
    /did you mean 'tags'/,
  ],
  [
    'getMany of a string',
    (c) => c.getMany('abc' as never),
    CacheConfigError,
    'INVALID_ARGUMENT',
    /keys must be an array/,
  ],
  [
    'setMany with tags over 64 KiB',
    (c) => c.setMany([{ key: 'a', value: 1, tags: manyTags }]),
    CacheConfigError,
    'INVALID_TAG',
    /over the limit of 65535/,
  ],
]

/**
 * Bad input against a real server: each row is refused with a typed error naming the
 * problem, writes nothing, and never counts toward the circuit breaker (one failure would
 * open it).
 */
export function describeBadInput(
  options: RedisFamilySuiteOptions,
  shared: () => Promise<Backend>,
): void {
  describe(`${options.name}: bad input on a real server`, { timeout: 60_000 }, () => {
    let backend: Backend
    let provider: RedisFamilyProvider
    let cache: Cache<string, unknown>
    beforeAll(async () => {
      backend = await shared()
      provider = await options.connect(backend, { keyPrefix: 'bad:' })
      cache = createCacheService({ providers: { p: provider }, encoder: jsonEncoder() }).namespace(
        'input',
        { ttl: '1m', breaker: { failures: 1, cooldown: '1m' } },
      )
    }, 60_000)
    afterAll(async () => {
      await provider?.close()
    })

    for (const [label, call, ErrorType, code, names] of rows) {
      it(label, async () => {
        const error = await call(cache).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(ErrorType)
        expect((error as CacheError).code).toBe(code)
        expect((error as Error).message).toMatch(names)
        expect(await scanAll(backend, 'bad:*')).toEqual([])
        expect(cache.breakerState).toBe('closed')
      })
    }

    it('after every refusal the breaker is closed and valid writes go through', async () => {
      await cache.set('valid', 1, { tags: ['shop:7'] })
      expect(await cache.get('valid')).toBe(1)
      expect(cache.breakerState).toBe('closed')
      await cache.delete('valid')
    })
  })
}

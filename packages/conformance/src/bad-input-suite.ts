import {
  type Cache,
  CacheConfigError,
  type CacheError,
  CacheKeyError,
  CacheTtlError,
  CacheValueError,
  type NamespaceOptions,
  type ProviderCapabilities,
  type SearchOptions,
  type Store,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'

type ErrorClass = new (...args: never[]) => CacheError

/** One mistake a caller can make, the typed error it gets, and what the message must name. */
export interface BadInputCase {
  readonly label: string
  readonly call: (c: Cache<unknown>) => Promise<unknown>
  readonly error: ErrorClass
  readonly code: string
  readonly names: RegExp
  /**
   * A capability the call needs to get past the capability check to the input check. With
   * `search`, the namespace is opened with `BAD_INPUT_SEARCH` as its `search` option.
   */
  readonly needs?: 'tags' | 'compute' | 'search'
}

/** The search schema of the bad-input cases that need `search`. */
export const BAD_INPUT_SEARCH: SearchOptions = {
  schema: {
    title: { type: 'text' },
    brand: { type: 'tag' },
    price: { type: 'numeric', sortable: true },
    where: { type: 'geo' },
    vec: { type: 'vector', dimensions: 3, distance: 'cosine' },
  },
}

const manyTags = Array.from({ length: 5_000 }, (_, i) => `shop:${i}:${'x'.repeat(8)}`)

/** Keys the cases could write: the suite checks none of them was. */
const WRITTEN_KEYS = ['k', 'a', 'b']

/** The bad-input cases every provider must refuse alike, before any backend call. */
export const BAD_INPUT_CASES: readonly BadInputCase[] = [
  {
    label: 'getMany of a string',
    call: (c) => c.getMany('abc' as unknown as string[]),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /getMany\(\): keys must be an array, got 'abc'/,
  },
  {
    label: 'getMany of null',
    call: (c) => c.getMany(null as unknown as string[]),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /getMany\(\): keys must be an array, got null/,
  },
  {
    label: 'deleteMany of a string',
    call: (c) => c.deleteMany('k' as unknown as string[]),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /deleteMany\(\): keys must be an array/,
  },
  {
    label: 'setMany of a string',
    call: (c) => c.setMany('abc' as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /setMany\(\): entries must be an array/,
  },
  {
    label: 'setMany entry that is not an object',
    call: (c) => c.setMany([{ key: 'a', value: 1 }, 'b' as never]),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /setMany\(\): entries\[1\] must be/,
  },
  {
    label: 'setMany entry with a misspelled option',
    call: (c) => c.setMany([{ key: 'a', value: 1, tagz: ['x'] } as never]),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /entries\[0\]: unknown option 'tagz' \(did you mean 'tags'\?\)/,
  },
  {
    label: 'getOrSet with a null loader',
    call: (c) => c.getOrSet('k', null as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /getOrSet\(\): loader must be a function, got null/,
  },
  {
    label: 'getOrSetMany with a string loader',
    call: (c) => c.getOrSetMany(['k'], 'load' as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /getOrSetMany\(\): loader must be a function/,
  },
  {
    label: 'getOrSetMany of a string',
    call: (c) => c.getOrSetMany('k' as never, () => new Map()),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /getOrSetMany\(\): keys must be an array/,
  },
  {
    label: 'bulk loader returning a number',
    call: (c) => c.getOrSetMany(['k'], () => 42 as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /bulk loader must return a Map or an iterable of \[key, value\] pairs, got 42/,
  },
  {
    label: 'bulk loader returning values, not pairs',
    call: (c) => c.getOrSetMany(['k'], () => [1, 2] as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /bulk loader must produce \[key, value\] pairs, got 1/,
  },
  {
    label: 'compute with a number for a callback',
    call: (c) => c.compute('k', 42 as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /compute\(\): fn must be a function, got 42/,
  },
  {
    label: 'compute with a misspelled option',
    call: (c) => c.compute('k', () => ({ action: 'keep' }), { maxRetry: 2 } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /unknown option 'maxRetry' \(did you mean 'maxRetries'\?\)/,
  },
  {
    label: 'compute result with a misspelled field',
    call: (c) => c.compute('k', () => ({ action: 'set', value: 1, tag: ['x'] }) as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /unknown option 'tag' \(did you mean 'tags'\?\)/,
    needs: 'compute',
  },
  {
    label: 'getEntry with a misspelled option',
    call: (c) => c.getEntry('k', { countAsHit: true } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /getEntry\(\) options: unknown option 'countAsHit'/,
  },
  {
    label: 'getEntry with a string for countAsRead',
    call: (c) => c.getEntry('k', { countAsRead: 'yes' } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /countAsRead must be a boolean, got 'yes'/,
  },
  {
    label: 'expire without a ttl',
    call: (c) => c.expire('k', undefined as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /expire\(\): ttl is required/,
  },
  {
    label: 'expire with a TTL beyond the limit',
    call: (c) => c.expire('k', 1e19),
    error: CacheTtlError,
    code: 'INVALID_TTL',
    names: /over the limit/,
  },
  {
    label: 'expire with a negative TTL',
    call: (c) => c.expire('k', -5),
    error: CacheTtlError,
    code: 'INVALID_TTL',
    names: /ttl/,
  },
  {
    label: 'getEntry of an empty key',
    call: (c) => c.getEntry(''),
    error: CacheKeyError,
    code: 'EMPTY_KEY',
    names: /key must not be empty/,
  },
  {
    label: 'touch of an empty key',
    call: (c) => c.touch(''),
    error: CacheKeyError,
    code: 'EMPTY_KEY',
    names: /key must not be empty/,
  },
  {
    label: 'computeIfAbsent with a string for a callback',
    call: (c) => c.computeIfAbsent('k', 'load' as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /computeIfAbsent\(\): fn must be a function, got 'load'/,
  },
  {
    label: 'computeIfPresent with a misspelled option',
    call: (c) => c.computeIfPresent('k', () => ({ action: 'keep' }), { retries: 2 } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /computeIfPresent\(\) options: unknown option 'retries'/,
  },
  {
    label: 'computeIfAbsent result with a misspelled field',
    call: (c) => c.computeIfAbsent('k', () => ({ action: 'set', value: 1, ttls: 5 }) as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /unknown option 'ttls' \(did you mean 'ttl'\?\)/,
    needs: 'compute',
  },
  {
    label: 'set with a string for options',
    call: (c) => c.set('k', 1, 'fast' as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /set\(\) options: options must be an object, got 'fast'/,
  },
  {
    label: 'set with a misspelled option (a typo must not become stale data)',
    call: (c) => c.set('k', 1, { tagz: ['shop:7'] } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /unknown option 'tagz' \(did you mean 'tags'\?\)/,
  },
  {
    label: 'getOrSet with a misspelled option',
    call: (c) => c.getOrSet('k', () => 1, { negativeTTL: '1m' } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /unknown option 'negativeTTL' \(did you mean 'negativeTtl'\?\)/,
  },
  {
    label: 'getOrSet with a signal that is not an AbortSignal',
    call: (c) => c.getOrSet('k', () => 1, { signal: 'stop' } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /getOrSet\(\) options: signal must be an AbortSignal, got 'stop'/,
  },
  {
    label: 'getOrSetMany with a signal that is not an AbortSignal',
    call: (c) => c.getOrSetMany(['k'], () => new Map(), { signal: {} } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /getOrSetMany\(\) options: signal must be an AbortSignal/,
  },
  {
    label: 'refresh with a null loader',
    call: (c) => c.refresh('k', null as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /refresh\(\): loader must be a function, got null/,
  },
  {
    label: 'refresh with a misspelled option',
    call: (c) => c.refresh('k', () => 1, { tagz: ['x'] } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /refresh\(\) options: unknown option 'tagz' \(did you mean 'tags'\?\)/,
  },
  {
    label: 'refresh with a TTL beyond the limit',
    call: (c) => c.refresh('k', () => 1, { ttl: 1e19 }),
    error: CacheTtlError,
    code: 'INVALID_TTL',
    names: /over the limit/,
  },
  {
    label: 'refreshMany of a string',
    call: (c) => c.refreshMany('k' as never, () => new Map()),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /refreshMany\(\): keys must be an array/,
  },
  {
    label: 'refreshMany with a string loader',
    call: (c) => c.refreshMany(['k'], 'load' as never),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /refreshMany\(\): loader must be a function/,
  },
  {
    label: 'a TTL beyond what any backend accepts',
    call: (c) => c.set('k', 1, { ttl: 1e19 }),
    error: CacheTtlError,
    code: 'INVALID_TTL',
    names: /ttl 10000000000000000000 is over the limit of 1000000000000000 ms/,
  },
  {
    label: 'a TTL string beyond the limit',
    call: (c) => c.set('k', 1, { ttl: '99999999999w' }),
    error: CacheTtlError,
    code: 'INVALID_TTL',
    names: /over the limit/,
  },
  {
    label: 'a TTL beyond the limit in getOrSet',
    call: (c) => c.getOrSet('k', () => 1, { ttl: 1e19 }),
    error: CacheTtlError,
    code: 'INVALID_TTL',
    names: /over the limit/,
  },
  {
    label: 'tags over 64 KiB on one entry',
    call: (c) => c.set('k', 1, { tags: manyTags }),
    error: CacheConfigError,
    code: 'INVALID_TAG',
    names: /the tags of one entry take \d+ bytes \(5000 tags.*over the limit of 65535/,
    needs: 'tags',
  },
  {
    label: 'setMany with tags over 64 KiB',
    call: (c) => c.setMany([{ key: 'a', value: 1, tags: manyTags }]),
    error: CacheConfigError,
    code: 'INVALID_TAG',
    names: /over the limit of 65535/,
    needs: 'tags',
  },
  {
    label: 'search with a misspelled query key',
    call: (c) => c.search({ txet: 'shoe' } as never),
    error: CacheConfigError,
    code: 'INVALID_OPTION',
    names: /unknown option 'txet' \(did you mean 'text'\?\)/,
    needs: 'search',
  },
  {
    label: 'search on a field not in the schema',
    call: (c) => c.search({ filters: [{ field: 'colour', op: 'eq', value: 'red' }] }),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /filters\[0\]\.field 'colour' is not in the schema/,
    needs: 'search',
  },
  {
    label: 'search with an operator the field type lacks',
    call: (c) => c.search({ filters: [{ field: 'brand', op: 'between', min: 1, max: 2 }] }),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /'between' does not apply to tag field 'brand'/,
    needs: 'search',
  },
  {
    label: 'search with a one-character prefix',
    call: (c) => c.search({ filters: [{ field: 'title', op: 'prefix', value: 's' }] }),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /a prefix on field 'title' needs at least 2 characters/,
    needs: 'search',
  },
  {
    label: 'search with a limit over 10000',
    call: (c) => c.search({ limit: 10_001 }),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /limit must be an integer from 1 to 10000, got 10001/,
    needs: 'search',
  },
  {
    label: 'search with a negative offset',
    call: (c) => c.search({ offset: -5 }),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /offset must be an integer >= 0, got -5/,
    needs: 'search',
  },
  {
    label: 'search with a vector of the wrong length',
    call: (c) => c.search({ vector: { field: 'vec', vector: [1, 2], k: 5 } }),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /vector\.vector for field 'vec' must have 3 dimensions, got 2/,
    needs: 'search',
  },
  {
    label: 'search with k of 0',
    call: (c) => c.search({ vector: { field: 'vec', vector: [1, 2, 3], k: 0 } }),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /vector\.k must be an integer from 1 to 10000, got 0/,
    needs: 'search',
  },
  {
    label: 'search sorted by a field that is not sortable',
    call: (c) => c.search({ sort: { field: 'brand' } }),
    error: CacheConfigError,
    code: 'INVALID_ARGUMENT',
    names: /sort\.field 'brand' is not sortable/,
    needs: 'search',
  },
  {
    label: 'a write whose searchable field cannot be indexed (NaN price)',
    call: (c) => c.set('k', { title: 'x', price: Number.NaN }),
    error: CacheValueError,
    code: 'INVALID_FIELD',
    names:
      /search field 'price' of the value for key 'k' must be a finite number \(NUMERIC\), got NaN/,
    needs: 'search',
  },
  {
    label: 'setMany with a vector of the wrong length',
    call: (c) =>
      c.setMany([
        { key: 'a', value: { vec: [1, 2, 3] } },
        { key: 'b', value: { vec: [1] } },
      ]),
    error: CacheValueError,
    code: 'INVALID_FIELD',
    names: /search field 'vec' of the value for key 'b' \(VECTOR\) must have 3 dimensions, got 1/,
    needs: 'search',
  },
]

/**
 * Registers the bad-input table for one provider: each case is refused with its typed error,
 * the message names the problem, nothing was written, and a circuit breaker that one backend
 * failure would open stays closed (bad input never reaches the backend).
 */
export function describeBadInput(options: {
  readonly capabilities: ProviderCapabilities
  /** Opens a fresh namespace of the provider under test, with these options added. */
  readonly open: (label: string, extra?: NamespaceOptions<string>) => Cache<unknown>
  /** The store behind a namespace opened by `open`, to check nothing was written. */
  readonly storeOf: (cache: Cache<unknown>) => Store<unknown>
}): void {
  describe('bad input: a typed error naming the problem, nothing written, breaker closed', () => {
    for (const c of BAD_INPUT_CASES) {
      if (c.needs !== undefined && !options.capabilities[c.needs]) continue
      it(c.label, async () => {
        const cache = options.open(
          'bad',
          c.needs === 'search' ? { search: BAD_INPUT_SEARCH } : undefined,
        )
        const error = await c.call(cache).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(c.error)
        expect((error as CacheError).code).toBe(c.code)
        expect((error as Error).message).toMatch(c.names)
        const stored = await options.storeOf(cache).getMany(WRITTEN_KEYS)
        expect(stored).toEqual(WRITTEN_KEYS.map(() => undefined))
        expect(cache.breakerState).toBe('closed')
      })
    }
  })
}

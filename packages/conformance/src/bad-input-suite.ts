import {
  type Cache,
  CacheConfigError,
  type CacheError,
  CacheTtlError,
  type ProviderCapabilities,
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
  /** A capability the call needs to get past the capability check to the input check. */
  readonly needs?: 'tags' | 'compute'
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
]

/**
 * Registers the bad-input table for one provider: each case is refused with its typed error,
 * the message names the problem, nothing was written, and a circuit breaker that one backend
 * failure would open stays closed (bad input never reaches the backend).
 */
export function describeBadInput(options: {
  readonly capabilities: ProviderCapabilities
  /** Opens a fresh namespace of the provider under test, with these options. */
  readonly open: (label: string) => Cache<unknown>
  /** The store behind a namespace opened by `open`, to check nothing was written. */
  readonly storeOf: (cache: Cache<unknown>) => Store<unknown>
}): void {
  describe('bad input: a typed error naming the problem, nothing written, breaker closed', () => {
    for (const c of BAD_INPUT_CASES) {
      if (c.needs !== undefined && !options.capabilities[c.needs]) continue
      it(c.label, async () => {
        const cache = options.open('bad')
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

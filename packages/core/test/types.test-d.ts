// Type tests (vitest typecheck, tsconfig.types-test.json): each fails if the typing it names
// is undone. Nothing here runs; the compiler is the assertion.
import { describe, expectTypeOf, test } from 'vitest'
import {
  type Cache,
  type CacheProvider,
  createCacheService,
  type Duration,
  NOT_FOUND,
} from '../src/index.js'

declare const memory: CacheProvider
declare const redis: CacheProvider
interface Product {
  readonly id: number
}

const caches = createCacheService({
  providers: { local: memory, shared: redis },
  defaultProvider: 'shared',
})

describe('getOrSet', () => {
  const products = caches.namespace<Product>('products', { ttl: '10m' })

  test('resolves to V when the loader cannot return NOT_FOUND', () => {
    expectTypeOf(products.getOrSet('p:1', async () => ({ id: 1 }))).toEqualTypeOf<
      Promise<Product>
    >()
    expectTypeOf(products.getOrSet('p:1', () => ({ id: 1 }))).toEqualTypeOf<Promise<Product>>()
  })

  test('resolves to V | undefined when the loader can return NOT_FOUND', () => {
    expectTypeOf(
      products.getOrSet('p:1', async (ctx) => (Math.random() > 0.5 ? { id: 1 } : ctx.notFound())),
    ).toEqualTypeOf<Promise<Product | undefined>>()
    expectTypeOf(
      products.getOrSet('p:1', () => (Math.random() > 0.5 ? { id: 1 } : NOT_FOUND)),
    ).toEqualTypeOf<Promise<Product | undefined>>()
    expectTypeOf(products.getOrSet('p:1', (ctx) => ctx.notFound())).toEqualTypeOf<
      Promise<Product | undefined>
    >()
  })
})

describe('generic order', () => {
  test('Cache takes the value type first, as namespace<V, K>() does', () => {
    expectTypeOf(caches.namespace<Product>('a')).toEqualTypeOf<Cache<Product>>()
    expectTypeOf(caches.namespace<Product, number>('b')).toEqualTypeOf<Cache<Product, number>>()
    expectTypeOf<Cache<Product>['get']>().returns.toEqualTypeOf<Promise<Product | undefined>>()
  })
})

describe('Duration', () => {
  test('accepts numbers and <number><unit> strings of up to three parts', () => {
    expectTypeOf<100>().toExtend<Duration>()
    expectTypeOf<'500ms'>().toExtend<Duration>()
    expectTypeOf<'10m'>().toExtend<Duration>()
    expectTypeOf<'1h30m'>().toExtend<Duration>()
    expectTypeOf<'1d2h3m'>().toExtend<Duration>()
    expectTypeOf<'1.5h'>().toExtend<Duration>()
  })

  test('refuses words and unknown units at compile time', () => {
    expectTypeOf<'10 minutes'>().not.toExtend<Duration>()
    expectTypeOf<'10'>().not.toExtend<Duration>()
    expectTypeOf<'10y'>().not.toExtend<Duration>()
    // @ts-expect-error '10 minutes' is not a Duration
    caches.namespace('c', { ttl: '10 minutes' })
  })
})

describe('provider names', () => {
  test('are checked where the service knows its providers', () => {
    caches.namespace('d', { provider: 'local', l1: 'local' })
    caches.namespace('e', { l1: { provider: 'local', maxTtl: '1m' } })
    // @ts-expect-error 'locla' is not one of the service's providers
    caches.namespace('f', { l1: 'locla' })
    // @ts-expect-error 'sharde' is not one of the service's providers
    caches.namespace('g', { provider: 'sharde' })
    // @ts-expect-error nor in the l1 object form
    caches.namespace('h', { l1: { provider: 'remote' } })
    expectTypeOf(caches.provider).parameter(0).toEqualTypeOf<'local' | 'shared'>()
    expectTypeOf(caches.defaultProvider).toEqualTypeOf<'local' | 'shared'>()
    createCacheService({
      providers: { local: memory },
      // @ts-expect-error the default provider must be one of the providers
      defaultProvider: 'shared',
    })
  })

  test('stay plain strings when the providers are only known as a record', () => {
    const providers: Record<string, CacheProvider> = { local: memory }
    const loose = createCacheService({ providers })
    loose.namespace('i', { l1: 'anything' })
    expectTypeOf(loose.defaultProvider).toEqualTypeOf<string>()
  })
})

import {
  type Cache,
  CacheClosedError,
  CacheError,
  type CacheEventMap,
  type CacheProvider,
  type CacheService,
  CacheUnsupportedError,
  type CapabilityName,
  type Clock,
  createCacheService,
  type Encoder,
  type LiveEntry,
  type Loader,
  type MaybePromise,
  type NamespaceOptions,
  NOT_FOUND,
  type ProviderCapabilities,
  providerPort,
  requireCapability,
  type Store,
} from '@cacheport/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeBadInput } from './bad-input-suite.js'
import type { ManualClock } from './clock.js'
import { describeEntriesConformance } from './entries-suite.js'
import { describeFenceConformance } from './fence-suite.js'
import { AWKWARD_KEYS, allBytes, conformanceEncoder, seededBytes } from './fixtures.js'
import {
  describeBusConformance,
  describeLockConformance,
  type PortConformanceContext,
} from './ports-suite.js'
import type { SearchConformanceOptions } from './search-fixtures.js'
import { describeSearchConformance } from './search-suite.js'

/** Options of `runProviderConformance`. */
export interface ProviderConformanceOptions {
  /** Suite title, e.g. `provider-memory (bytes)`. */
  readonly name: string
  /** Creates the provider under test. Called once per suite; the suite closes it at the end. */
  readonly createProvider: () => MaybePromise<CacheProvider>
  /**
   * For providers declaring `bus`: creates a second provider on the same backend, standing
   * for another process (the suite closes it). Default: `createProvider`.
   */
  readonly createPeer?: () => MaybePromise<CacheProvider>
  /** The capabilities the provider must declare: every `false` one is tested as refused. */
  readonly capabilities: ProviderCapabilities
  /**
   * True when the provider's stores write back conditionally (`Store.fence` and
   * `Store.setIfUnchanged`, for providers shared between processes): the suite checks that a
   * write-back is refused after another process's set, delete, tag invalidation or clear.
   * Default false: the suite checks the stores have neither method.
   */
  readonly fencedWrites?: boolean
  /**
   * A manual clock the provider was created with. Without one, expiry tests wait in real
   * time (`ttlMs` and a little more).
   */
  readonly clock?: ManualClock
  /** Encoder for bytes providers; defaults to a JSON-with-bytes test encoder. */
  readonly encoder?: Encoder
  /** TTL used by real-time expiry tests, ms. Default 80. */
  readonly ttlMs?: number
  /** Size of the "large value" test, bytes. Default 2 MiB. */
  readonly largeValueBytes?: number
  /** Per-test timeout, ms. Default 20,000. */
  readonly timeoutMs?: number
  /** For providers declaring `search`: the eviction hook and the differential test's size. */
  readonly search?: SearchConformanceOptions
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Registers the provider conformance suite with vitest: every Store operation directly and
 * through the `Cache` facade, TTL expiry, namespace isolation and `clear`, tags, compute under
 * concurrency, getMany ordering, binary and unicode keys and values, large values,
 * singleflight, corrupt stored bytes, the bad-input table (typed errors, nothing written,
 * breaker closed), the `bus` and `lock` ports when declared, and a refused
 * call for every capability the provider does not declare. Call it at the top level of a test file.
 */
export function runProviderConformance(options: ProviderConformanceOptions): void {
  const caps = options.capabilities
  const ttlMs = options.ttlMs ?? 80
  const timeout = options.timeoutMs ?? 20_000
  const clock: Clock | undefined = options.clock
  let provider: CacheProvider
  let service: CacheService
  let counter = 0
  const run = Math.random().toString(36).slice(2, 8)

  const freshName = (label: string) => `cf-${run}-${label}-${++counter}`
  const open = <V>(label: string, extra: NamespaceOptions<string> = {}): Cache<V> =>
    service.namespace<V>(freshName(label), { jitter: 0, ...extra })
  const storeOf = (name: string) => provider.openStore({ namespace: name }) as Store<unknown>

  /** Lets TTLs run out: moves the manual clock, or waits in real time. */
  const elapse = async (ms: number): Promise<void> => {
    if (options.clock !== undefined) options.clock.advance(ms)
    else await sleep(ms)
  }

  describe(`provider conformance: ${options.name}`, { timeout }, () => {
    beforeAll(async () => {
      provider = await options.createProvider()
      service = createCacheService({
        providers: { subject: provider },
        encoder: options.encoder ?? conformanceEncoder,
        ...(clock !== undefined ? { clock } : {}),
      })
    }, timeout)

    afterAll(async () => {
      await service?.close()
    }, timeout)

    describe('declaration', () => {
      it('declares exactly the expected capabilities', () => {
        expect({ ...provider.capabilities }).toEqual({ ...caps })
      })

      it('reports itself healthy', async () => {
        const health = await provider.health()
        expect(health.healthy).toBe(true)
      })

      it('opens stores of the declared value kind', () => {
        expect(storeOf(freshName('kind')).kind).toBe(caps.values)
      })
    })

    describeBadInput({
      capabilities: caps,
      open: (label, extra) =>
        open<unknown>(label, { breaker: { failures: 1, cooldown: '1m' }, ...extra }),
      storeOf: (cache) => storeOf(cache.namespace),
    })

    describe('store operations', () => {
      it('set, get, has and delete one key', async () => {
        const c = open<{ n: number }>('basic')
        expect(await c.get('a')).toBeUndefined()
        expect(await c.has('a')).toBe(false)
        await c.set('a', { n: 1 })
        expect(await c.get('a')).toEqual({ n: 1 })
        expect(await c.has('a')).toBe(true)
        expect(await c.delete('a')).toBe(true)
        expect(await c.delete('a')).toBe(false)
        expect(await c.get('a')).toBeUndefined()
      })

      it('overwrites a value', async () => {
        const c = open<string>('overwrite')
        await c.set('k', 'one')
        await c.set('k', 'two')
        expect(await c.get('k')).toBe('two')
      })

      it('getMany keeps the order of the keys, with undefined for missing and duplicate keys answered', async () => {
        const c = open<number>('getmany')
        await c.setMany([
          { key: 'a', value: 1 },
          { key: 'c', value: 3 },
          { key: 'e', value: 5 },
        ])
        expect(await c.getMany(['e', 'b', 'a', 'c', 'd', 'a'])).toEqual([
          5,
          undefined,
          1,
          3,
          undefined,
          1,
        ])
        expect(await c.getMany([])).toEqual([])
      })

      it('store.getMany answers in key order, directly', async () => {
        const name = freshName('raw-getmany')
        const c = service.namespace<number>(name, { jitter: 0 })
        await c.set('x', 1)
        await c.set('y', 2)
        const raw = await storeOf(name).getMany(['y', 'nope', 'x'])
        expect(raw).toHaveLength(3)
        expect(raw[0]).toBeDefined()
        expect(raw[1]).toBeUndefined()
        expect(raw[2]).toBeDefined()
      })

      it('deleteMany counts only the entries it removed', async () => {
        const c = open<number>('deletemany')
        await c.setMany([
          { key: 'a', value: 1 },
          { key: 'b', value: 2 },
          { key: 'c', value: 3 },
        ])
        expect(await c.deleteMany(['a', 'c', 'missing'])).toBe(2)
        expect(await c.getMany(['a', 'b', 'c'])).toEqual([undefined, 2, undefined])
        expect(await c.deleteMany([])).toBe(0)
      })

      it('store.has and store.delete agree with the data', async () => {
        const name = freshName('raw-has')
        const c = service.namespace<string>(name, { jitter: 0 })
        const store = storeOf(name)
        await c.set('present', 'yes')
        expect(await store.has('present')).toBe(true)
        expect(await store.has('absent')).toBe(false)
        expect(await store.delete('present')).toBe(true)
        expect(await store.has('present')).toBe(false)
      })
    })

    describe('values and keys', () => {
      it('round-trips awkward keys (separators, glob and hash-tag characters, control characters, unicode)', async () => {
        const c = open<string>('keys')
        for (const key of AWKWARD_KEYS) await c.set(key, `v:${key}`)
        expect(await c.getMany(AWKWARD_KEYS)).toEqual(AWKWARD_KEYS.map((k) => `v:${k}`))
        for (const key of AWKWARD_KEYS) expect(await c.get(key)).toBe(`v:${key}`)
      })

      it('keeps keys that differ only in case or normalisation apart', async () => {
        const c = open<number>('distinct')
        await c.set('key', 1)
        await c.set('KEY', 2)
        await c.set('caf\u00e9', 3)
        await c.set('cafe\u0301', 4)
        expect(await c.getMany(['key', 'KEY', 'caf\u00e9', 'cafe\u0301'])).toEqual([1, 2, 3, 4])
      })

      it('round-trips binary values byte for byte', async () => {
        const c = open<Uint8Array>('binary')
        const bytes = allBytes()
        await c.set('bin', bytes)
        const back = await c.get('bin')
        expect(back).toBeInstanceOf(Uint8Array)
        expect(Buffer.from(back as Uint8Array).equals(Buffer.from(bytes))).toBe(true)
      })

      it('round-trips unicode and nested values', async () => {
        const c = open<unknown>('unicode')
        const value = {
          text: 'Zürich – 東京 – 🚀 – \u0000 – \uFFFF',
          nested: { list: [1, 'two', { three: [3] }], empty: {}, none: null },
          flag: false,
          zero: 0,
        }
        await c.set('u', value)
        expect(await c.get('u')).toEqual(value)
        await c.set('null', null)
        expect(await c.get('null')).toBeNull()
        expect(await c.has('null')).toBe(true)
      })

      it('round-trips a large value', async () => {
        const size = options.largeValueBytes ?? 2 * 1024 * 1024
        const c = open<Uint8Array>('large')
        const big = seededBytes(size)
        await c.set('big', big)
        const back = (await c.get('big')) as Uint8Array
        expect(back.byteLength).toBe(size)
        expect(Buffer.from(back).equals(Buffer.from(big))).toBe(true)
      })
    })

    describe('expiry', () => {
      it('expires an entry after its TTL (get, has, getMany, keys)', async () => {
        const c = open<string>('ttl')
        await c.set('short', 'gone soon', { ttl: ttlMs })
        await c.set('long', 'stays', { ttl: ttlMs * 1000 })
        await c.set('forever', 'stays', { ttl: null })
        expect(await c.get('short')).toBe('gone soon')
        await elapse(ttlMs * 2 + 50)
        expect(await c.get('short')).toBeUndefined()
        expect(await c.has('short')).toBe(false)
        expect(await c.getMany(['short', 'long', 'forever'])).toEqual([undefined, 'stays', 'stays'])
        if (caps.iterate) {
          const keys: string[] = []
          for await (const k of c.keys()) keys.push(k)
          expect(keys.sort()).toEqual(['forever', 'long'])
        }
      })

      it('expires the raw entry in the store too (physical TTL)', async () => {
        const name = freshName('phys')
        const c = service.namespace<string>(name, { jitter: 0 })
        await c.set('k', 'v', { ttl: ttlMs })
        expect(await storeOf(name).get('k')).toBeDefined()
        await elapse(ttlMs * 2 + 50)
        expect(await storeOf(name).get('k')).toBeUndefined()
      })

      it('applies the namespace default TTL and lets a write override it', async () => {
        const c = open<string>('defttl', { ttl: ttlMs })
        await c.set('default', 'x')
        await c.set('override', 'y', { ttl: ttlMs * 1000 })
        await elapse(ttlMs * 2 + 50)
        expect(await c.getMany(['default', 'override'])).toEqual([undefined, 'y'])
      })

      it('an overwrite without TTL clears the previous TTL', async () => {
        const c = open<string>('ttl-reset')
        await c.set('k', 'first', { ttl: ttlMs })
        await c.set('k', 'second', { ttl: null })
        await elapse(ttlMs * 2 + 50)
        expect(await c.get('k')).toBe('second')
      })
    })

    describe('namespaces', () => {
      it('never reads or deletes another namespace\u2019s keys', async () => {
        const a = open<string>('iso')
        const b = open<string>('iso')
        await a.set('shared', 'A')
        await b.set('shared', 'B')
        expect(await a.get('shared')).toBe('A')
        expect(await b.get('shared')).toBe('B')
        await a.delete('shared')
        expect(await b.get('shared')).toBe('B')
      })

      it('clear() removes this namespace only, including names that share a prefix', async () => {
        const base = freshName('clr')
        const a = service.namespace<string>(base, { jitter: 0 })
        const longer = service.namespace<string>(`${base}x`, { jitter: 0 })
        const nested = service.namespace<string>(`${base}/sub`, { jitter: 0 })
        for (const key of ['k1', 'k2', ...AWKWARD_KEYS]) await a.set(key, 'a')
        await longer.set('k1', 'longer')
        await nested.set('k1', 'nested')
        await a.clear()
        expect(await a.getMany(['k1', 'k2', ...AWKWARD_KEYS])).toEqual(
          ['k1', 'k2', ...AWKWARD_KEYS].map(() => undefined),
        )
        expect(await longer.get('k1')).toBe('longer')
        expect(await nested.get('k1')).toBe('nested')
        await a.set('k1', 'again')
        expect(await a.get('k1')).toBe('again')
      })
    })

    describe('getOrSet and singleflight', () => {
      it('runs the loader once for 100 concurrent getOrSet calls on a cold key', async () => {
        const c = open<string>('sf')
        let calls = 0
        const loader = async () => {
          calls++
          await sleep(20)
          return 'loaded'
        }
        const results = await Promise.all(
          Array.from({ length: 100 }, () => c.getOrSet('cold', loader)),
        )
        expect(results).toEqual(Array.from({ length: 100 }, () => 'loaded'))
        expect(calls).toBe(1)
        expect(await c.getOrSet('cold', loader)).toBe('loaded')
        expect(calls).toBe(1)
      })

      it('shares a loader failure with every waiter and caches nothing', async () => {
        const c = open<string>('sf-fail')
        let calls = 0
        const loader = async (): Promise<string> => {
          calls++
          await sleep(10)
          throw new Error('upstream down')
        }
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => c.getOrSet('k', loader)),
        )
        expect(results.every((r) => r.status === 'rejected')).toBe(true)
        expect(calls).toBe(1)
        expect(c.stats().loadErrors).toBe(1)
        expect(await c.get('k')).toBeUndefined()
      })

      it('caches a not-found result under the negative TTL', async () => {
        const c = open<string>('neg', { ttl: ttlMs * 1000, negativeTtl: ttlMs })
        let calls = 0
        const loader: Loader<string, string> = () => {
          calls++
          return NOT_FOUND
        }
        expect(await c.getOrSet('missing', loader)).toBeUndefined()
        expect(await c.getOrSet('missing', loader)).toBeUndefined()
        expect(calls).toBe(1)
        expect(await c.has('missing')).toBe(false)
        await elapse(ttlMs * 2 + 50)
        expect(await c.getOrSet('missing', loader)).toBeUndefined()
        expect(calls).toBe(2)
      })

      it('getOrSetMany loads only the missing keys, once, in key order', async () => {
        const c = open<string>('many')
        await c.set('b', 'cached-b')
        const seen: string[][] = []
        const loader = async (keys: string[]) => {
          seen.push([...keys])
          await sleep(10)
          return new Map(keys.filter((k) => k !== 'none').map((k) => [k, `loaded-${k}`] as const))
        }
        const [first, second] = await Promise.all([
          c.getOrSetMany(['a', 'b', 'c', 'none', 'a'], loader),
          c.getOrSetMany(['c', 'a'], loader),
        ])
        expect(first).toEqual(['loaded-a', 'cached-b', 'loaded-c', undefined, 'loaded-a'])
        expect(second).toEqual(['loaded-c', 'loaded-a'])
        // Each missing key is loaded exactly once across both calls, and a cached key never is;
        // which call loads which key depends on which read answers first.
        expect(seen.flat().sort()).toEqual(['a', 'c', 'none'])
        expect(seen.length).toBeLessThanOrEqual(2)
        expect(await c.getMany(['a', 'c', 'none'])).toEqual(['loaded-a', 'loaded-c', undefined])
      })

      it('counts hits, misses, loads and load time', async () => {
        const c = open<number>('stats')
        await c.getOrSet('k', async () => {
          await sleep(5)
          return 1
        })
        await c.get('k')
        await c.get('other')
        const stats = c.stats()
        expect(stats.hits).toBe(1)
        expect(stats.misses).toBe(2)
        expect(stats.loads).toBe(1)
        expect(stats.loadTimeMs).toBeGreaterThan(0)
      })
    })

    describe('corrupt stored bytes', () => {
      if (caps.values === 'bytes')
        it('reads garbage planted under a key as a miss plus an error event', async () => {
          const name = freshName('garbage')
          const c = service.namespace<string>(name, { jitter: 0 })
          const errors: CacheEventMap['error'][] = []
          c.on('error', (e) => errors.push(e))
          const store = storeOf(name) as Store<Uint8Array>
          const planted = [
            new Uint8Array(0),
            Buffer.from('plain text someone else wrote'),
            seededBytes(300, 7),
            Buffer.from([0xca, 0x01, 0x00]),
          ]
          for (const [i, bytes] of planted.entries()) await store.set(`g${i}`, bytes)
          for (let i = 0; i < planted.length; i++) expect(await c.get(`g${i}`)).toBeUndefined()
          expect(errors).toHaveLength(planted.length)
          for (const e of errors) {
            expect(e.error).toBeInstanceOf(CacheError)
            expect((e.error as CacheError).code).toBe('DECODE_FAILED')
          }
          let calls = 0
          expect(
            await c.getOrSet('g1', () => {
              calls++
              return 'repaired'
            }),
          ).toBe('repaired')
          expect(calls).toBe(1)
          expect(await c.get('g1')).toBe('repaired')
        })

      if (caps.values === 'live')
        it('holds live entries as they were written', async () => {
          const name = freshName('live')
          const c = service.namespace<{ n: number }>(name, { jitter: 0 })
          const value = { n: 1 }
          await c.set('k', value)
          const raw = (await storeOf(name).get('k')) as LiveEntry
          expect(raw.value).toBe(value)
          expect(raw.negative).toBe(false)
          expect(await c.get('k')).toBe(value)
        })
    })

    if (caps.tags)
      describe('tags', () => {
        it('invalidateTags removes every member of any given tag and counts them', async () => {
          const c = open<number>('tags')
          await c.set('a', 1, { tags: ['red'] })
          await c.set('b', 2, { tags: ['red', 'big'] })
          await c.set('c', 3, { tags: ['blue'] })
          await c.set('d', 4)
          expect(await c.invalidateTags(['red', 'nothing'])).toBe(2)
          expect(await c.getMany(['a', 'b', 'c', 'd'])).toEqual([undefined, undefined, 3, 4])
          expect(await c.invalidateTags(['red'])).toBe(0)
          expect(await c.invalidateTags(['big'])).toBe(0)
          expect(await c.invalidateTags(['blue'])).toBe(1)
        })

        it('an overwrite replaces the tags of an entry', async () => {
          const c = open<number>('retag')
          await c.set('k', 1, { tags: ['old'] })
          await c.set('k', 2, { tags: ['new'] })
          expect(await c.invalidateTags(['old'])).toBe(0)
          expect(await c.get('k')).toBe(2)
          expect(await c.invalidateTags(['new'])).toBe(1)
          expect(await c.get('k')).toBeUndefined()
        })

        it('tags are per namespace', async () => {
          const a = open<number>('tagiso')
          const b = open<number>('tagiso')
          await a.set('k', 1, { tags: ['t'] })
          await b.set('k', 2, { tags: ['t'] })
          expect(await a.invalidateTags(['t'])).toBe(1)
          expect(await b.get('k')).toBe(2)
        })

        it('does not count expired members, and a cleared namespace has no tag members left', async () => {
          const c = open<number>('tagttl')
          await c.set('short', 1, { tags: ['t'], ttl: ttlMs })
          await c.set('long', 2, { tags: ['t'] })
          await elapse(ttlMs * 2 + 50)
          expect(await c.invalidateTags(['t'])).toBe(1)
          await c.set('again', 3, { tags: ['u'] })
          await c.clear()
          await c.set('fresh', 4)
          expect(await c.invalidateTags(['u'])).toBe(0)
          expect(await c.get('fresh')).toBe(4)
        })

        it('getOrSet and setMany write tags', async () => {
          const c = open<number>('tagwrite')
          await c.getOrSet('x', () => 1, { tags: ['g'] })
          await c.getOrSet('y', (ctx) => {
            ctx.setTags(['g'])
            return 2
          })
          await c.setMany([{ key: 'z', value: 3, tags: ['g'] }])
          expect(await c.invalidateTags(['g'])).toBe(3)
        })
      })

    if (caps.compute)
      describe('compute', () => {
        it('sets, keeps and deletes', async () => {
          const c = open<number>('compute')
          expect(await c.compute('n', (cur) => ({ action: 'set', value: (cur ?? 0) + 1 }))).toBe(1)
          expect(await c.compute('n', () => ({ action: 'keep' }))).toBe(1)
          expect(await c.get('n')).toBe(1)
          expect(await c.compute('n', () => ({ action: 'delete' }))).toBeUndefined()
          expect(await c.get('n')).toBeUndefined()
        })

        it('loses no update under 100 concurrent increments from two independent caches', async () => {
          const name = freshName('counter')
          const other = createCacheService({
            providers: { subject: provider },
            encoder: options.encoder ?? conformanceEncoder,
            ...(clock !== undefined ? { clock } : {}),
          })
          const a = service.namespace<number>(name, { jitter: 0, computeRetries: 1000 })
          const b = other.namespace<number>(name, { jitter: 0, computeRetries: 1000 })
          const bump = (n: number | undefined) => ({ action: 'set' as const, value: (n ?? 0) + 1 })
          await Promise.all(
            Array.from({ length: 100 }, (_, i) =>
              (i % 2 === 0 ? a : b).compute('c', async (n) => {
                await sleep(0)
                return bump(n)
              }),
            ),
          )
          expect(await a.get('c')).toBe(100)
        })

        it('writes TTL and tags from the callback', async () => {
          const c = open<number>('compute-ttl')
          await c.compute('k', () => ({
            action: 'set',
            value: 1,
            ttl: ttlMs,
            ...(caps.tags ? { tags: ['ct'] } : {}),
          }))
          expect(await c.get('k')).toBe(1)
          await elapse(ttlMs * 2 + 50)
          expect(await c.get('k')).toBeUndefined()
        })

        it('writes nothing when the callback throws', async () => {
          const c = open<number>('compute-throw')
          await c.set('k', 1)
          await expect(
            c.compute('k', () => {
              throw new Error('no')
            }),
          ).rejects.toThrow('no')
          expect(await c.get('k')).toBe(1)
        })
      })

    if (caps.iterate)
      describe('iteration', () => {
        it('lists exactly the keys of this namespace', async () => {
          const c = open<number>('iter')
          const other = open<number>('iter')
          const keys = ['a', 'b', ...AWKWARD_KEYS]
          for (const k of keys) await c.set(k, 1)
          await other.set('foreign', 1)
          await c.delete('a')
          const seen: string[] = []
          for await (const k of c.keys()) seen.push(k)
          expect(seen.sort()).toEqual(keys.filter((k) => k !== 'a').sort())
        })
      })

    describeEntriesConformance({
      capabilities: caps,
      provider: () => provider,
      open,
      elapse,
      ttlMs,
    })

    const ports: PortConformanceContext = {
      provider: () => provider,
      createPeer: options.createPeer ?? options.createProvider,
      freshName,
      elapse,
      ttlMs,
    }
    if (caps.search) {
      describeSearchConformance({
        service: () => service,
        provider: () => provider,
        freshName,
        elapse,
        ttlMs,
        options: options.search ?? {},
      })
    }
    if (caps.bus) describeBusConformance(ports)
    if (caps.lock) describeLockConformance(ports)
    describeFenceConformance({ ...ports, tags: caps.tags, declared: options.fencedWrites === true })

    describe('refused capabilities', () => {
      const refused = (Object.keys(caps) as (keyof ProviderCapabilities)[]).filter(
        (k): k is CapabilityName => k !== 'values' && caps[k] === false,
      )
      it('declares every capability as a boolean', () => {
        for (const k of Object.keys(caps) as (keyof ProviderCapabilities)[]) {
          if (k !== 'values') expect(typeof provider.capabilities[k]).toBe('boolean')
        }
      })
      for (const capability of refused) {
        it(`refuses '${capability}' with CacheUnsupportedError`, async () => {
          expect(() => requireCapability(provider, capability)).toThrow(CacheUnsupportedError)
          const c = open<number>(`refuse-${capability}`)
          switch (capability) {
            case 'tags':
              await expect(c.set('k', 1, { tags: ['t'] })).rejects.toBeInstanceOf(
                CacheUnsupportedError,
              )
              await expect(c.invalidateTags(['t'])).rejects.toBeInstanceOf(CacheUnsupportedError)
              expect(await c.get('k')).toBeUndefined()
              break
            case 'compute':
              await expect(
                c.compute('k', () => ({ action: 'set', value: 1 })),
              ).rejects.toBeInstanceOf(CacheUnsupportedError)
              expect(await c.get('k')).toBeUndefined()
              break
            case 'iterate':
              await expect(c.keys().next()).rejects.toBeInstanceOf(CacheUnsupportedError)
              break
            case 'bus':
            case 'lock':
              expect(provider[capability]).toBeUndefined()
              expect(() => providerPort(provider, capability)).toThrow(CacheUnsupportedError)
              break
            case 'search':
              expect(provider.openStore({ namespace: 'conformance-search' }).search).toBeUndefined()
              break
            case 'nativeTtl':
              // Without native TTL, logical expiry still hides expired entries.
              await c.set('k', 1, { ttl: ttlMs })
              await elapse(ttlMs * 2 + 50)
              expect(await c.get('k')).toBeUndefined()
              break
          }
        })
      }
    })

    describe('close', () => {
      it('rejects calls after close with CacheClosedError', async () => {
        const own = await options.createProvider()
        const svc = createCacheService({
          providers: { own },
          encoder: options.encoder ?? conformanceEncoder,
          ...(clock !== undefined ? { clock } : {}),
        })
        const c = svc.namespace<number>(freshName('closed'))
        await c.set('k', 1)
        await svc.close()
        await expect(c.get('k')).rejects.toBeInstanceOf(CacheClosedError)
        await expect(
          Promise.resolve().then(() => own.openStore({ namespace: 'after-close' }).get('k')),
        ).rejects.toBeInstanceOf(CacheClosedError)
        await own.close()
      })
    })
  })
}

import {
  CacheConfigError,
  type CacheProvider,
  CacheTtlError,
  CacheUnsupportedError,
  type Store,
} from '@cacheport/core'
import { memoryProvider } from '@cacheport/provider-memory'
import { type ShardNode, shardedProvider } from '@cacheport/provider-sharded'
import { describe, expect, it } from 'vitest'

const memory = (values: 'bytes' | 'live' = 'bytes') =>
  memoryProvider({ maximumSize: 10_000, values })
const three = (): ShardNode[] => [
  { name: 'a', provider: memory() },
  { name: 'b', provider: memory(), weight: 200 },
  { name: 'c', provider: memory(), weight: 300 },
]

/** A provider whose stores record every call (method and keys) before passing it on. */
function recorded(inner: CacheProvider, calls: string[]): CacheProvider {
  return {
    ...inner,
    capabilities: inner.capabilities,
    openStore(options) {
      const store = inner.openStore(options) as Store<unknown>
      return new Proxy(store, {
        get(target, property, receiver) {
          const member = Reflect.get(target, property, receiver)
          if (typeof member !== 'function') return member
          return (...args: unknown[]) => {
            const first = args[0]
            const keys = Array.isArray(first)
              ? first.map((k) => (typeof k === 'string' ? k : (k as { key: string }).key))
              : [first]
            calls.push(`${String(property)}(${keys.join(',')})`)
            return member.apply(target, args)
          }
        },
      }) as never
    },
    health: () => inner.health(),
    close: () => inner.close(),
  }
}

describe('shardedProvider options', () => {
  it('needs at least one node, each { name, provider, weight? }', () => {
    expect(() => shardedProvider(undefined as never)).toThrow(CacheConfigError)
    expect(() => shardedProvider({ nodes: [] })).toThrow(/1 to 1000 nodes/)
    expect(() => shardedProvider({ nodes: 'a' as never })).toThrow(/nodes/)
    expect(() => shardedProvider({ nodes: [null as never] })).toThrow(/nodes\[0\]/)
    expect(() => shardedProvider({ nodes: [{ name: 'a' } as never] })).toThrow(
      /nodes\[0\]\.provider must be a CacheProvider/,
    )
    expect(() => shardedProvider({ nodes: [{ name: '', provider: memory() }] })).toThrow(
      /nodes\[0\]\.name/,
    )
  })

  it('refuses unknown keys, naming the closest one', () => {
    expect(() => shardedProvider({ nodes: three(), virtualNode: 10 } as never)).toThrow(
      /unknown option 'virtualNode' \(did you mean 'virtualNodes'\?\)/,
    )
    expect(() =>
      shardedProvider({ nodes: [{ name: 'a', provider: memory(), wieght: 1 } as never] }),
    ).toThrow(/unknown option 'nodes\[0\]\.wieght' \(did you mean 'nodes\[0\]\.weight'\?\)/)
    expect(() => shardedProvider({ nodes: three(), nodeBreaker: { failure: 1 } } as never)).toThrow(
      /nodeBreaker\.failure/,
    )
  })

  it('refuses duplicate names, weights and virtual node counts out of range, an unknown bus node', () => {
    const a = memory()
    expect(() =>
      shardedProvider({
        nodes: [
          { name: 'a', provider: a },
          { name: 'a', provider: memory() },
        ],
      }),
    ).toThrow(/nodes\[1\]\.name 'a' is used by another node/)
    for (const weight of [0, -1, 1001, 1.5, Number.NaN, '100']) {
      expect(() =>
        shardedProvider({ nodes: [{ name: 'a', provider: a, weight: weight as never }] }),
      ).toThrow(/nodes\[0\]\.weight must be an integer from 1 to 1000/)
    }
    for (const virtualNodes of [0, 10_001, 2.5]) {
      expect(() => shardedProvider({ nodes: three(), virtualNodes })).toThrow(/virtualNodes/)
    }
    expect(() =>
      shardedProvider({ nodes: [{ name: 'a', provider: a, weight: 1 }], virtualNodes: 10 }),
    ).toThrow(/gets no virtual node/)
    const heavy = Array.from({ length: 101 }, (_, i) => ({
      name: `n${i}`,
      provider: a,
      weight: 1000,
    }))
    expect(() => shardedProvider({ nodes: heavy, virtualNodes: 1000 })).toThrow(/more than 1000000/)
    expect(() => shardedProvider({ nodes: three(), busNode: 'z' })).toThrow(/busNode/)
    expect(() => shardedProvider({ nodes: three(), closeNodes: 'no' as never })).toThrow(
      /closeNodes/,
    )
    expect(() => shardedProvider({ nodes: three(), nodeBreaker: { failures: 0 } })).toThrow(
      CacheConfigError,
    )
    expect(() => shardedProvider({ nodes: three(), nodeBreaker: { cooldown: -1 } })).toThrow(
      CacheTtlError,
    )
  })

  it('refuses nodes that hold different value kinds', () => {
    expect(() =>
      shardedProvider({
        nodes: [
          { name: 'a', provider: memory('bytes') },
          { name: 'b', provider: memory('live') },
        ],
      }),
    ).toThrow(/every node must hold the same kind/)
  })

  it('declares what every node declares, and never search', () => {
    const inner = memory()
    const keyvLike: CacheProvider = {
      kind: 'no-tags',
      capabilities: { ...inner.capabilities, tags: false, compute: false },
      openStore: (options) => inner.openStore(options),
      health: () => inner.health(),
      close: () => inner.close(),
    }
    const mixed = shardedProvider({ nodes: [...three(), { name: 'd', provider: keyvLike }] })
    expect(mixed.capabilities).toEqual({
      values: 'bytes',
      nativeTtl: true,
      tags: false,
      compute: false,
      iterate: true,
      bus: false,
      lock: false,
      search: false,
    })
    const store = mixed.openStore({ namespace: 'n' })
    expect(store.compute).toBeUndefined()
    expect(store.keys).toBeTypeOf('function')
    expect(() =>
      mixed.openStore({
        namespace: 's',
        search: { schema: { fields: [] } as never, indexName: 'idx' },
      }),
    ).toThrow(CacheUnsupportedError)
  })
})

describe('routing', () => {
  it('sends a single-key call to the key’s node only, and groups multi-key calls per node in order', async () => {
    const calls = new Map<string, string[]>()
    const nodes = three().map((node) => {
      const log: string[] = []
      calls.set(node.name, log)
      return { ...node, provider: recorded(node.provider, log) }
    })
    const provider = shardedProvider({ nodes })
    const store = provider.openStore({ namespace: 'ns' }) as Store<Uint8Array>
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`)
    const owner = (key: string) => provider.nodeOf('ns', key)

    await store.set('k0', new Uint8Array([0]))
    expect(calls.get(owner('k0'))).toEqual(['set(k0)'])
    for (const [name, log] of calls) if (name !== owner('k0')) expect(log).toEqual([])

    for (const log of calls.values()) log.length = 0
    await store.setMany(keys.map((key, i) => ({ key, entry: new Uint8Array([i]) })))
    const got = await store.getMany([...keys, 'missing'])
    expect(got.slice(0, 30).map((entry) => (entry as Uint8Array)[0])).toEqual(keys.map((_, i) => i))
    expect(got[30]).toBeUndefined()
    for (const [name, log] of calls) {
      const mine = keys.filter((key) => owner(key) === name)
      expect(mine.length).toBeGreaterThan(0)
      expect(log[0]).toBe(`setMany(${mine.join(',')})`)
      expect(log[1]).toBe(
        `getMany(${[...mine, ...(owner('missing') === name ? ['missing'] : [])].join(',')})`,
      )
      expect(log).toHaveLength(2)
    }
    expect(await store.deleteMany(['k1', 'k2', 'k3', 'missing'])).toBe(3)
    expect(await store.invalidateTags(['none'])).toBe(0)
    const listed: string[] = []
    if (store.keys !== undefined) for await (const key of store.keys()) listed.push(key)
    expect(listed.sort()).toEqual(keys.filter((k) => !['k1', 'k2', 'k3'].includes(k)).sort())
    await store.clear()
    expect(await store.getMany(keys)).toEqual(keys.map(() => undefined))
    for (const log of calls.values()) expect(log).toContain('clear()')
  })

  it('routes the same way in every process: the ring depends on names and weights, not on order', () => {
    const one = shardedProvider({ nodes: three() })
    const other = shardedProvider({ nodes: three().reverse() })
    for (let i = 0; i < 1000; i++)
      expect(other.nodeOf('ns', `k${i}`)).toBe(one.nodeOf('ns', `k${i}`))
  })
})

describe('lifecycle', () => {
  it('closes its node providers unless closeNodes is false, once', async () => {
    let closed = 0
    const counted = (): CacheProvider => {
      const inner = memory()
      return {
        ...inner,
        capabilities: inner.capabilities,
        openStore: (o) => inner.openStore(o),
        health: () => inner.health(),
        close: async () => {
          closed++
        },
      }
    }
    const owning = shardedProvider({
      nodes: [
        { name: 'a', provider: counted() },
        { name: 'b', provider: counted() },
      ],
    })
    await Promise.all([owning.close(), owning.close()])
    expect(closed).toBe(2)
    expect(() => owning.openStore({ namespace: 'n' })).toThrow(/closed/)
    const borrowing = shardedProvider({
      nodes: [{ name: 'a', provider: counted() }],
      closeNodes: false,
    })
    await borrowing.close()
    expect(closed).toBe(2)
  })

  it('reports healthy with every node healthy, and sums the nodes’ usage', async () => {
    const provider = shardedProvider({ nodes: three() })
    expect(await provider.health()).toMatchObject({ healthy: true, details: '3 nodes healthy' })
    const store = provider.openStore({ namespace: 'n' }) as Store<Uint8Array>
    await store.setMany(
      Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, entry: new Uint8Array([1]) })),
    )
    expect(provider.usage?.()).toMatchObject({ size: 50, maximum: 30_000 })
  })
})

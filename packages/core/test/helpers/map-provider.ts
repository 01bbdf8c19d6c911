import type {
  BytesStore,
  CacheProvider,
  LiveEntry,
  LiveStore,
  ProviderCapabilities,
  StoreComputeAction,
  StoreValueKind,
} from '@cacheport/core'

/** A minimal Map-backed provider for core's own tests (no TTL, no eviction). */
export interface MapProvider extends CacheProvider {
  /** Raw access for planting bytes. */
  raw(namespace: string): Map<string, unknown>
  /** Makes every write reject with this error until cleared. */
  failWrites: Error | undefined
  /** Answers reads asynchronously (like a remote store) when true. */
  async: boolean
  /** Makes every read reject with this error until cleared. */
  failReads: Error | undefined
  /** When set, reads wait for this promise before answering. */
  gate: Promise<void> | undefined
  /** Number of get/getMany calls so far. */
  reads: number
  /** The `ttl` option of every set/setMany entry, in order. */
  ttls: (number | undefined)[]
}

export function mapProvider(
  values: StoreValueKind = 'bytes',
  overrides: Partial<ProviderCapabilities> = {},
): MapProvider {
  const data = new Map<string, Map<string, unknown>>()
  const tags = new Map<string, Map<string, Set<string>>>()
  const space = (ns: string) => {
    let m = data.get(ns)
    if (m === undefined) {
      m = new Map()
      data.set(ns, m)
      tags.set(ns, new Map())
    }
    return m
  }
  const provider: MapProvider = {
    kind: 'map',
    failWrites: undefined,
    async: false,
    failReads: undefined,
    gate: undefined,
    reads: 0,
    ttls: [],
    capabilities: {
      values,
      nativeTtl: false,
      tags: true,
      compute: true,
      iterate: true,
      bus: false,
      lock: false,
      search: false,
      ...overrides,
    },
    raw: space,
    openStore({ namespace }) {
      const m = space(namespace)
      const t = tags.get(namespace) as Map<string, Set<string>>
      const answer = <T>(v: T): T | Promise<T> => (provider.async ? Promise.resolve(v) : v)
      const read = <T>(fn: () => T): T | Promise<T> => {
        provider.reads++
        if (provider.failReads !== undefined) return Promise.reject(provider.failReads)
        if (provider.gate !== undefined) return provider.gate.then(fn)
        return answer(fn())
      }
      const write = <T>(fn: () => T): T | Promise<T> => {
        if (provider.failWrites !== undefined) return Promise.reject(provider.failWrites)
        return answer(fn())
      }
      const put = (key: string, entry: unknown, tagList?: readonly string[]) => {
        m.set(key, entry)
        for (const tag of tagList ?? []) {
          const members = t.get(tag) ?? new Set<string>()
          members.add(key)
          t.set(tag, members)
        }
      }
      const store = {
        namespace,
        kind: values,
        get: (key: string) => read(() => m.get(key)),
        getMany: (keys: readonly string[]) => read(() => keys.map((k) => m.get(k))),
        set: (key: string, entry: unknown, o?: { ttl?: number; tags?: readonly string[] }) =>
          write(() => {
            provider.ttls.push(o?.ttl)
            put(key, entry, o?.tags)
          }),
        setMany: (
          entries: readonly {
            key: string
            entry: unknown
            ttl?: number
            tags?: readonly string[]
          }[],
        ) =>
          write(() => {
            for (const e of entries) {
              provider.ttls.push(e.ttl)
              put(e.key, e.entry, e.tags)
            }
          }),
        delete: (key: string) => write(() => m.delete(key)),
        deleteMany: (keys: readonly string[]) =>
          write(() => keys.filter((k) => m.delete(k)).length),
        has: (key: string) => answer(m.has(key)),
        invalidateTags: (list: readonly string[]) =>
          write(() => {
            let n = 0
            for (const tag of list) for (const k of t.get(tag) ?? []) if (m.delete(k)) n++
            return n
          }),
        clear: () => write(() => m.clear()),
        compute: async (
          key: string,
          fn: (cur: unknown) => Promise<StoreComputeAction<unknown>> | StoreComputeAction<unknown>,
        ) => {
          const action = await fn(m.get(key))
          if (action.action === 'set') put(key, action.entry, action.tags)
          if (action.action === 'delete') m.delete(key)
          return m.get(key)
        },
        keys: async function* () {
          yield* [...m.keys()]
        },
      }
      return store as unknown as BytesStore | LiveStore
    },
    health: async () => ({ healthy: true }),
    close: async () => {},
  }
  return provider
}

export type { LiveEntry }

import type {
  CacheProvider,
  NormalizedSearchQuery,
  OpenStoreOptions,
  SearchDocument,
  Store,
  StoreComputeAction,
  StoreSearchResult,
} from '@cacheport/core'
import { type MapProvider, mapProvider } from './map-provider.js'

/**
 * A map provider that declares `search`: it records the options each store was opened with,
 * the fields written with every entry, and answers `search` with what the test scripts.
 */
export interface SearchProvider extends CacheProvider {
  readonly inner: MapProvider
  /** Every `openStore` call. */
  readonly opened: OpenStoreOptions[]
  /** The fields written last, by namespace and key (`undefined`: written without fields). */
  readonly fields: Map<string, Map<string, SearchDocument | undefined>>
  /** The queries `search` received. */
  readonly queries: NormalizedSearchQuery[]
  /** What `search` answers: keys (entries read from the map) or a full answer. */
  answer: (
    query: NormalizedSearchQuery,
    namespace: string,
  ) => Promise<StoreSearchResult<unknown>> | 'keys'
  /** Keys `search` answers when `answer` returns `'keys'`. */
  keys: { key: string; score?: number }[]
  total: number | undefined
}

export function searchProvider(values: 'bytes' | 'live' = 'bytes'): SearchProvider {
  const inner = mapProvider(values, { search: true })
  const provider: SearchProvider = {
    kind: 'search-map',
    inner,
    capabilities: inner.capabilities,
    opened: [],
    fields: new Map(),
    queries: [],
    answer: () => 'keys',
    keys: [],
    total: undefined,
    openStore(options) {
      provider.opened.push(options)
      const store = inner.openStore({ namespace: options.namespace }) as Store<unknown>
      if (options.search === undefined) return store as never
      const ns = options.namespace
      let recorded = provider.fields.get(ns)
      if (recorded === undefined) {
        recorded = new Map()
        provider.fields.set(ns, recorded)
      }
      const fields = recorded
      const wrapped: Store<unknown> = {
        ...store,
        namespace: ns,
        kind: store.kind,
        get: store.get,
        getMany: store.getMany,
        has: store.has,
        delete: store.delete,
        deleteMany: store.deleteMany,
        invalidateTags: store.invalidateTags,
        clear: store.clear,
        set: (key, entry, o) => {
          fields.set(key, o?.fields)
          return store.set(key, entry, o)
        },
        setMany: (entries) => {
          for (const e of entries) fields.set(e.key, e.fields)
          return store.setMany(entries)
        },
        compute: (key, fn, o) =>
          store.compute!(
            key,
            async (current) => {
              const action = (await fn(current)) as StoreComputeAction<unknown>
              if (action.action === 'set') fields.set(key, action.fields)
              return action
            },
            o,
          ),
        search: async (query) => {
          provider.queries.push(query)
          const scripted = provider.answer(query, ns)
          if (scripted !== 'keys') return scripted
          const raw = inner.raw(ns)
          return {
            total: provider.total ?? provider.keys.length,
            hits: provider.keys.map((h) => ({
              key: h.key,
              entry: raw.get(h.key),
              ...(h.score !== undefined ? { score: h.score } : {}),
            })),
          }
        },
      }
      return wrapped as never
    },
    health: inner.health,
    close: inner.close,
  }
  return provider
}

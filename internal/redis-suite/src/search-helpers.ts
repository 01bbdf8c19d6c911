import {
  type BytesStore,
  CacheDecodeError,
  createEncodingRegistry,
  type NormalizedSearchQuery,
  type SearchDocument,
  type StoreSearchSchema,
  ValuePipeline,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { leastPrivilegeAclRule, type RedisFamilyProvider } from '@cacheport/redis-kit'
import { type ServerKind, startCluster, startServer } from '@cacheport/test-harness'
import { type Backend, type Connect, SUITE_USER, type Topology } from './backend.js'

/** Options of `describeRedisSearch`. */
export interface RedisSearchSuiteOptions {
  readonly name: string
  readonly server: ServerKind
  readonly topology: Topology
  readonly connect: Connect
}

/** What the search tests share: the file's backend and provider, and fresh searchable stores. */
export interface SearchSuiteContext {
  readonly options: RedisSearchSuiteOptions
  readonly backend: Backend
  readonly provider: RedisFamilyProvider
  /** A store of a fresh namespace with `schema` (default `SCHEMA`). */
  open(schema?: StoreSearchSchema, indexName?: string): BytesStore
}

export const pipeline = new ValuePipeline(createEncodingRegistry({ default: jsonEncoder() }), [])
export const META = { createdAt: 0, expiresAt: undefined, staleUntil: undefined, negative: false }

/** A query with the contract's defaults filled in. */
export function query(part: Partial<NormalizedSearchQuery> = {}): NormalizedSearchQuery {
  return {
    text: undefined,
    filters: [],
    vector: undefined,
    sort: undefined,
    offset: 0,
    limit: 10,
    timeoutMs: 5_000,
    ...part,
  }
}

/** Writes `value` as an envelope with its searchable `fields`. */
export async function put(
  store: BytesStore,
  key: string,
  value: unknown,
  fields: SearchDocument,
  options: { ttl?: number; tags?: string[] } = {},
): Promise<void> {
  const bytes = await pipeline.encode(value, META, { namespace: store.namespace, key })
  await store.set(key, bytes, { ...options, fields })
}

export async function decoded(entry: Uint8Array | CacheDecodeError | undefined): Promise<unknown> {
  if (entry === undefined || entry instanceof CacheDecodeError) return entry
  return (await pipeline.decode(entry, { namespace: '', key: '' })).value
}

/** Keys of a search, sorted (for set comparisons). */
export async function keysOf(store: BytesStore, q: NormalizedSearchQuery): Promise<string[]> {
  const result = await (store.search as NonNullable<BytesStore['search']>)(q)
  return result.hits.map((h) => h.key).sort()
}

export function search(store: BytesStore, q: NormalizedSearchQuery) {
  return (store.search as NonNullable<BytesStore['search']>)(q)
}

export const SCHEMA: StoreSearchSchema = {
  title: { type: 'text', weight: 2 },
  body: { type: 'text' },
  color: { type: 'tag', sortable: true },
  code: { type: 'tag', caseSensitive: true },
  price: { type: 'numeric', sortable: true },
  place: { type: 'geo' },
}

/**
 * A backend with RediSearch whose provider connects as a user with redis-kit's documented
 * least-privilege rule (with `search`), so the rule is checked too.
 */
export async function startSearchBackend(kind: ServerKind, topology: Topology): Promise<Backend> {
  const { username, password } = SUITE_USER
  const rule = leastPrivilegeAclRule({
    keyPrefix: 'srch:',
    cluster: topology === 'cluster',
    search: true,
  })
  const users = [`${username} on >${password} ${rule}`]
  const access = { username, password }
  return topology === 'standalone'
    ? { topology, server: await startServer({ kind, search: true, users }), access }
    : { topology, cluster: await startCluster({ kind, search: true, users }), access }
}

export async function until(
  check: () => Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

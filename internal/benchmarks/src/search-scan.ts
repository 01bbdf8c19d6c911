/**
 * What every search bench subject shares: its shape, loading the documents, and the baseline
 * an application has without an index (read every entry of the namespace, filter in JavaScript).
 */

import {
  type ReferenceDocument,
  referenceSearch,
  type SearchSuiteItem,
  SUITE_SEARCH,
  searchSuiteFields,
} from '@cacheport/conformance/reference'
import type { Cache, SearchQuery, StoreSearchSchema } from '@cacheport/core'

/** A loaded subject: answers queries, then releases what it opened. */
export interface SearchRunner {
  /** Runs one query; resolves to the number of items returned (kept observable). */
  run(query: SearchQuery): Promise<number>
  close(): Promise<void>
}

/** Something searched: loads the documents (untimed), then runs queries. */
export interface SearchSubject {
  readonly name: string
  /** How many times each query kind runs (fewer for slow subjects). */
  readonly iterations: number
  /** A Redis server with RediSearch the parent must start before the subject's process. */
  readonly needsRedisSearch?: boolean
  setup(items: ReadonlyMap<string, SearchSuiteItem>): Promise<SearchRunner>
}

/** Writes `items` into `cache`, 1,000 per `setMany`. */
export async function loadItems(
  cache: Cache<SearchSuiteItem>,
  items: ReadonlyMap<string, SearchSuiteItem>,
): Promise<void> {
  const entries = [...items].map(([key, value]) => ({ key, value }))
  for (let i = 0; i < entries.length; i += 1000) await cache.setMany(entries.slice(i, i + 1000))
}

/** The suite's schema as a store receives it (no extractors), for the reference scan. */
const STORE_SCHEMA = Object.fromEntries(
  Object.entries(SUITE_SEARCH.schema).map(([name, { extract: _e, ...spec }]) => [name, spec]),
) as StoreSearchSchema

/**
 * What an application does without an index: lists every key of the namespace (`keys()`: a
 * SCAN on Redis), reads every entry (`getMany`, 1,000 at a time: MGET on Redis) and filters
 * them in JavaScript (the reference scan). Resolves to the size of the page it answers.
 */
export async function fullScanSearch(
  cache: Cache<SearchSuiteItem>,
  query: SearchQuery,
): Promise<number> {
  const keys: string[] = []
  for await (const key of cache.keys()) keys.push(key)
  const docs: ReferenceDocument[] = []
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = keys.slice(i, i + 1000)
    const values = await cache.getMany(chunk)
    values.forEach((value, j) => {
      if (value !== undefined)
        docs.push({ key: chunk[j] as string, fields: searchSuiteFields(value) })
    })
  }
  return referenceSearch(docs, STORE_SCHEMA, query).page.length
}

/** A runner answering with `cache.search` (the subject's index); `close` closes `service`. */
export function indexedRunner(
  cache: Cache<SearchSuiteItem>,
  service: { close(): Promise<void> },
): SearchRunner {
  return {
    run: async (query) => (await cache.search(query)).items.length,
    close: () => service.close(),
  }
}

/** A runner answering with `fullScanSearch`; `close` closes `service`. */
export function fullScanRunner(
  cache: Cache<SearchSuiteItem>,
  service: { close(): Promise<void> },
): SearchRunner {
  return { run: (query) => fullScanSearch(cache, query), close: () => service.close() }
}

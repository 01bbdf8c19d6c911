import type { CacheProvider, GeoPoint, MaybePromise, SearchOptions } from '@cacheport/core'
import type { ReferenceDocument } from './search-reference.js'

/** Search options of `runProviderConformance`, for providers declaring `search`. */
export interface SearchConformanceOptions {
  /**
   * Evicts entries (at least some of those just written) the way the provider evicts under
   * pressure; the suite then checks evicted entries left the index. Without it the eviction
   * test checks nothing and says so in its title.
   */
  readonly evict?: (provider: CacheProvider) => MaybePromise<void>
  /** Documents of the differential test. Default 3000. */
  readonly documents?: number
  /** Queries of the differential test. Default 300. */
  readonly queries?: number
  /** Seed of the differential test. Default 17. */
  readonly seed?: number
}

/** The values the suite writes. */
export interface Item {
  readonly title?: string
  readonly body?: string
  readonly brand?: string
  readonly colors?: string | string[]
  readonly price?: number
  readonly rating?: number
  readonly where?: GeoPoint
  readonly vec?: number[]
}

/** The schema the suite searches with. */
export const SUITE_SEARCH: SearchOptions<Item> = {
  schema: {
    title: { type: 'text', weight: 2 },
    body: { type: 'text' },
    brand: { type: 'tag', sortable: true },
    colors: { type: 'tag' },
    price: { type: 'numeric', sortable: true },
    rating: { type: 'numeric' },
    where: { type: 'geo' },
    vec: { type: 'vector', dimensions: 4, distance: 'cosine' },
  },
}

/** The fields a store receives for a suite item (what the reference scans). */
export function itemFields(item: Item): ReferenceDocument['fields'] {
  const out: Record<string, ReferenceDocument['fields'][string]> = {}
  if (item.title !== undefined) out.title = item.title
  if (item.body !== undefined) out.body = item.body
  if (item.brand !== undefined) out.brand = item.brand.toLowerCase()
  if (item.colors !== undefined) {
    const list = typeof item.colors === 'string' ? [item.colors] : item.colors
    if (list.length > 0)
      out.colors =
        list.length === 1 ? (list[0] as string).toLowerCase() : list.map((c) => c.toLowerCase())
  }
  if (item.price !== undefined) out.price = item.price
  if (item.rating !== undefined) out.rating = item.rating
  if (item.where !== undefined) out.where = item.where
  if (item.vec !== undefined) out.vec = Float32Array.from(item.vec)
  return out
}

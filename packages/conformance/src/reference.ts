/**
 * `@cacheport/conformance/reference`: the search reference scan, the suite's schema and
 * fixtures, and the seeded generators, without vitest (for benches and other scripts).
 */
export {
  differentialItems,
  differentialQueries,
  seededRandom,
  WORDS as SEARCH_WORDS,
} from './search-data.js'
export {
  type Item as SearchSuiteItem,
  itemFields as searchSuiteFields,
  type SearchConformanceOptions,
  SUITE_SEARCH,
} from './search-fixtures.js'
export {
  type ReferenceAnswer,
  type ReferenceDocument,
  referenceSearch,
  referenceSortValue,
} from './search-reference.js'

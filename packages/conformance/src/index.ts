/**
 * @cacheport/conformance: the vitest suites every cacheport provider, encoder and transformer
 * runs. Third parties call them from their own test files to certify their packages.
 */
export {
  BAD_INPUT_CASES,
  BAD_INPUT_SEARCH,
  type BadInputCase,
  describeBadInput,
} from './bad-input-suite.js'
export { createManualClock, type ManualClock } from './clock.js'
export {
  type Case,
  type EncoderConformanceOptions,
  PLAIN_VALUES,
  runEncoderConformance,
} from './encoder-suite.js'
export { AWKWARD_KEYS, allBytes, conformanceEncoder, seededBytes } from './fixtures.js'
export { type ProviderConformanceOptions, runProviderConformance } from './provider-suite.js'
export { differentialItems, differentialQueries, seededRandom } from './search-data.js'
export { describeSearchDifferential } from './search-differential.js'
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
export { describeSearchConformance, type SearchConformanceContext } from './search-suite.js'
export { exactShape } from './shape.js'
export {
  runTransformerConformance,
  TRANSFORMER_INPUTS,
  type TransformerConformanceOptions,
} from './transformer-suite.js'

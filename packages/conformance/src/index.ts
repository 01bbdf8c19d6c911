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
export { describeEntriesConformance, type EntriesConformanceContext } from './entries-suite.js'
export { AWKWARD_KEYS, allBytes, conformanceEncoder, seededBytes } from './fixtures.js'
export { type ProviderConformanceOptions, runProviderConformance } from './provider-suite.js'
// The search reference scan, fixtures and seeded generators (also `@cacheport/conformance/reference`).
export * from './reference.js'
export { describeSearchDifferential } from './search-differential.js'
export { describeSearchConformance, type SearchConformanceContext } from './search-suite.js'
export { exactShape } from './shape.js'
export {
  runTransformerConformance,
  TRANSFORMER_INPUTS,
  type TransformerConformanceOptions,
} from './transformer-suite.js'

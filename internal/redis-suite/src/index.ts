/**
 * The integration suite of the Redis-family providers. Each provider package calls
 * `describeRedisFamilyProvider` from its own test file with its factory, so the four providers
 * run the same tests against real servers that the test harness starts.
 */
export {
  type Backend,
  type BackendAccess,
  type ConnectExtras,
  clusterOptions,
  rawCommand,
  SUITE_PREFIXES,
  SUITE_USER,
  scanAll,
  standaloneOptions,
  startBackend,
  stopBackend,
  suiteAclRule,
} from './backend.js'
export { describeRedisEntries } from './entries.js'
export { describeRedisSearch, put, query, type RedisSearchSuiteOptions } from './search.js'
export { CAPABILITIES, describeRedisFamilyProvider, type RedisFamilySuiteOptions } from './suite.js'

/**
 * @cacheport/provider-keyv: any Keyv storage adapter (memcached, PostgreSQL, MySQL, SQLite,
 * MongoDB, etcd, ...) as a cacheport provider, declaring what the adapter cannot do.
 */
export type { KeyvAdapter } from './adapter.js'
export { type KeyvProviderOptions, keyvProvider } from './keyv-provider.js'

/**
 * @cacheport/provider-memory: the in-process cache provider (bounded LRU, per-entry TTL, tags,
 * atomic compute, live or bytes values).
 */
export { MemoryProvider, type MemoryProviderOptions, memoryProvider } from './memory-provider.js'
export { MemoryStore } from './memory-store.js'

/**
 * @cacheport/provider-memory: the in-process cache provider (bounded adaptive W-TinyLFU,
 * per-entry TTL on a timer wheel, tags, atomic compute, deletion listener, live or bytes values).
 */
export { MemoryProvider, type MemoryProviderOptions, memoryProvider } from './memory-provider.js'
export type { DeletionCause, DeletionEvent } from './policy.js'

import { createManualClock, runProviderConformance } from '@cacheport/conformance'
import { type MemoryProvider, memoryProvider } from '@cacheport/provider-memory'

const capabilities = {
  nativeTtl: true,
  tags: true,
  compute: true,
  iterate: true,
  bus: false,
  lock: false,
  search: true,
} as const

/** Evicts down to a handful of entries (as memory pressure would), then restores the bound. */
const search = {
  evict: (provider: unknown) => {
    const memory = provider as MemoryProvider
    memory.resize(10)
    memory.resize(100_000)
  },
}

for (const values of ['bytes', 'live'] as const) {
  const clock = createManualClock()
  runProviderConformance({
    name: `provider-memory (${values}, manual clock)`,
    createProvider: () => memoryProvider({ maximumSize: 100_000, values, clock }),
    capabilities: { values, ...capabilities },
    clock,
    search,
  })
}

// The same suite on the real clock: expiry is driven by time passing, not by a test double.
runProviderConformance({
  name: 'provider-memory (bytes, real clock)',
  createProvider: () => memoryProvider({ maximumSize: 100_000 }),
  capabilities: { values: 'bytes', ...capabilities },
  ttlMs: 40,
  search,
})

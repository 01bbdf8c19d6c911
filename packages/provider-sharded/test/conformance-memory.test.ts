import { createManualClock, runProviderConformance } from '@cacheport/conformance'
import { memoryProvider } from '@cacheport/provider-memory'
import { shardedProvider } from '@cacheport/provider-sharded'

const capabilities = {
  nativeTtl: true,
  tags: true,
  compute: true,
  iterate: true,
  bus: false,
  lock: false,
  search: false,
} as const

// Three memory providers of different weights behind one sharded provider.
for (const values of ['bytes', 'live'] as const) {
  const clock = createManualClock()
  runProviderConformance({
    name: `provider-sharded over 3 memory providers (${values}, manual clock)`,
    createProvider: () =>
      shardedProvider({
        nodes: [100, 200, 300].map((weight, i) => ({
          name: `memory-${i + 1}`,
          weight,
          provider: memoryProvider({ maximumSize: 100_000, values, clock }),
        })),
      }),
    capabilities: { values, ...capabilities },
    clock,
  })
}

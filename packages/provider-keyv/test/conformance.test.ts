import { runProviderConformance } from '@cacheport/conformance'
import { afterAll, beforeAll, describe } from 'vitest'
import { memcachedBackend, postgresBackend } from './backends.js'

for (const backend of [memcachedBackend(), postgresBackend()]) {
  describe(backend.name, () => {
    beforeAll(() => backend.start())
    afterAll(() => backend.stop())
    runProviderConformance({
      name: `provider-keyv (${backend.name})`,
      createProvider: () => backend.provider(),
      capabilities: {
        values: 'bytes',
        nativeTtl: backend.nativeTtl,
        tags: false,
        compute: false,
        iterate: false,
        bus: false,
        lock: false,
        search: false,
      },
      ttlMs: backend.ttlMs,
    })
  })
}

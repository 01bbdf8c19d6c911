import { valkeyProvider } from '@cacheport/provider-valkey'
import { describeRedisEntries, standaloneOptions } from '@cacheport/redis-suite'

describeRedisEntries({
  name: 'provider-valkey',
  server: 'valkey',
  topology: 'standalone',
  connect: (backend, extras) => valkeyProvider(standaloneOptions(backend, extras)),
})

import { valkeyProvider } from '@cacheport/provider-valkey'
import { describeRedisFamilyProvider, standaloneOptions } from '@cacheport/redis-suite'

describeRedisFamilyProvider({
  name: 'provider-valkey',
  server: 'valkey',
  topology: 'standalone',
  connect: (backend, extras) => valkeyProvider(standaloneOptions(backend, extras)),
})

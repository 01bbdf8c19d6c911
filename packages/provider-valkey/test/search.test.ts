import { valkeyProvider } from '@cacheport/provider-valkey'
import { describeRedisSearch, standaloneOptions } from '@cacheport/redis-suite'

describeRedisSearch({
  name: 'provider-valkey',
  server: 'valkey',
  topology: 'standalone',
  connect: (backend, extras) => valkeyProvider(standaloneOptions(backend, extras)),
})

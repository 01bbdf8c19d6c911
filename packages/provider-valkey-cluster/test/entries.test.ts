import { valkeyClusterProvider } from '@cacheport/provider-valkey-cluster'
import { clusterOptions, describeRedisEntries } from '@cacheport/redis-suite'

describeRedisEntries({
  name: 'provider-valkey-cluster',
  server: 'valkey',
  topology: 'cluster',
  connect: (backend, extras) => valkeyClusterProvider(clusterOptions(backend, extras)),
})

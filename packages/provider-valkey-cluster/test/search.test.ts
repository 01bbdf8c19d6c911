import { valkeyClusterProvider } from '@cacheport/provider-valkey-cluster'
import { clusterOptions, describeRedisSearch } from '@cacheport/redis-suite'

describeRedisSearch({
  name: 'provider-valkey-cluster',
  server: 'valkey',
  topology: 'cluster',
  connect: (backend, extras) => valkeyClusterProvider(clusterOptions(backend, extras)),
})

import { valkeyClusterProvider } from '@cacheport/provider-valkey-cluster'
import { clusterOptions, describeRedisFamilyProvider } from '@cacheport/redis-suite'

describeRedisFamilyProvider({
  name: 'provider-valkey-cluster',
  server: 'valkey',
  topology: 'cluster',
  connect: (backend, extras) => valkeyClusterProvider(clusterOptions(backend, extras)),
})

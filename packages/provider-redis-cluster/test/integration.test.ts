import { redisClusterProvider } from '@cacheport/provider-redis-cluster'
import { clusterOptions, describeRedisFamilyProvider } from '@cacheport/redis-suite'

describeRedisFamilyProvider({
  name: 'provider-redis-cluster',
  server: 'redis',
  topology: 'cluster',
  connect: (backend, extras) => redisClusterProvider(clusterOptions(backend, extras)),
})

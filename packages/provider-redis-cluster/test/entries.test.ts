import { redisClusterProvider } from '@cacheport/provider-redis-cluster'
import { clusterOptions, describeRedisEntries } from '@cacheport/redis-suite'

describeRedisEntries({
  name: 'provider-redis-cluster',
  server: 'redis',
  topology: 'cluster',
  connect: (backend, extras) => redisClusterProvider(clusterOptions(backend, extras)),
})

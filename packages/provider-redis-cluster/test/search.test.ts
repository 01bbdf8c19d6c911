import { redisClusterProvider } from '@cacheport/provider-redis-cluster'
import { clusterOptions, describeRedisSearch } from '@cacheport/redis-suite'

describeRedisSearch({
  name: 'provider-redis-cluster',
  server: 'redis',
  topology: 'cluster',
  connect: (backend, extras) => redisClusterProvider(clusterOptions(backend, extras)),
})

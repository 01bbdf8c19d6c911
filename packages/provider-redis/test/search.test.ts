import { redisProvider } from '@cacheport/provider-redis'
import { describeRedisSearch, standaloneOptions } from '@cacheport/redis-suite'

describeRedisSearch({
  name: 'provider-redis',
  server: 'redis',
  topology: 'standalone',
  connect: (backend, extras) => redisProvider(standaloneOptions(backend, extras)),
})

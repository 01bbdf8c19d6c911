import { redisProvider } from '@cacheport/provider-redis'
import { describeRedisEntries, standaloneOptions } from '@cacheport/redis-suite'

describeRedisEntries({
  name: 'provider-redis',
  server: 'redis',
  topology: 'standalone',
  connect: (backend, extras) => redisProvider(standaloneOptions(backend, extras)),
})

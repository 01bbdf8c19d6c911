import { redisProvider } from '@cacheport/provider-redis'
import { describeRedisFamilyProvider, standaloneOptions } from '@cacheport/redis-suite'

describeRedisFamilyProvider({
  name: 'provider-redis',
  server: 'redis',
  topology: 'standalone',
  connect: (backend, extras) => redisProvider(standaloneOptions(backend, extras)),
})

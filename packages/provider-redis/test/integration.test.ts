import { redisProvider } from '@cacheport/provider-redis'
import { describeRedisFamilyProvider } from '@cacheport/redis-suite'

describeRedisFamilyProvider({
  name: 'provider-redis',
  server: 'redis',
  createProvider: redisProvider,
})

import { describeRedisSearch } from '@cacheport/redis-suite'
import { connectStandalone } from './connect.js'

describeRedisSearch({
  name: 'provider-node-redis',
  server: 'redis',
  topology: 'standalone',
  connect: connectStandalone,
})

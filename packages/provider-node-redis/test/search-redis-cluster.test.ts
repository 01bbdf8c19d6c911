import { describeRedisSearch } from '@cacheport/redis-suite'
import { connectCluster } from './connect.js'

describeRedisSearch({
  name: 'provider-node-redis-cluster',
  server: 'redis',
  topology: 'cluster',
  connect: connectCluster,
})

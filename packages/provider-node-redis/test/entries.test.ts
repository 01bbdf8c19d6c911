import { describeRedisEntries } from '@cacheport/redis-suite'
import { connectCluster, connectStandalone } from './connect.js'

describeRedisEntries({
  name: 'provider-node-redis',
  server: 'redis',
  topology: 'standalone',
  connect: connectStandalone,
})
describeRedisEntries({
  name: 'provider-node-redis',
  server: 'redis',
  topology: 'cluster',
  connect: connectCluster,
})

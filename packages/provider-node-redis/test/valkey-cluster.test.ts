import { describeRedisFamilyProvider } from '@cacheport/redis-suite'
import { connectCluster } from './connect.js'

describeRedisFamilyProvider({
  name: 'provider-node-redis-cluster',
  server: 'valkey',
  topology: 'cluster',
  connect: connectCluster,
})

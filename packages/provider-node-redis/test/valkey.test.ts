import { describeRedisFamilyProvider } from '@cacheport/redis-suite'
import { connectStandalone } from './connect.js'

describeRedisFamilyProvider({
  name: 'provider-node-redis',
  server: 'valkey',
  topology: 'standalone',
  connect: connectStandalone,
})

import { valkeyProvider } from '@cacheport/provider-valkey'
import { describeRedisFamilyProvider } from '@cacheport/redis-suite'

describeRedisFamilyProvider({
  name: 'provider-valkey',
  server: 'valkey',
  createProvider: valkeyProvider,
})

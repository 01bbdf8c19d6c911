import type { CacheProvider } from '@cacheport/core'
import { memoryProvider } from '@cacheport/provider-memory'

/** The provider the demo runs on, with a label for the table and an optional notice. */
export interface ProviderChoice {
  readonly label: string
  readonly provider: CacheProvider
  readonly notice?: string
}

/**
 * The one place the demo picks its cache provider. A Redis provider will be used here when
 * `REDIS_URL` is set once it exists; for now the demo says so and stays on memory.
 */
export function chooseProvider(env: NodeJS.ProcessEnv = process.env): ProviderChoice {
  const provider = memoryProvider({ maximumSize: 50_000 })
  if (env.REDIS_URL) {
    return {
      label: 'cacheport (memory)',
      provider,
      notice:
        'REDIS_URL is set, but the Redis provider is not available yet in this version of ' +
        'cacheport: continuing with the memory provider.',
    }
  }
  return { label: 'cacheport (memory)', provider }
}

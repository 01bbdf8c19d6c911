import type { CacheProvider } from '@cacheport/core'
import { memoryProvider } from '@cacheport/provider-memory'
import { redisProvider } from '@cacheport/provider-redis'

/** The provider the demo runs on, with a label for the table. */
export interface ProviderChoice {
  readonly label: string
  readonly provider: CacheProvider
}

/**
 * The one place the demo picks its cache provider: Redis when `REDIS_URL` is set (keys under
 * the `cacheport-demo:` prefix), otherwise the in-memory provider. Rejects with
 * `CacheUnavailableError` when `REDIS_URL` points at a server that does not answer.
 */
export async function chooseProvider(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProviderChoice> {
  if (env.REDIS_URL) {
    const provider = await redisProvider({ url: env.REDIS_URL, keyPrefix: 'cacheport-demo:' })
    return { label: 'cacheport (redis)', provider }
  }
  return { label: 'cacheport (memory)', provider: memoryProvider({ maximumSize: 50_000 }) }
}

import type { CacheService } from '@cacheport/core'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    /** The application's cacheport service, closed with the server. */
    caches: CacheService
  }
}

/** Options of {@link cachePlugin}. */
export interface CachePluginOptions {
  /** Creates the service when the plugin registers (so a failing backend fails `ready()`). */
  readonly create: () => Promise<CacheService> | CacheService
}

/**
 * Decorates the instance with `caches` and closes the service in `onClose`, after the server
 * stopped taking requests. Not encapsulated (as `fastify-plugin` would do), so every route
 * sees the decoration.
 */
const plugin: FastifyPluginAsync<CachePluginOptions> = async (
  app: FastifyInstance,
  options: CachePluginOptions,
) => {
  const caches = await options.create()
  app.decorate('caches', caches)
  app.addHook('onClose', async () => {
    await caches.close()
  })
}
// What fastify-plugin sets: share the decoration with the parent scope.
Object.assign(plugin, { [Symbol.for('skip-override')]: true })

export const cachePlugin = plugin

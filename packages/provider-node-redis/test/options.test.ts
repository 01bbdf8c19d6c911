import { CacheConfigError } from '@cacheport/core'
import {
  type NodeRedisClusterProviderOptions,
  type NodeRedisProviderOptions,
  nodeRedisClientOf,
  nodeRedisClusterProvider,
  nodeRedisProvider,
} from '@cacheport/provider-node-redis'
import { describe, expect, it } from 'vitest'

/** Rejects with a CacheConfigError whose message contains every one of `parts`. */
async function refused(work: Promise<unknown>, ...parts: string[]): Promise<void> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CacheConfigError)
  expect((error as CacheConfigError).code).toBe('INVALID_OPTION')
  for (const part of parts) expect((error as Error).message).toContain(part)
}

describe('provider-node-redis: option checks (no server needed)', () => {
  it('refuses an unknown standalone option, naming it and the closest known one', async () => {
    await refused(
      nodeRedisProvider({ kyePrefix: 'x:' } as unknown as NodeRedisProviderOptions),
      "'kyePrefix'",
      "did you mean 'keyPrefix'",
    )
    await refused(
      nodeRedisProvider({ database: 2 } as unknown as NodeRedisProviderOptions),
      "'database'",
    )
    const error = await nodeRedisProvider({
      enableAutoPipelining: true,
    } as unknown as NodeRedisProviderOptions).catch((e: unknown) => e)
    expect((error as Error).message).not.toContain('did you mean')
  })

  it('refuses an unknown cluster option, naming it and the closest known one', async () => {
    await refused(
      nodeRedisClusterProvider({
        node: ['127.0.0.1:1'],
      } as unknown as NodeRedisClusterProviderOptions),
      "'node'",
      "did you mean 'nodes'",
    )
    await refused(
      nodeRedisClusterProvider({
        nodes: ['127.0.0.1:1'],
        bucket: 8,
      } as unknown as NodeRedisClusterProviderOptions),
      "did you mean 'buckets'",
    )
  })

  it('refuses unknown timeouts keys', async () => {
    await refused(
      nodeRedisProvider({ timeouts: { opration: 100 } } as unknown as NodeRedisProviderOptions),
      "'timeouts.opration'",
      "did you mean 'timeouts.operation'",
    )
  })

  it('refuses options that are not an object', async () => {
    await refused(nodeRedisProvider(null as unknown as NodeRedisProviderOptions), 'options')
    await refused(nodeRedisClusterProvider('x' as unknown as NodeRedisClusterProviderOptions))
  })

  it("refuses scaleReads 'slave': node-redis cannot read from replicas only", async () => {
    await refused(
      nodeRedisClusterProvider({
        nodes: ['127.0.0.1:1'],
        scaleReads: 'slave',
      } as unknown as NodeRedisClusterProviderOptions),
      'scaleReads',
      'replicas only',
    )
  })

  it('keeps the shared checks of redis-kit', async () => {
    await refused(nodeRedisProvider({ url: 'http://x' }), 'redis://')
    await refused(nodeRedisProvider({ url: 'redis://a', host: 'b' }), 'url or host/port')
    await refused(
      nodeRedisProvider({ invalidation: 'polling' as unknown as 'pubsub' }),
      'invalidation',
    )
    await refused(nodeRedisClusterProvider({}), 'nodes or client')
    await refused(nodeRedisClusterProvider({ nodes: ['nope'] }), 'host:port')
  })

  it('refuses a client that is not a node-redis client', async () => {
    const ioredisLike = { status: 'ready', getBuffer: () => null }
    await refused(
      nodeRedisProvider({ client: ioredisLike } as unknown as NodeRedisProviderOptions),
      'node-redis client',
    )
    await refused(
      nodeRedisClusterProvider({
        client: ioredisLike,
      } as unknown as NodeRedisClusterProviderOptions),
      'node-redis cluster',
    )
  })

  it('nodeRedisClientOf refuses a provider on another client', () => {
    expect(() => nodeRedisClientOf({ client: {} as never })).toThrow(TypeError)
  })
})

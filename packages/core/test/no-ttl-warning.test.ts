import { createCacheService, NO_TTL_WARNING_CODE } from '@cacheport/core'
import { afterEach, describe, expect, it } from 'vitest'
import { testJson } from './helpers/codecs.js'
import { mapProvider } from './helpers/map-provider.js'

// The warning is once per process (module state): this file checks the cases that must not
// warn first, then the first namespace without a TTL, then that it is said only once.
describe('no default TTL', () => {
  const warnings: Error[] = []
  const logged: string[] = []
  const onWarning = (warning: Error) => warnings.push(warning)
  process.on('warning', onWarning)
  afterEach(() => {
    warnings.length = 0
    logged.length = 0
  })
  const service = (defaults = {}) =>
    createCacheService({
      providers: { main: mapProvider('bytes') },
      encoder: testJson,
      defaults,
      logger: { warn: (message: string) => logged.push(message), error() {} },
    })
  const tick = () => new Promise((resolve) => setImmediate(resolve))

  it('does not warn for a namespace with a ttl, a ttl: null, or a service defaults.ttl', async () => {
    service().namespace('a', { ttl: '1m' })
    service().namespace('b', { ttl: null })
    service({ ttl: '5m' }).namespace('c')
    await tick()
    expect(warnings).toEqual([])
    expect(logged).toEqual([])
  })

  it('warns once per process, as a process warning and on the logger, naming the namespace', async () => {
    service().namespace('forever')
    await tick()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.name).toBe('CacheportWarning')
    expect((warnings[0] as Error & { code?: string }).code).toBe(NO_TTL_WARNING_CODE)
    expect(warnings[0]?.message).toMatch(/namespace 'forever' has no TTL/)
    expect(logged).toEqual([warnings[0]?.message])

    service().namespace('forever-too')
    await tick()
    expect(warnings).toHaveLength(1)
  })
})

import {
  CacheClosedError,
  CacheConfigError,
  type InvalidationBus,
  type InvalidationMessage,
} from '@cacheport/core'
import {
  decodeMessage,
  defineStandaloneProvider,
  KeyLayout,
  OwnMessagePrefix,
  PublishBatches,
  type RedisFamilyProvider,
} from '@cacheport/redis-kit'
import { type ServerHandle, startServer } from '@cacheport/test-harness'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('PublishBatches', () => {
  const channelOf = (namespace: string) => {
    if (namespace.includes('{')) throw new CacheConfigError('INVALID_NAMESPACE', 'bad namespace')
    return `bus{${namespace}}`
  }

  it('sends the publishes of one tick as one message per namespace, in one flush', async () => {
    const sent: [string, InvalidationMessage | undefined][] = []
    const batches = new PublishBatches('me', channelOf, async (channel, payload) => {
      sent.push([channel, decodeMessage(payload, channel.slice(4, -1))])
    })
    const a = batches.add({ namespace: 'a', origin: 'forged', keys: ['k1'] })
    const b = batches.add({ namespace: 'a', origin: 'me', keys: ['k2', 'k3'] })
    const c = batches.add({ namespace: 'b', origin: 'me', tags: ['t'] })
    const d = batches.add({ namespace: 'a', origin: 'me', clear: true })
    expect(a).toBe(b)
    expect(sent).toEqual([])
    await Promise.all([a, b, c, d])
    expect(sent).toEqual([
      ['bus{a}', { origin: 'me', namespace: 'a', keys: ['k1', 'k2', 'k3'], clear: true }],
      ['bus{b}', { origin: 'me', namespace: 'b', tags: ['t'] }],
    ])
    // The next tick starts a new batch.
    await batches.add({ namespace: 'a', origin: 'me', keys: ['k4'] })
    expect(sent[2]).toEqual(['bus{a}', { origin: 'me', namespace: 'a', keys: ['k4'] }])
  })

  it('refuses a malformed message whole, keeping what others added', async () => {
    const payloads: string[] = []
    const batches = new PublishBatches('me', channelOf, async (_, payload) => {
      payloads.push(payload)
    })
    const ok = batches.add({ namespace: 'a', origin: 'me', keys: ['good'] })
    for (const bad of [
      { namespace: 'a', origin: 'me', keys: ['x', 1] },
      { namespace: 'a', origin: 'me', keys: ['y'], tags: [2] },
      { namespace: 'a', origin: 'me', keys: 'z' },
      { namespace: 'a', origin: 'me', clear: 'yes' },
      { namespace: 7, origin: 'me' },
      null,
    ]) {
      expect(() => batches.add(bad as unknown as InvalidationMessage)).toThrow(CacheConfigError)
    }
    expect(() => batches.add({ namespace: 'a{', origin: 'me', keys: ['k'] })).toThrow(
      CacheConfigError,
    )
    await ok
    expect(payloads).toEqual(['{"origin":"me","namespace":"a","keys":["good"]}'])
  })

  it('gives every publish of a batch the outcome of its message', async () => {
    const batches = new PublishBatches('me', channelOf, async () => {
      throw new Error('down')
    })
    const all = [1, 2, 3].map((i) => batches.add({ namespace: 'a', origin: 'me', keys: [`${i}`] }))
    for (const p of all) await expect(p).rejects.toThrow('down')
  })

  it('rejectPending rejects publishes not sent yet, and sends nothing of them', async () => {
    const payloads: string[] = []
    const batches = new PublishBatches('me', channelOf, async (_, payload) => {
      payloads.push(payload)
    })
    const pending = batches.add({ namespace: 'a', origin: 'me', keys: ['k'] })
    batches.rejectPending(new CacheClosedError('bus'))
    await expect(pending).rejects.toBeInstanceOf(CacheClosedError)
    await tick()
    expect(payloads).toEqual([])
  })
})

describe('OwnMessagePrefix', () => {
  it('recognises exactly the messages of its origin, as Buffer or string', () => {
    const own = new OwnMessagePrefix('o-1')
    const mine = '{"origin":"o-1","namespace":"n","keys":["k"]}'
    expect(own.matches(mine)).toBe(true)
    expect(own.matches(Buffer.from(mine))).toBe(true)
    expect(own.matches('{"origin":"o-12","namespace":"n"}')).toBe(false)
    expect(own.matches(Buffer.from('{"origin":"o-2","namespace":"n"}'))).toBe(false)
    expect(own.matches(Buffer.from('{"origin":"o-1",'))).toBe(false)
    expect(own.matches(42)).toBe(false)
  })
})

const redisProvider = defineStandaloneProvider('redis', (options) => new Redis(options))
const PREFIX = 'batch:'

describe('pub/sub bus on a real server', { timeout: 30_000 }, () => {
  let server: ServerHandle
  let a: RedisFamilyProvider
  let b: RedisFamilyProvider
  const raw: Redis[] = []
  beforeAll(async () => {
    server = await startServer({ kind: 'redis' })
    a = await redisProvider({ url: server.url, keyPrefix: PREFIX })
    b = await redisProvider({ url: server.url, keyPrefix: PREFIX })
  }, 30_000)
  afterAll(async () => {
    for (const client of raw) client.disconnect()
    await a?.close()
    await b?.close()
    await server?.stop()
  })
  const bus = (p: RedisFamilyProvider) => p.bus as InvalidationBus
  const connect = async () => {
    const client = new Redis(server.url)
    raw.push(client)
    await client.ping()
    return client
  }
  const until = async (check: () => boolean, what: string) => {
    const deadline = performance.now() + 5_000
    while (!check()) {
      if (performance.now() > deadline) throw new Error(`${what}: not within 5 s`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  it('coalesces the publishes of one tick into one message that carries every key', async () => {
    const ns = 'coalesce'
    const channel = new KeyLayout(PREFIX, ns, 1).busChannel
    const listener = await connect()
    const payloads: string[] = []
    listener.on('message', (_: string, payload: string) => payloads.push(payload))
    await listener.subscribe(channel)
    const received: InvalidationMessage[] = []
    const end = await bus(b).subscribe(ns, {
      message: (m) => received.push(m),
      interrupted: () => {},
      resumed: () => {},
    })
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`)
    await Promise.all(keys.map((k) => bus(a).publish({ namespace: ns, origin: '', keys: [k] })))
    await until(() => received.length >= 1 && payloads.length >= 1, 'the message')
    await tick()
    expect(payloads).toHaveLength(1)
    expect(received).toEqual([{ namespace: ns, origin: bus(a).origin, keys }])
    // Publishes of different ticks stay separate messages.
    await bus(a).publish({ namespace: ns, origin: '', keys: ['x'] })
    await bus(a).publish({ namespace: ns, origin: '', tags: ['t'] })
    await until(() => received.length >= 3, 'two more messages')
    expect(received.slice(1)).toEqual([
      { namespace: ns, origin: bus(a).origin, keys: ['x'] },
      { namespace: ns, origin: bus(a).origin, tags: ['t'] },
    ])
    await end()
  })

  it('standalone: sends a coalesced publish behind the writes issued before it, on the same connection', async () => {
    expect(bus(a).ordered).toBe(true)
    const ns = 'ordered'
    const store = a.openStore({ namespace: ns }) as unknown as {
      set(key: string, entry: Uint8Array, options?: { ttl?: number }): Promise<void>
    }
    const monitor = await connect()
    const commands: string[] = []
    const feed = await monitor.monitor()
    feed.on('monitor', (_time: string, args: string[]) => commands.push(args[0] as string))
    const bytes = new Uint8Array([0xca, 1, 2])
    // As the cache does with an ordered bus: write, then publish without waiting for the reply.
    const done: Promise<void>[] = []
    for (const k of ['w1', 'w2', 'w3']) {
      done.push(store.set(k, bytes, { ttl: 60_000 }))
      done.push(bus(a).publish({ namespace: ns, origin: '', keys: [k] }))
    }
    await Promise.all(done)
    await until(() => commands.some((c) => c.toLowerCase() === 'publish'), 'the PUBLISH')
    const names = commands.map((c) => c.toLowerCase()).filter((c) => c === 'set' || c === 'publish')
    expect(names).toEqual(['set', 'set', 'set', 'publish'])
    feed.disconnect()
  })

  it('rejects a publish still waiting for its flush when the provider closes', async () => {
    const c = await redisProvider({ url: server.url, keyPrefix: PREFIX })
    const pending = bus(c).publish({ namespace: 'closing', origin: '', keys: ['k'] })
    const rejected = expect(pending).rejects.toBeInstanceOf(CacheClosedError)
    await c.close()
    await rejected
  })
})

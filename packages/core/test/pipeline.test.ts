import {
  CacheDecodeError,
  type CacheEventMap,
  createCacheService,
  createEncodingRegistry,
  type Encoder,
  readEnvelope,
  ValuePipeline,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { asyncReverser, testJson, xorTransformer } from './helpers/codecs.js'
import { mapProvider } from './helpers/map-provider.js'

const ctx = { namespace: 'ns', key: 'k' }
const meta = { createdAt: 1, expiresAt: undefined, staleUntil: undefined, negative: false }

describe('value pipeline', () => {
  it('applies transformers by priority whatever the listed order, and reverses them on read', async () => {
    const log: string[] = []
    const encryption = xorTransformer('enc', 200, 0x5a, log)
    const compression = xorTransformer('cmp', 100, 0x0f, log)
    const pipeline = new ValuePipeline(createEncodingRegistry({ default: testJson }), [
      encryption,
      compression,
    ])
    const bytes = (await pipeline.encode({ a: 1 }, meta, ctx)) as Uint8Array
    expect(readEnvelope(bytes).transformers.map((t) => t.id)).toEqual(['cmp', 'enc'])
    const back = await pipeline.decode(bytes, ctx)
    expect(back.value).toEqual({ a: 1 })
    expect(log).toEqual(['encode:cmp', 'encode:enc', 'decode:enc', 'decode:cmp'])
  })

  it('records only transformers that applied, so a skipped one is skipped on read too', async () => {
    const pipeline = new ValuePipeline(createEncodingRegistry({ default: testJson }), [
      asyncReverser('rev', 100, 20),
    ])
    const small = await pipeline.encode('hi', meta, ctx)
    const large = await pipeline.encode('x'.repeat(100), meta, ctx)
    expect(readEnvelope(small).transformers).toHaveLength(0)
    expect(readEnvelope(large).transformers.map((t) => t.id)).toEqual(['rev'])
    expect((await pipeline.decode(small, ctx)).value).toBe('hi')
    expect((await pipeline.decode(large, ctx)).value).toBe('x'.repeat(100))
  })

  it('stays synchronous when every stage is synchronous', () => {
    const pipeline = new ValuePipeline(createEncodingRegistry({ default: testJson }), [
      xorTransformer('x', 100, 1),
    ])
    const bytes = pipeline.encode([1, 2], meta, ctx)
    expect(bytes).toBeInstanceOf(Uint8Array)
    const back = pipeline.decode(bytes as Uint8Array, ctx)
    expect(back).not.toBeInstanceOf(Promise)
  })

  it('picks encoders by rule and finds them by id when reading', async () => {
    const raw = {
      id: 'raw',
      encode: (v: unknown) => v as Uint8Array,
      decode: (b: Uint8Array) => Uint8Array.from(b),
    }
    const registry = createEncodingRegistry({
      default: testJson,
      rules: [{ encoder: raw, when: (v) => v instanceof Uint8Array }],
    })
    const pipeline = new ValuePipeline(registry, [])
    const bin = (await pipeline.encode(new Uint8Array([1, 2, 3]), meta, ctx)) as Uint8Array
    expect(readEnvelope(bin).encoderId).toBe('raw')
    expect([...((await pipeline.decode(bin, ctx)).value as Uint8Array)]).toEqual([1, 2, 3])
    expect(readEnvelope((await pipeline.encode({}, meta, ctx)) as Uint8Array).encoderId).toBe(
      'test-json',
    )
  })

  it('refuses entries naming an encoder or transformer it does not have', async () => {
    const writer = new ValuePipeline(createEncodingRegistry({ default: testJson }), [
      xorTransformer('x', 100, 1),
    ])
    const reader = new ValuePipeline(
      createEncodingRegistry({ default: { ...testJson, id: 'other' } }),
      [],
    )
    const bytes = (await writer.encode(1, meta, ctx)) as Uint8Array
    expect(() => reader.decode(bytes, ctx)).toThrow(CacheDecodeError)
    const readerWithEncoder = new ValuePipeline(createEncodingRegistry({ default: testJson }), [])
    expect(() => readerWithEncoder.decode(bytes, ctx)).toThrow(/transformer 'x'/)
  })
})

describe('decoding in place (Encoder.decodeVerified)', () => {
  /** testJson plus decodeVerified, recording each call's payload. */
  function verifiedJson(calls: string[]): Encoder {
    return {
      ...testJson,
      decodeVerified(bytes, start, end) {
        const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
          'utf8',
          start,
          end,
        )
        calls.push(text)
        return JSON.parse(text)
      },
    }
  }
  const expiring = { createdAt: 5, expiresAt: 60_005, staleUntil: 90_005, negative: false }

  it('hands an untransformed entry to decodeVerified as the envelope and its payload bounds', () => {
    const calls: string[] = []
    const pipeline = new ValuePipeline(createEncodingRegistry({ default: verifiedJson(calls) }), [])
    const bytes = pipeline.encode({ a: [1, 'ü'] }, expiring, ctx) as Uint8Array
    // Inside a larger buffer, as a client's reply often is.
    const big = Buffer.alloc(bytes.byteLength + 9, 0xee)
    big.set(bytes, 4)
    const back = pipeline.decodeEntry(big.subarray(4, 4 + bytes.byteLength), 'ns', 'k')
    expect(back).toEqual({ value: { a: [1, 'ü'] }, ...expiring })
    expect(calls).toEqual(['{"a":[1,"ü"]}'])
  })

  it('uses decode for a transformed entry, and for an encoder without decodeVerified', async () => {
    const calls: string[] = []
    const transformed = new ValuePipeline(
      createEncodingRegistry({ default: verifiedJson(calls) }),
      [xorTransformer('x', 100, 1)],
    )
    const bytes = (await transformed.encode([1, 2], meta, ctx)) as Uint8Array
    expect((await transformed.decodeEntry(bytes, 'ns', 'k')).value).toEqual([1, 2])
    expect(calls).toEqual([])
    const plain = new ValuePipeline(createEncodingRegistry({ default: testJson }), [])
    const entry = plain.encode('v', meta, ctx) as Uint8Array
    expect(plain.decodeEntry(entry, 'ns', 'k')).toEqual({ value: 'v', ...meta })
  })

  it('refuses every single-bit flip before the encoder sees the bytes', () => {
    const calls: string[] = []
    const pipeline = new ValuePipeline(createEncodingRegistry({ default: verifiedJson(calls) }), [])
    const bytes = pipeline.encode({ name: 'ü€😀' }, expiring, ctx) as Uint8Array
    for (let i = 0; i < bytes.byteLength; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(bytes)
        copy[i] = (copy[i] as number) ^ (1 << bit)
        expect(() => pipeline.decodeEntry(copy, 'ns', 'k')).toThrow(CacheDecodeError)
      }
    }
    expect(calls).toEqual([])
  })

  it('wraps a decodeVerified failure in a CacheDecodeError naming the encoder and key', () => {
    const failing: Encoder = {
      ...testJson,
      decodeVerified: () => {
        throw new Error('no')
      },
    }
    const pipeline = new ValuePipeline(createEncodingRegistry({ default: failing }), [])
    const bytes = pipeline.encode(1, meta, ctx) as Uint8Array
    expect(() => pipeline.decodeEntry(bytes, 'ns', 'the-key')).toThrow(
      /encoder 'test-json' could not decode the entry for key 'the-key': no/,
    )
  })

  it('keeps the metadata of an entry whose decoder reads another entry meanwhile', () => {
    let inner: Uint8Array | undefined
    let pipeline: ValuePipeline | undefined
    const nesting: Encoder = {
      ...testJson,
      decodeVerified(bytes, start, end) {
        // Reads another entry from inside a decode (the header scratch is shared).
        const other = inner
        inner = undefined
        if (other !== undefined)
          expect(pipeline?.decodeEntry(other, 'ns', 'inner')).toEqual({ value: 'inner', ...meta })
        return testJson.decode(bytes.subarray(start, end))
      },
    }
    pipeline = new ValuePipeline(createEncodingRegistry({ default: nesting }), [])
    const outer = pipeline.encode('outer', expiring, ctx) as Uint8Array
    inner = pipeline.encode('inner', meta, ctx) as Uint8Array
    expect(pipeline.decodeEntry(outer, 'ns', 'outer')).toEqual({ value: 'outer', ...expiring })
  })
})

describe('undecodable stored bytes through the Cache', () => {
  const setup = (transformers = [xorTransformer('x', 100, 7)]) => {
    const provider = mapProvider('bytes')
    const service = createCacheService({
      providers: { main: provider },
      encoder: testJson,
      transformers,
    })
    const cache = service.namespace<string>('ns')
    const errors: CacheEventMap['error'][] = []
    service.on('error', (e) => errors.push(e))
    return { provider, service, cache, errors }
  }

  it('turns garbage into a miss plus an error event, never a throw', async () => {
    const { provider, cache, errors } = setup()
    provider.raw('ns').set('k', Buffer.from('garbage written by someone else'))
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.getMany(['k'])).toEqual([undefined])
    expect(await cache.has('k')).toBe(false)
    expect(errors).toHaveLength(3)
    expect(errors[0]).toMatchObject({ namespace: 'ns', key: 'k', operation: 'get' })
    expect(errors[0]?.error).toBeInstanceOf(CacheDecodeError)
    expect(cache.stats().misses).toBe(2)
  })

  it('treats an entry whose transformer fails as a miss, and getOrSet repairs it', async () => {
    const { provider, cache, errors } = setup()
    await cache.set('k', 'good')
    const other = setup([xorTransformer('x', 100, 9)])
    other.provider.raw('ns').set('k', provider.raw('ns').get('k'))
    expect(await other.cache.get('k')).toBeUndefined()
    expect(other.errors[0]?.error.message).toMatch(/transformer 'x'/)
    expect(await other.cache.getOrSet('k', () => 'reloaded')).toBe('reloaded')
    expect(await other.cache.get('k')).toBe('reloaded')
    expect(errors).toHaveLength(0)
  })

  it('a listener that throws does not break the read', async () => {
    const { provider, cache, service } = setup()
    service.on('error', () => {
      throw new Error('bad listener')
    })
    provider.raw('ns').set('k', new Uint8Array([1, 2, 3]))
    expect(await cache.get('k')).toBeUndefined()
  })
})

describe('required transformers', () => {
  const required = { ...xorTransformer('seal', 200, 0x33), required: true }

  it('refuse entries that were not passed through them, negative entries included', async () => {
    const plain = new ValuePipeline(createEncodingRegistry({ default: testJson }), [])
    const sealed = new ValuePipeline(createEncodingRegistry({ default: testJson }), [required])
    const forged = (await plain.encode('planted', meta, ctx)) as Uint8Array
    expect(() => sealed.decode(forged, ctx)).toThrow(/required transformer 'seal'/)
    const forgedMiss = (await plain.encode(
      undefined,
      { ...meta, negative: true },
      ctx,
    )) as Uint8Array
    expect(() => sealed.decode(forgedMiss, ctx)).toThrow(/required transformer 'seal'/)
  })

  it('authenticate negative entries: they are written through the required transformer and read back as negative', async () => {
    const sealed = new ValuePipeline(createEncodingRegistry({ default: testJson }), [required])
    const miss = (await sealed.encode(undefined, { ...meta, negative: true }, ctx)) as Uint8Array
    expect(readEnvelope(miss).transformers.map((t) => t.id)).toEqual(['seal'])
    const back = await sealed.decode(miss, ctx)
    expect(back.negative).toBe(true)
    expect(back.value).toBeUndefined()
  })

  it('may not skip a value', () => {
    const skipping = { ...asyncReverser('lazy-seal', 200, 1_000_000), required: true }
    const pipeline = new ValuePipeline(createEncodingRegistry({ default: testJson }), [skipping])
    return expect(
      Promise.resolve().then(() => pipeline.encode('small', meta, ctx)),
    ).rejects.toThrow(/must never return null/)
  })
})

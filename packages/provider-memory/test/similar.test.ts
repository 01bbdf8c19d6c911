import { createManualClock } from '@cacheport/conformance'
import {
  CacheConfigError,
  type CacheEventMap,
  CacheUnsupportedError,
  createCacheService,
  type DurationString,
} from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { describe, expect, it } from 'vitest'

/** A deterministic bag-of-words embedding over a fixed vocabulary (no model involved). */
const VOCABULARY = ['capital', 'france', 'germany', 'weather', 'paris', 'berlin', 'today', 'city']
function embed(text: string): number[] {
  const counts = VOCABULARY.map(() => 0)
  for (const word of text.toLowerCase().split(/\W+/)) {
    const i = VOCABULARY.indexOf(word)
    if (i >= 0) counts[i] = (counts[i] as number) + 1
  }
  return counts
}

interface Answer {
  readonly text: string
  readonly model?: string
}

function setup() {
  const clock = createManualClock()
  const service = createCacheService({
    providers: { memory: memoryProvider({ clock }) },
    encoder: jsonEncoder(),
    clock,
    defaults: { jitter: 0 },
  })
  const answers = service.namespace<Answer>('answers', {
    ttl: '1h',
    search: {
      schema: {
        prompt: { type: 'vector', dimensions: VOCABULARY.length, distance: 'cosine' },
        model: { type: 'tag' },
      },
    },
  })
  return { clock, service, answers }
}

describe('getOrSetSimilar', () => {
  it('answers a similar prompt from the cache and loads a different one', async () => {
    const { answers } = setup()
    const loads: string[] = []
    const ask = (prompt: string) =>
      answers.getOrSetSimilar(
        embed(prompt),
        () => {
          loads.push(prompt)
          return { text: `answer to ${prompt}` }
        },
        { minScore: 0.9 },
      )
    expect(await ask('capital of france')).toEqual({ text: 'answer to capital of france' })
    expect(await ask('France: capital?')).toEqual({ text: 'answer to capital of france' })
    expect(await ask('the capital city of france')).toEqual({
      text: 'answer to the capital city of france',
    })
    expect(await ask('capital of germany')).toEqual({ text: 'answer to capital of germany' })
    expect(loads).toEqual(['capital of france', 'the capital city of france', 'capital of germany'])
    const stats = answers.stats()
    expect(stats.hits).toBe(1)
    expect(stats.misses).toBe(3)
    expect(stats.writes).toBe(3)
  })

  it('is searchable like any entry, with the embedding as its vector field', async () => {
    const { answers } = setup()
    await answers.getOrSetSimilar(embed('weather in paris today'), () => ({ text: 'sunny' }), {
      minScore: 0.95,
    })
    const r = await answers.search({
      vector: { field: 'prompt', vector: embed('paris weather'), k: 1 },
    })
    expect(r.items.map((i) => i.value)).toEqual([{ text: 'sunny' }])
    expect(r.items[0]?.key).toMatch(/^~similar:prompt:[0-9a-f]{16}$/)
  })

  it('shares one loader call among concurrent callers with the same embedding', async () => {
    const { answers } = setup()
    let calls = 0
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const loader = async () => {
      calls++
      await gate
      return { text: 'once' }
    }
    const all = Array.from({ length: 5 }, () =>
      answers.getOrSetSimilar(embed('capital of france'), loader, { minScore: 0.99 }),
    )
    release()
    expect(await Promise.all(all)).toEqual(Array.from({ length: 5 }, () => ({ text: 'once' })))
    expect(calls).toBe(1)
  })

  it('respects TTL, tags and filters', async () => {
    const { answers, clock } = setup()
    const loads: string[] = []
    const ask = (model: string, ttl?: DurationString) =>
      answers.getOrSetSimilar(
        embed('capital of france'),
        () => {
          loads.push(model)
          return { text: `from ${model}`, model }
        },
        {
          minScore: 0.9,
          filters: [{ field: 'model', op: 'eq', value: model }],
          tags: [`model:${model}`],
          ...(ttl !== undefined ? { ttl } : {}),
        },
      )
    expect(await ask('small', '1m')).toEqual({ text: 'from small', model: 'small' })
    expect(await ask('large')).toEqual({ text: 'from large', model: 'large' })
    expect(await ask('small')).toEqual({ text: 'from small', model: 'small' })
    expect(loads).toEqual(['small', 'large'])
    clock.advance(61_000)
    await ask('small')
    expect(loads).toEqual(['small', 'large', 'small'])
    await answers.invalidateTags(['model:large'])
    await ask('large')
    expect(loads).toEqual(['small', 'large', 'small', 'large'])
  })

  it('refuses bad input with typed errors', async () => {
    const { answers, service } = setup()
    const loader = () => ({ text: 'x' })
    await expect(answers.getOrSetSimilar([1, 2], loader, { minScore: 0.9 })).rejects.toThrow(
      /getOrSetSimilar\(\): embedding must have 8 dimensions, got 2/,
    )
    await expect(
      answers.getOrSetSimilar(embed('x'), loader, { minScore: Number.NaN }),
    ).rejects.toBeInstanceOf(CacheConfigError)
    await expect(
      answers.getOrSetSimilar(embed('x'), loader, { minScore: 0.5, minscore: 1 } as never),
    ).rejects.toThrow(/unknown option 'minscore' \(did you mean 'minScore'\?\)/)
    await expect(
      answers.getOrSetSimilar(embed('x'), loader, { minScore: 0.5, field: 'model' }),
    ).rejects.toThrow(/field 'model' is not a vector field/)
    await expect(
      service.namespace('plain').getOrSetSimilar(embed('x'), loader, { minScore: 0.5 }),
    ).rejects.toBeInstanceOf(CacheUnsupportedError)
    const noVector = service.namespace('tags-only', { search: { schema: { t: { type: 'tag' } } } })
    await expect(noVector.getOrSetSimilar([1], loader, { minScore: 0.5 })).rejects.toThrow(
      /the schema has no vector field/,
    )
  })

  it('returns the loaded value when writing it fails, and reports the failure', async () => {
    const { answers } = setup()
    const errors: CacheEventMap['error'][] = []
    answers.on('error', (e) => errors.push(e))
    const value = await answers.getOrSetSimilar(
      embed('capital of france'),
      () => ({ text: 'fine', model: 'a,b' }),
      { minScore: 0.9 },
    )
    expect(value).toEqual({ text: 'fine', model: 'a,b' })
    expect(errors.map((e) => [e.operation, (e.error as { code?: string }).code])).toEqual([
      ['set', 'INVALID_FIELD'],
    ])
    expect((await answers.search({})).total).toBe(0)
  })
})

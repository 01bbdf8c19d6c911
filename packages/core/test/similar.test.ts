import {
  CacheLockTimeoutError,
  createCacheService,
  type NamespaceOptions,
  vectorScore,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { testJson } from './helpers/codecs.js'
import { TestLocks, withPorts } from './helpers/ports.js'
import { type SearchProvider, searchProvider } from './helpers/search-provider.js'

/** Makes the fake store answer k=1 vector queries by cosine over the fields written. */
function answerNearest(provider: SearchProvider): void {
  provider.answer = async (query, ns) => {
    const raw = provider.inner.raw(ns)
    const v = query.vector
    let best: { key: string; score: number } | undefined
    for (const [key, doc] of provider.fields.get(ns) ?? []) {
      const x = v === undefined ? undefined : doc?.[v.field]
      if (v === undefined || !(x instanceof Float32Array) || !raw.has(key)) continue
      const score = vectorScore('cosine', v.vector, x)
      if (
        score >= (v.minScore ?? Number.NEGATIVE_INFINITY) &&
        (best === undefined || score > best.score)
      ) {
        best = { key, score }
      }
    }
    return best === undefined
      ? { total: 0, hits: [] }
      : { total: 1, hits: [{ key: best.key, entry: raw.get(best.key), score: best.score }] }
  }
}

const options = (
  lock: NamespaceOptions<string>['lock'],
): NamespaceOptions<string, 'main', string> => ({
  lock,
  search: { schema: { prompt: { type: 'vector', dimensions: 3, distance: 'cosine' } } },
})

/** Two "processes" on one backend, each with its own lock client of one lock table. */
function twoProcesses(lock: NamespaceOptions<string>['lock']) {
  const backend = searchProvider()
  answerNearest(backend)
  const locks = new TestLocks()
  const open = () =>
    createCacheService({
      providers: { main: withPorts(backend, { lock: locks.lock() }) },
      encoder: testJson,
    }).namespace<string>('answers', options(lock))
  return { a: open(), b: open(), locks }
}

describe('getOrSetSimilar with the namespace lock', () => {
  it("runs one loader across processes: the waiter finds the holder's entry", async () => {
    const { a, b, locks } = twoProcesses({ ttl: '10s', wait: '5s' })
    let calls = 0
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow = async () => {
      calls++
      await gate
      return 'from a'
    }
    const first = a.getOrSetSimilar([1, 0, 0], slow, { minScore: 0.9 })
    await new Promise((r) => setTimeout(r, 20))
    const second = b.getOrSetSimilar(
      [1, 0, 0],
      async () => {
        calls++
        return 'from b'
      },
      { minScore: 0.9 },
    )
    await new Promise((r) => setTimeout(r, 20))
    release()
    expect(await first).toBe('from a')
    expect(await second).toBe('from a')
    expect(calls).toBe(1)
    expect(locks.acquired).toBe(2)
    expect(b.stats().lock.acquired).toBe(1)
  })

  it("onTimeout 'error' rejects with CacheLockTimeoutError when the holder takes too long", async () => {
    const { a, b } = twoProcesses({ ttl: '10s', wait: 40, onTimeout: 'error' })
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const first = a.getOrSetSimilar(
      [0, 1, 0],
      async () => {
        await gate
        return 'slow'
      },
      { minScore: 0.9 },
    )
    await new Promise((r) => setTimeout(r, 10))
    await expect(
      b.getOrSetSimilar([0, 1, 0], () => 'never', { minScore: 0.9 }),
    ).rejects.toBeInstanceOf(CacheLockTimeoutError)
    release()
    expect(await first).toBe('slow')
  })
})

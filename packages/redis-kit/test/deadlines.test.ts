import { CacheClosedError, CacheTimeoutError, CacheUnavailableError } from '@cacheport/core'
import { Deadlines } from '@cacheport/redis-kit'
import { describe, expect, it } from 'vitest'

const never = () => new Promise<never>(() => {})
const later = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms))

describe('Deadlines', () => {
  it('rejects a call that outlives its timeout with CacheTimeoutError, and passes others through', async () => {
    const deadlines = new Deadlines(5)
    const started = performance.now()
    await expect(deadlines.bound(never(), 30, 'get')).rejects.toBeInstanceOf(CacheTimeoutError)
    expect(performance.now() - started).toBeLessThan(200)
    expect(await deadlines.bound(Promise.resolve(2), 30, 'get', (n) => n * 2)).toBe(4)
    await expect(
      deadlines.bound(Promise.reject(new Error('ECONNRESET')), 30, 'get'),
    ).rejects.toBeInstanceOf(CacheUnavailableError)
  })

  it('never rejects before the deadline, names the operation and its timeout', async () => {
    const deadlines = new Deadlines(10)
    const started = performance.now()
    const error = await deadlines.bound(never(), 50, 'getMany').catch((e: unknown) => e)
    expect(performance.now() - started).toBeGreaterThanOrEqual(49)
    expect(error).toBeInstanceOf(CacheTimeoutError)
    expect((error as Error).message).toContain('getMany')
    expect((error as Error).message).toContain('50')
  })

  it('times out only the overdue calls of a slot, whatever settled around them', async () => {
    const deadlines = new Deadlines(5)
    // Calls sharing slots with calls that settle first, before and after them.
    const calls = Array.from({ length: 300 }, (_, i) =>
      deadlines.bound(i % 3 === 0 ? never() : later(i % 7, i), 40, 'get').then(
        (v) => ({ ok: v }),
        (e: unknown) => ({ error: e }),
      ),
    )
    const results = await Promise.all(calls)
    results.forEach((r, i) => {
      if (i % 3 === 0) expect((r as { error: unknown }).error).toBeInstanceOf(CacheTimeoutError)
      else expect(r).toEqual({ ok: i })
    })
  })

  it('keeps bounding calls across many slots and after slots were reused', async () => {
    const deadlines = new Deadlines(2)
    for (let round = 0; round < 20; round++) {
      const ok = await Promise.all(
        Array.from({ length: 50 }, (_, i) => deadlines.bound(later(1, i), 20, 'get')),
      )
      expect(ok).toEqual(Array.from({ length: 50 }, (_, i) => i))
    }
    // Slots were recycled many times: an overdue call still times out, a late result is dropped.
    let settle!: (n: number) => void
    const slow = new Promise<number>((resolve) => {
      settle = resolve
    })
    const bounded = deadlines.bound(slow, 10, 'set', (n) => {
      throw new Error(`map ran for a call that had timed out (${n})`)
    })
    await expect(bounded).rejects.toBeInstanceOf(CacheTimeoutError)
    settle(1)
    expect(await deadlines.bound(Promise.resolve('after'), 10, 'get')).toBe('after')
  })

  it('rejectAll rejects every pending call with the given error, and later calls still work', async () => {
    const deadlines = new Deadlines(5)
    const pending = [
      deadlines.bound(never(), 1_000, 'get'),
      deadlines.bound(never(), 10_000, 'getMany'),
      deadlines.bound(later(50, 'late'), 2_000, 'set'),
    ]
    deadlines.rejectAll(new CacheClosedError('redis provider'))
    for (const call of pending) await expect(call).rejects.toBeInstanceOf(CacheClosedError)
    await expect(deadlines.bound(never(), 20, 'get')).rejects.toBeInstanceOf(CacheTimeoutError)
  })
})

import { parseDuration } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { jitterTtl } from '../src/duration.js'

describe('durations', () => {
  it.each([
    [250, 250],
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1.5s', 1_500],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
  ])('parses %s', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  it.each(['', 'abc', '10', '10 parsecs', '-5m', 'm', '5m garbage', '0s'])(
    'refuses %j',
    (input) => {
      expect(() => parseDuration(input)).toThrow(/not a positive duration/)
    },
  )

  it('spreads TTLs by at most the jitter fraction, and not at all with 0', () => {
    let seed = 1
    const random = () => {
      seed = (seed * 16807) % 2147483647
      return (seed - 1) / 2147483646
    }
    const spread = Array.from({ length: 2000 }, () => jitterTtl(10_000, 0.1, random))
    expect(Math.min(...spread)).toBeGreaterThanOrEqual(9_000)
    expect(Math.max(...spread)).toBeLessThanOrEqual(11_000)
    expect(new Set(spread).size).toBeGreaterThan(500)
    expect(Math.min(...spread)).toBeLessThan(9_200)
    expect(Math.max(...spread)).toBeGreaterThan(10_800)
    expect(jitterTtl(10_000, 0, random)).toBe(10_000)
  })
})

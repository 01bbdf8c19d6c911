import { describe, expect, it } from 'vitest'
import { NumericFieldIndex } from '../src/search/numeric-field-index.js'

describe('NumericFieldIndex', () => {
  it('keeps unmerged writes bounded when nothing queries (no leak under churn)', () => {
    const index = new NumericFieldIndex()
    for (let i = 0; i < 50_000; i++) index.add(`k${i % 10}`, i)
    expect(index.unsettled).toBeLessThanOrEqual(1024 + 10 + 1)
    for (let i = 0; i < 50_000; i++) {
      index.add(`n${i}`, i)
      index.remove(`n${i}`)
    }
    expect(index.unsettled).toBeLessThanOrEqual(2 * (1024 + 10 + 1))
    const [from, to] = index.range(49_990, true, 49_999, true)
    expect(index.keysBetween(from, to).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `k${i}`).sort(),
    )
  })

  it('answers ranges and order after interleaved rewrites and removals', () => {
    const index = new NumericFieldIndex()
    index.add('a', 5)
    index.add('b', 1)
    index.add('c', 3)
    expect([...index.ordered(false)]).toEqual(['b', 'c', 'a'])
    index.add('b', 9)
    index.remove('c')
    index.add('d', 5)
    expect([...index.ordered(false)]).toEqual(['a', 'd', 'b'])
    expect([...index.ordered(true)]).toEqual(['b', 'd', 'a'])
    const [from, to] = index.range(5, false, 10, true)
    expect(index.keysBetween(from, to)).toEqual(['b'])
    const [lo, hi] = index.range(5, true, 5, true)
    expect(index.keysBetween(lo, hi).sort()).toEqual(['a', 'd'])
  })
})

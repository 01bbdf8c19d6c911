import { describe, expect, it } from 'vitest'
import { FenceGenerations } from '../src/fence-generations.js'

/** A FenceGenerations of 2 buckets on a clock the test moves. */
function generations(maxAgeMs = 1_000) {
  const clock = { now: 10_000 }
  const learned = new FenceGenerations({ buckets: 2, maxAgeMs, now: () => clock.now })
  return { learned, clock }
}

const seen = (over: Partial<Parameters<FenceGenerations['learn']>[1]> = {}) => ({
  incarnation: 'inc',
  clear: '2',
  tag: '5',
  cell: 7,
  cellGen: '3',
  ...over,
})

describe('FenceGenerations', () => {
  it('answers only for a cell it has learned, with an absent digest and the learned generations', () => {
    const { learned } = generations()
    expect(learned.absentToken(0, 7)).toBeUndefined()
    learned.learn(0, seen())
    expect(learned.absentToken(0, 7)).toBe('- inc 2 5 3')
    expect(learned.absentToken(0, 8)).toBeUndefined()
    expect(learned.absentToken(1, 7)).toBeUndefined()
  })

  it('never answers for a hash without an incarnation id, and forgets what it knew of it', () => {
    const { learned } = generations()
    learned.learn(0, seen())
    learned.learn(0, seen({ incarnation: '' }))
    expect(learned.absentToken(0, 7)).toBeUndefined()
  })

  it('drops every cell of an older incarnation', () => {
    const { learned } = generations()
    learned.learn(0, seen({ cell: 1, cellGen: '9' }))
    learned.learn(0, seen({ incarnation: 'other', cell: 7, cellGen: '' }))
    expect(learned.absentToken(0, 7)).toBe('- other 2 5 ')
    expect(learned.absentToken(0, 1)).toBeUndefined()
  })

  it('keeps the later generation when replies arrive out of order', () => {
    const { learned } = generations()
    learned.learn(0, seen({ clear: '4', tag: '6', cellGen: '8' }))
    learned.learn(0, seen({ clear: '3', tag: '', cellGen: '7' }))
    expect(learned.absentToken(0, 7)).toBe('- inc 4 6 8')
    learned.learn(0, seen({ clear: '10', tag: '11', cellGen: '12' }))
    expect(learned.absentToken(0, 7)).toBe('- inc 10 11 12')
  })

  it('stops answering for a cell learned more than maxAgeMs ago', () => {
    const { learned, clock } = generations(1_000)
    learned.learn(0, seen({ cell: 1 }))
    clock.now += 600
    learned.learn(0, seen({ cell: 2 }))
    clock.now += 600
    // Cell 1 was read 1,200 ms ago; cell 2 (and the bucket) 600 ms ago.
    expect(learned.absentToken(0, 1)).toBeUndefined()
    expect(learned.absentToken(0, 2)).toBe('- inc 2 5 3')
    clock.now += 401
    expect(learned.absentToken(0, 2)).toBeUndefined()
  })

  it('forgets a cell this process deletes in, the tag generations when it invalidates tags, all on clear', () => {
    const { learned } = generations()
    learned.learn(0, seen({ cell: 1 }))
    learned.learn(0, seen({ cell: 2 }))
    learned.learn(1, seen({ cell: 1 }))
    learned.forgetCell(0, 1)
    expect(learned.absentToken(0, 1)).toBeUndefined()
    expect(learned.absentToken(0, 2)).toBeDefined()
    learned.forgetTags()
    expect(learned.absentToken(0, 2)).toBeUndefined()
    expect(learned.absentToken(1, 1)).toBeUndefined()
    // A reply that carries the tag generation brings it back.
    learned.learn(1, seen({ cell: 1 }))
    expect(learned.absentToken(1, 1)).toBe('- inc 2 5 3')
    learned.forgetAll()
    expect(learned.absentToken(1, 1)).toBeUndefined()
  })
})

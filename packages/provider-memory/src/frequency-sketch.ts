/**
 * A count-min sketch of 4-bit counters that estimates how often a key was seen recently
 * (TinyLFU). The four counters of a key live in one 64-byte block (sixteen 32-bit words, four
 * words per row), so an update touches a single cache line. When the number of increments
 * reaches the sample size every counter is halved, which ages old popularity away.
 */
export class FrequencySketch {
  #table = new Uint32Array(16)
  #blockMask = 0
  #sampleSize = 160
  #additions = 0

  constructor(expectedEntries: number) {
    this.ensureCapacity(expectedEntries)
  }

  /** Increments between two halvings (ten times the capacity the sketch was sized for). */
  get sampleSize(): number {
    return this.#sampleSize
  }

  /** Grows the table for `expectedEntries` (never shrinks); a regrown table starts empty. */
  ensureCapacity(expectedEntries: number): void {
    const capacity = Math.min(Math.max(Math.ceil(expectedEntries), 8), 1 << 26)
    let words = 16
    while (words < capacity * 2) words *= 2
    this.#sampleSize = 10 * capacity
    if (words <= this.#table.length && this.#blockMask !== 0) return
    this.#table = new Uint32Array(words)
    this.#blockMask = (words >>> 4) - 1
    this.#additions = 0
  }

  /** Estimated recent frequency of `hash`, 0 to 15. */
  frequency(hash: number): number {
    const table = this.#table
    const block = (hash & this.#blockMask) << 4
    const h = rehash(hash)
    let min = 15
    for (let i = 0; i < 4; i++) {
      const bits = h >>> (i << 3)
      const count = (table[block + (i << 2) + (bits & 3)]! >>> (((bits >>> 2) & 7) << 2)) & 15
      if (count < min) min = count
    }
    return min
  }

  /** Counts one occurrence of `hash`; halves every counter once per sample period. */
  increment(hash: number): void {
    const table = this.#table
    const block = (hash & this.#blockMask) << 4
    const h = rehash(hash)
    let added = false
    for (let i = 0; i < 4; i++) {
      const bits = h >>> (i << 3)
      const word = block + (i << 2) + (bits & 3)
      const shift = ((bits >>> 2) & 7) << 2
      const value = table[word]!
      if (((value >>> shift) & 15) !== 15) {
        table[word] = value + (1 << shift)
        added = true
      }
    }
    if (added && ++this.#additions >= this.#sampleSize) this.reset()
  }

  /**
   * Counts one occurrence whose counters are added later with `add` (deferred hits of
   * resident entries). Returns true when the sample period is over: the caller then adds
   * what it deferred and calls `reset`.
   */
  recordAddition(): boolean {
    return ++this.#additions >= this.#sampleSize
  }

  /** Adds `count` occurrences of `hash` (saturating), already counted by `recordAddition`. */
  add(hash: number, count: number): void {
    const table = this.#table
    const block = (hash & this.#blockMask) << 4
    const h = rehash(hash)
    for (let i = 0; i < 4; i++) {
      const bits = h >>> (i << 3)
      const word = block + (i << 2) + (bits & 3)
      const shift = ((bits >>> 2) & 7) << 2
      const value = table[word]!
      const current = (value >>> shift) & 15
      const next = Math.min(15, current + count)
      if (next !== current) table[word] = value + ((next - current) << shift)
    }
  }

  /** Halves every counter (aging). */
  reset(): void {
    const table = this.#table
    let odd = 0
    for (let i = 0; i < table.length; i++) {
      const value = table[i]!
      odd += popcount(value & 0x11111111)
      table[i] = (value >>> 1) & 0x77777777
    }
    this.#additions = (this.#additions - (odd >>> 2)) >>> 1
  }
}

function rehash(x: number): number {
  let h = Math.imul(x, 0x31848bab)
  h ^= h >>> 14
  return h
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff
}

/** A 32-bit hash of `key` under `seed` (FNV-1a, then the murmur3 finaliser). */
export function hashKey(seed: number, key: string): number {
  let h = seed ^ 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h | 0
}

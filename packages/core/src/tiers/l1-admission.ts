/**
 * Which entries read from L2 are worth copying into L1. A doorkeeper (the first stage of
 * W-TinyLFU's admission): a bit per hashed key, set on a key's first L2 read; a key is
 * admitted on a later read while its bit is still set. The bits are cleared after as many
 * reads as a quarter of them, so "recently" means within the last few thousand L2 reads per
 * 16,384 bits. A collision admits a key early, which is harmless.
 */
export class L1Admission {
  readonly #bits: Uint32Array
  readonly #mask: number
  readonly #resetAfter: number
  #seen = 0

  /** `bits`: a power of two. */
  constructor(bits = 1 << 16) {
    this.#bits = new Uint32Array(bits >>> 5)
    this.#mask = bits - 1
    this.#resetAfter = bits >>> 2
  }

  /** True when `key` was read from L2 recently; records this read. */
  admit(key: string): boolean {
    const h = hash(key) & this.#mask
    const word = h >>> 5
    const bit = 1 << (h & 31)
    const bits = this.#bits
    if (((bits[word] as number) & bit) !== 0) return true
    bits[word] = (bits[word] as number) | bit
    if (++this.#seen >= this.#resetAfter) {
      bits.fill(0)
      this.#seen = 0
    }
    return false
  }
}

/** FNV-1a over the UTF-16 code units, with a final avalanche. */
function hash(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  return h >>> 0
}

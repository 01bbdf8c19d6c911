import { searchTerms } from '@cacheport/core'

/** BM25 term-frequency saturation. */
const K1 = 1.2
/** BM25 length normalisation. */
const B = 0.75

/**
 * The inverted index of one TEXT field: term → (key → occurrences), and each entry's length
 * in terms, for BM25.
 */
export class TextFieldIndex {
  readonly weight: number
  readonly postings = new Map<string, Map<string, number>>()
  readonly #lengths = new Map<string, number>()
  #totalLength = 0

  constructor(weight: number) {
    this.weight = weight
  }

  add(key: string, text: string): void {
    const terms = searchTerms(text)
    const counts = new Map<string, number>()
    for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1)
    for (const [t, n] of counts) {
      let docs = this.postings.get(t)
      if (docs === undefined) {
        docs = new Map()
        this.postings.set(t, docs)
      }
      docs.set(key, n)
    }
    this.#lengths.set(key, terms.length)
    this.#totalLength += terms.length
  }

  remove(key: string, text: string): void {
    for (const t of new Set(searchTerms(text))) {
      const docs = this.postings.get(t)
      if (docs === undefined) continue
      docs.delete(key)
      if (docs.size === 0) this.postings.delete(t)
    }
    const length = this.#lengths.get(key)
    if (length !== undefined) {
      this.#lengths.delete(key)
      this.#totalLength -= length
    }
  }

  /** True when `key`'s text holds a term starting with `prefix`. */
  hasPrefix(key: string, prefix: string): boolean {
    for (const [term, docs] of this.postings)
      if (term.startsWith(prefix) && docs.has(key)) return true
    return false
  }

  /** Keys whose text holds a term starting with `prefix`. */
  keysWithPrefix(prefix: string): Set<string> {
    const out = new Set<string>()
    for (const [term, docs] of this.postings) {
      if (term.startsWith(prefix)) for (const key of docs.keys()) out.add(key)
    }
    return out
  }

  /** This field's BM25 contribution of `terms` to `key`, weighted. */
  score(key: string, terms: readonly string[]): number {
    const n = this.#lengths.size
    if (n === 0) return 0
    const length = this.#lengths.get(key)
    if (length === undefined) return 0
    const average = this.#totalLength / n || 1
    let sum = 0
    for (const t of terms) {
      const docs = this.postings.get(t)
      const tf = docs?.get(key)
      if (docs === undefined || tf === undefined) continue
      const idf = Math.log(1 + (n - docs.size + 0.5) / (docs.size + 0.5))
      sum += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / average))
    }
    return sum * this.weight
  }

  clear(): void {
    this.postings.clear()
    this.#lengths.clear()
    this.#totalLength = 0
  }
}

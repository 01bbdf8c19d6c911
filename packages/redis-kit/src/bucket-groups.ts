import type { KeyLayout } from './layout.js'

/**
 * The keys of one batch grouped by bucket (hash slot), without an object or array per key:
 * group `g` is bucket `buckets[g]` and holds the key indexes `order[starts[g]]` up to (not
 * including) `order[starts[g + 1]]`, in their original order. Groups come in the order their
 * first key appears.
 */
export interface BucketGroups {
  readonly count: number
  readonly buckets: Int32Array
  readonly starts: Int32Array
  readonly order: Int32Array
}

/**
 * Groups batches of keys by bucket with a counting sort: each key is hashed once, and the
 * per-bucket counters are one reused array (grouping is synchronous, so concurrent batches
 * never share it). A batch allocates a few typed arrays, whatever its number of keys.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export class BucketGrouper {
  readonly #layout: KeyLayout
  /** Per bucket: zero between calls; a count, then a write cursor, during one. */
  readonly #counts: Int32Array
  /** Per key of the batch being grouped: its bucket (grows to the largest batch). */
  #bucketOf = new Int32Array(128)

  constructor(layout: KeyLayout) {
    this.#layout = layout
    this.#counts = new Int32Array(layout.buckets)
  }

  /** Groups `keys` by the bucket of each. */
  group(keys: readonly string[]): BucketGroups {
    const n = keys.length
    const layout = this.#layout
    const counts = this.#counts
    if (this.#bucketOf.length < n) this.#bucketOf = new Int32Array(n)
    const bucketOf = this.#bucketOf
    const firstSeen = new Int32Array(n)
    let count = 0
    for (let i = 0; i < n; i++) {
      const b = layout.bucket(keys[i] as string)
      bucketOf[i] = b
      if (counts[b]++ === 0) firstSeen[count++] = b
    }
    const starts = new Int32Array(count + 1)
    let position = 0
    for (let g = 0; g < count; g++) {
      const b = firstSeen[g] as number
      starts[g] = position
      const size = counts[b] as number
      counts[b] = position
      position += size
    }
    starts[count] = n
    const order = new Int32Array(n)
    for (let i = 0; i < n; i++) order[counts[bucketOf[i] as number]++] = i
    for (let g = 0; g < count; g++) counts[firstSeen[g] as number] = 0
    return { count, buckets: firstSeen.subarray(0, count), starts, order }
  }
}

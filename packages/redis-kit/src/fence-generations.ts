/**
 * What this process last learned of each bucket's fence hash (see fence.ts), so that the
 * fence of a key this process has just read as absent can be taken without a round trip.
 *
 * Why that is sound: every generation only grows within one incarnation of the hash, and a
 * hash that is lost and made again has another incarnation id. A generation learned at some
 * earlier time and still current when the write-back script compares it was therefore not
 * bumped at any moment in between, in particular not after the load began. A stale
 * generation can only make a write-back be refused, never let one through: after another
 * process deletes a key, the next write-back of this process in the same delete cell is
 * refused once, and its reply brings the generations up to date.
 *
 * Only a bucket whose hash has an incarnation id is taken from here (a hash without one could
 * be lost and rebuilt to the same counts). A generation is used for `maxAgeMs` after it was
 * read from the server, then captured again by script (which also renews the hash's idle
 * expiry): that bounds the refusals to changes made within `maxAgeMs` before a load, and
 * only a namespace under load, where round trips matter, takes its fences from here.
 */
export class FenceGenerations {
  readonly #buckets: (BucketGenerations | undefined)[]
  readonly #maxAgeMs: number
  readonly #now: () => number

  constructor(options: {
    readonly buckets: number
    readonly maxAgeMs: number
    readonly now?: () => number
  }) {
    this.#buckets = new Array<BucketGenerations | undefined>(options.buckets).fill(undefined)
    this.#maxAgeMs = options.maxAgeMs
    this.#now = options.now ?? Date.now
  }

  /**
   * The fence token of an absent key of `bucket` in delete cell `cell` (0..255), or
   * `undefined` when this process does not know every generation it needs.
   */
  absentToken(bucket: number, cell: number): string | undefined {
    const b = this.#buckets[bucket]
    if (b === undefined || b.tag === undefined) return undefined
    const cellGen = b.cells[cell]
    if (cellGen === undefined) return undefined
    const oldest = this.#now() - this.#maxAgeMs
    if (b.learnedAt < oldest || (b.cellLearnedAt[cell] as number) < oldest) return undefined
    return `- ${b.incarnation} ${b.clear} ${b.tag} ${cellGen}`
  }

  /**
   * Takes in generations read from the hash of `bucket` in one script call: its incarnation,
   * clear and tag generations (`undefined` when the reply did not carry it) and the
   * generation of delete cell `cell`. A new incarnation drops everything known of the old one.
   */
  learn(
    bucket: number,
    seen: {
      readonly incarnation: string
      readonly clear: string
      readonly tag: string | undefined
      readonly cell: number
      readonly cellGen: string
    },
  ): void {
    if (seen.incarnation === '') {
      // No incarnation id: nothing about this hash can be trusted later.
      this.#buckets[bucket] = undefined
      return
    }
    let b = this.#buckets[bucket]
    if (b === undefined || b.incarnation !== seen.incarnation) {
      b = {
        incarnation: seen.incarnation,
        clear: seen.clear,
        tag: seen.tag,
        cells: new Array<string | undefined>(256).fill(undefined),
        cellLearnedAt: new Float64Array(256),
        learnedAt: 0,
      }
      this.#buckets[bucket] = b
    } else {
      // Replies may be handled out of order: keep the later (larger) generation.
      b.clear = later(b.clear, seen.clear)
      if (seen.tag !== undefined) b.tag = b.tag === undefined ? seen.tag : later(b.tag, seen.tag)
    }
    const now = this.#now()
    b.cells[seen.cell] = later(b.cells[seen.cell], seen.cellGen)
    b.cellLearnedAt[seen.cell] = now
    b.learnedAt = now
  }

  /** Forgets the generation of delete cell `cell` in `bucket` (this process bumps it). */
  forgetCell(bucket: number, cell: number): void {
    const b = this.#buckets[bucket]
    if (b !== undefined) b.cells[cell] = undefined
  }

  /** Forgets the tag generation of every bucket (this process invalidated tags). */
  forgetTags(): void {
    for (const b of this.#buckets) if (b !== undefined) b.tag = undefined
  }

  /** Forgets everything (this process clears the namespace). */
  forgetAll(): void {
    this.#buckets.fill(undefined)
  }
}

interface BucketGenerations {
  readonly incarnation: string
  clear: string
  tag: string | undefined
  /** Each delete cell's generation; `undefined` where unknown. */
  readonly cells: (string | undefined)[]
  /** When each cell's generation was last read from the server (ms, this process's clock). */
  readonly cellLearnedAt: Float64Array
  /** When the bucket's other generations were last read from the server. */
  learnedAt: number
}

/** The later of two generations ('' is 0); `b` when `a` is unknown. */
function later(a: string | undefined, b: string): string {
  if (a === undefined) return b
  return Number(a === '' ? 0 : a) >= Number(b === '' ? 0 : b) ? a : b
}

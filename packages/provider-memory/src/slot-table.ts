/**
 * The slot storage of the policy: parallel columns indexed by slot (key, entry, tags, namespace,
 * links and hash, access byte, weight, expiry), a free list, and the doubly linked queues
 * threaded through the `meta` column, so the hot path allocates nothing.
 */

/** Int32 per slot in `meta`: the previous and next slot of its queue (or the next free slot). */
export const META = 2
export const PREV = 0
export const NEXT = 1

/** Access byte (`access[slot]`): bits 0-2 hits not yet added to the sketch. */
export const PENDING_MASK = 7
export const PENDING_ONE = 1
/** Access byte: read since it last reached the head of its queue. */
export const REFERENCED = 1 << 3
/** Access byte: the entry has a TTL (so a hit need not read `expiresAt` otherwise). */
export const HAS_TTL = 1 << 4
/** Access byte: the key is in the window tuner's sample (its accesses feed the shadows). */
export const SAMPLED = 1 << 5
/** Access byte: bits 6-7 are the queue the slot is in. */
const QUEUE_SHIFT = 6
const QUEUE_BITS = 3 << QUEUE_SHIFT

export const FREE = 0
export const WINDOW = 1
export const PROBATION = 2
export const PROTECTED = 3

/** Slot columns and the queues over them; the policy extends it with eviction and expiry. */
export abstract class SlotTable<E> {
  // Slot columns.
  keys: (string | undefined)[]
  entries: (E | undefined)[]
  tags: (readonly string[] | undefined)[] = []
  /**
   * Namespace id of each slot (an index into `#owners`); empty while one namespace is open
   * (every slot is then namespace 0), so a single-namespace cache spends no bytes on it.
   */
  ns: Int32Array = new Int32Array(0)
  /**
   * Four int32 per slot (16 bytes, aligned): previous and next slot in its queue (or next
   * free slot), the key's hash, and the queue. Neither a hit nor an overwrite reads it.
   */
  meta: Int32Array
  /**
   * One byte per slot, all a hit reads and writes besides the entry: whether the entry has a
   * TTL or tags, the referenced bit, and hits not yet added to the sketch. Hits of resident entries
   * are counted here and folded into the sketch when the entry is weighed for admission,
   * leaves, or the sketch ages, so a hit does not touch the sketch's table. A byte per slot
   * keeps this column small enough to stay in the CPU cache at a million entries, where the
   * 16-byte meta rows of randomly placed hot keys would each cost a cache miss.
   */
  access: Uint8Array
  /** Weight per slot (weighted bounds only; every entry weighs 1 otherwise). */
  weight: Float64Array
  /** Expiry per slot, epoch ms; allocated when the first entry with a TTL arrives. */
  expiresAt: Float64Array = new Float64Array(0)
  capacity: number
  top = 0
  freeHead = -1

  // Queues (head = least recently used) and their weights.
  protected readonly heads = new Int32Array(4).fill(-1)
  protected readonly tails = new Int32Array(4).fill(-1)
  protected readonly queueWeight = new Float64Array(4)
  size = 0
  totalWeight = 0
  maximum: number
  protected readonly weighted: boolean

  constructor(maximum: number, weighted: boolean) {
    this.maximum = maximum
    this.weighted = weighted
    const capacity = Math.max(16, Math.min(weighted ? 1024 : maximum + 1, 4096))
    this.capacity = capacity
    this.meta = new Int32Array(capacity * META)
    this.access = new Uint8Array(capacity)
    this.weight = new Float64Array(weighted ? capacity : 0)
    this.keys = new Array<string | undefined>(capacity)
    this.entries = new Array<E | undefined>(capacity)
  }

  /** Called after the columns grew to `capacity` slots (the policy grows its timer wheel). */
  protected abstract onGrow(capacity: number): void

  // ---- slots -------------------------------------------------------------------------------

  protected grow(): void {
    let capacity = this.capacity * 2
    // Entry-bounded: never more slots than the bound plus the one being admitted.
    if (!this.weighted) capacity = Math.max(Math.min(capacity, this.maximum + 1), this.capacity + 1)
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(
      a: T,
      make: (n: number) => T,
    ) => {
      const b = make(capacity)
      b.set(a)
      return b
    }
    const meta = new Int32Array(capacity * META)
    meta.set(this.meta)
    this.meta = meta
    const access = new Uint8Array(capacity)
    access.set(this.access)
    this.access = access
    if (this.weighted) this.weight = grow(this.weight, (n) => new Float64Array(n))
    if (this.ns.length > 0) this.ns = grow(this.ns, (n) => new Int32Array(n))
    // Exactly `capacity` elements (a holey array of that length), where growth by assignment
    // would leave up to half of the backing store unused.
    this.keys = copyArray(this.keys, capacity, this.top)
    this.entries = copyArray(this.entries, capacity, this.top)
    if (this.expiresAt.length > 0) this.expiresAt = grow(this.expiresAt, (n) => new Float64Array(n))
    this.onGrow(capacity)
    this.capacity = capacity
  }

  protected allocate(): number {
    const free = this.freeHead
    if (free !== -1) {
      this.freeHead = this.meta[free * META + NEXT]!
      return free
    }
    if (this.top === this.capacity) this.grow()
    return this.top++
  }

  // ---- queues ------------------------------------------------------------------------------

  protected weightOf(slot: number): number {
    return this.weighted ? this.weight[slot]! : 1
  }

  protected link(slot: number, queue: number): void {
    const meta = this.meta
    const tail = this.tails[queue]!
    const base = slot * META
    meta[base + PREV] = tail
    meta[base + NEXT] = -1
    this.access[slot] = (this.access[slot]! & ~QUEUE_BITS) | (queue << QUEUE_SHIFT)
    if (tail === -1) this.heads[queue] = slot
    else meta[tail * META + NEXT] = slot
    this.tails[queue] = slot
    this.queueWeight[queue]! += this.weightOf(slot)
  }

  protected unlink(slot: number): void {
    const meta = this.meta
    const base = slot * META
    const queue = this.access[slot]! >>> QUEUE_SHIFT
    const prev = meta[base + PREV]!
    const next = meta[base + NEXT]!
    if (prev === -1) this.heads[queue] = next
    else meta[prev * META + NEXT] = next
    if (next === -1) this.tails[queue] = prev
    else meta[next * META + PREV] = prev
    this.queueWeight[queue]! -= this.weightOf(slot)
  }

  /** Queue of `slot`. */
  protected queueOf(slot: number): number {
    return this.access[slot]! >>> QUEUE_SHIFT
  }

  protected nextOf(slot: number): number {
    return this.meta[slot * META + NEXT]!
  }

  /** Empties every queue and frees every slot (the columns keep their capacity). */
  protected resetSlots(): void {
    this.keys = new Array<string | undefined>(this.capacity)
    this.entries = new Array<E | undefined>(this.capacity)
    this.tags = []
    this.heads.fill(-1)
    this.tails.fill(-1)
    this.queueWeight.fill(0)
    this.top = 0
    this.freeHead = -1
    this.size = 0
    this.totalWeight = 0
  }

  /** Slots in each region (for tests and diagnostics). */
  regions(): { window: number; probation: number; protected: number } {
    const count = (queue: number) => {
      let n = 0
      for (let s = this.heads[queue]!; s !== -1; s = this.nextOf(s)) n++
      return n
    }
    return { window: count(WINDOW), probation: count(PROBATION), protected: count(PROTECTED) }
  }
}

/** A holey array of `length` elements holding the first `count` elements of `from`. */
function copyArray<T>(from: readonly T[], length: number, count: number): T[] {
  const to = new Array<T>(length)
  for (let i = 0; i < count; i++) to[i] = from[i] as T
  return to
}

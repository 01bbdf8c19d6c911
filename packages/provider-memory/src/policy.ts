import { FrequencySketch, hashKey } from './frequency-sketch.js'
import {
  HAS_TTL,
  META,
  NEXT,
  PENDING_MASK,
  PENDING_ONE,
  PROBATION,
  PROTECTED,
  REFERENCED,
  SAMPLED,
  SlotTable,
  WINDOW,
} from './slot-table.js'
import { TimerWheel } from './timer-wheel.js'
import { WindowTuner } from './window-tuner.js'

/** Why an entry left the cache. */
export type DeletionCause = 'explicit' | 'replaced' | 'expired' | 'evicted'

/** What the `onDeletion` listener receives. */
export interface DeletionEvent {
  readonly namespace: string
  readonly key: string
  readonly cause: DeletionCause
}

/**
 * Why an entry left, as a store's own removal listener hears it: the provider-wide causes,
 * with `explicit` split into `tag` (invalidated by tag) and `clear` where that is the reason.
 */
export type RemovalCause = DeletionCause | 'tag' | 'clear'

/** The side of a store the policy calls back into when it removes an entry. */
export interface SlotOwner {
  /** The store's own removal listener, when one is set. */
  readonly removalListener: ((key: string, cause: RemovalCause) => void) | undefined
  /** True when the store's listener wants removals now. */
  wantsRemovals(): boolean
  readonly namespace: string
  /** Seed of the namespace's key hashes (the sketch's hash of a slot is `hashKey(seed, key)`). */
  readonly seed: number
  /** Drops `slot` (holding `key` with `tags`) from the key map and the tag index. */
  forget(key: string, slot: number, tags: readonly string[] | undefined): void
}

/** Share of the maximum given to the admission window at start (the climber then moves it). */
const INITIAL_WINDOW = 0.01
/** Share of the main region reserved for the protected segment. */
const PROTECTED_SHARE = 0.8
/** Entries moved between regions per climb, at most. */
const TRANSFER_LIMIT = 1000
/** A candidate this popular is admitted at random now and then (defeats hash flooding). */
const HASHDOS_THRESHOLD = 6

export interface PolicyOptions<E> {
  /** The bound, in entries (no weigher) or in weight units. */
  readonly maximum: number
  readonly weighted: boolean
  readonly now: () => number
  /** Bytes charged per entry (bytes mode), for `byteSize`. */
  readonly bytesOf: ((entry: E) => number) | undefined
  readonly onDeletion: ((event: DeletionEvent) => void) | undefined
  /** Start share of the window (0-1); default 1%. */
  readonly initialWindow?: number
  /** Window chosen by side simulation (`WindowTuner`); default true. */
  readonly adaptive?: boolean
  readonly seed?: number
}

/**
 * Adaptive W-TinyLFU over index-addressed slots. Every entry of every namespace of a provider
 * lives in one slot of parallel arrays; the three queues (window, probation, protected) and
 * the free list are doubly linked lists threaded through one Int32Array, so the hot path
 * allocates nothing. A new entry enters the window; the window's overflow becomes an
 * admission candidate in probation, and when the cache is over its bound the candidate is
 * kept only if the frequency sketch rates it above probation's least recently used entry.
 * A probation hit promotes to protected (lazily, see `#onAccess`). A `WindowTuner` sizes the
 * window from side simulations of candidate windows on the same requests: a larger window
 * favours recency, a smaller one frequency. Slot storage and queues live in `SlotTable`.
 */
export class Policy<E> extends SlotTable<E> {
  readonly #owners: SlotOwner[] = []
  bytes = 0
  /** Entries removed since creation, by cause (for `MemoryProvider.usage()`). */
  readonly removals: Record<DeletionCause, number> = {
    explicit: 0,
    replaced: 0,
    expired: 0,
    evicted: 0,
  }

  windowMaximum = 0
  protectedMaximum = 0

  /** Chooses the window (adaptive policies; created lazily under a weight bound). */
  #tuner: WindowTuner | undefined
  readonly #adaptive: boolean

  readonly sketch: FrequencySketch
  /** Created when the first entry with a TTL arrives. */
  #wheel: TimerWheel | undefined
  readonly #now: () => number
  readonly #bytesOf: ((entry: E) => number) | undefined
  readonly #onDeletion: ((event: DeletionEvent) => void) | undefined
  readonly #pending: DeletionEvent[] = []
  /** Beside each pending event: its store, and the cause that store's listener hears. */
  readonly #pendingOwners: (SlotOwner | undefined)[] = []
  readonly #pendingCauses: RemovalCause[] = []
  #flushing = false
  #reads = 0
  #random: number

  constructor(options: PolicyOptions<E>) {
    super(options.maximum, options.weighted)
    this.#now = options.now
    this.#bytesOf = options.bytesOf
    this.#onDeletion = options.onDeletion
    this.#adaptive = options.adaptive ?? true
    this.#random = (options.seed ?? Math.floor(Math.random() * 0x7fffffff)) | 1
    const expected = this.weighted ? Math.min(options.maximum, 1024) : options.maximum
    this.sketch = new FrequencySketch(expected)
    this.#setRegions(options.initialWindow ?? INITIAL_WINDOW)
    if (this.#adaptive && !this.weighted) this.#tuner = new WindowTuner(options.maximum)
  }

  #setRegions(windowShare: number): void {
    const max = this.maximum
    this.windowMaximum = this.weighted
      ? max * windowShare
      : Math.max(1, max - Math.floor(max * (1 - windowShare)))
    this.protectedMaximum = PROTECTED_SHARE * (max - this.windowMaximum)
  }

  /**
   * A hit. It sets the slot's referenced bit and counts a deferred hit for the sketch, and
   * moves nothing: queue order is fixed up lazily, when a referenced entry reaches the head
   * of its queue (`#settleHead`). There a referenced window or protected entry goes back to
   * the MRU end, and a referenced probation entry is promoted to protected. So each queue is
   * a second-chance (CLOCK) approximation of LRU, and a probation hit still promotes before
   * the entry can be chosen as a victim; but a hit costs one cache line instead of four.
   */
  #onAccess(slot: number): void {
    const access = this.access
    const bits = access[slot]!
    if ((bits & PENDING_MASK) !== PENDING_MASK) {
      access[slot] = bits + PENDING_ONE + (REFERENCED & ~bits)
      if (this.sketch.recordAddition()) this.#age()
    } else if ((bits & REFERENCED) === 0) access[slot] = bits | REFERENCED
    // Last: moving the window may relink this slot, which rewrites its queue bits.
    if ((bits & SAMPLED) !== 0) this.#sampledAccess(slot)
  }

  /**
   * Gives the referenced entries at the head of `queue` their second chance, so the head is
   * an entry that was not read since it got there (or -1 when the queue is empty). Bounded:
   * each pass clears the bit it acts on.
   */
  #settleHead(queue: number): number {
    const access = this.access
    for (;;) {
      const head = this.heads[queue]!
      if (head === -1) return -1
      const bits = access[head]!
      if ((bits & REFERENCED) === 0) return head
      access[head] = bits & ~REFERENCED
      this.unlink(head)
      if (queue === PROBATION) {
        this.link(head, PROTECTED)
        this.#demoteProtected()
      } else this.link(head, queue)
    }
  }

  /** An access of a key in the tuner's sample: replays it in the shadows, maybe moves the window. */
  #sampledAccess(slot: number): void {
    const share = (this.#tuner as WindowTuner).record(this.#hashOf(slot))
    if (share >= 0) this.#applyWindowShare(share)
  }

  /**
   * The sketch's hash of the key in `slot`, recomputed from the key (a hash column would cost
   * 4 bytes per entry; it is needed only on admission, removal, aging and sampled accesses).
   */
  #hashOf(slot: number): number {
    const owner = this.#owners[this.ns.length > 0 ? this.ns[slot]! : 0] as SlotOwner
    return hashKey(owner.seed, this.keys[slot] as string)
  }

  /** Folds the deferred hits of `slot` into the sketch. */
  #flushPending(slot: number): void {
    const bits = this.access[slot]!
    const pending = bits & PENDING_MASK
    if (pending === 0) return
    this.access[slot] = bits & ~PENDING_MASK
    this.sketch.add(this.#hashOf(slot), pending)
  }

  /** End of a sample period: folds every deferred hit into the sketch, then halves it. */
  #age(): void {
    const access = this.access
    for (let slot = 0; slot < this.top; slot++) {
      if ((access[slot]! & PENDING_MASK) !== 0) this.#flushPending(slot)
    }
    this.sketch.reset()
  }

  #demoteProtected(): void {
    while (this.queueWeight[PROTECTED]! > this.protectedMaximum) {
      const head = this.#settleHead(PROTECTED)
      if (head === -1 || head === this.tails[PROTECTED]) break
      this.unlink(head)
      this.link(head, PROBATION)
    }
  }

  protected override onGrow(capacity: number): void {
    this.#wheel?.grow(capacity)
  }

  // ---- reads and writes --------------------------------------------------------------------

  /** Registers a store; returns its namespace id. */
  register(owner: SlotOwner): number {
    this.#owners.push(owner)
    // The second namespace: slots now need their owner (the existing ones are all owner 0).
    if (this.#owners.length === 2) this.ns = new Int32Array(this.capacity)
    return this.#owners.length - 1
  }

  /** Entries scheduled on the timer wheel (entries with a TTL). */
  get scheduled(): number {
    return this.#wheel?.count ?? 0
  }

  #timers(): TimerWheel {
    if (this.#wheel === undefined) {
      this.#wheel = new TimerWheel(this.capacity, this.#now())
      this.expiresAt = new Float64Array(this.capacity).fill(Number.POSITIVE_INFINITY)
    }
    return this.#wheel
  }

  /** True when the entry in `slot` has a TTL that has run out at `now`. */
  expired(slot: number, now: number): boolean {
    return (this.access[slot]! & HAS_TTL) !== 0 && this.expiresAt[slot]! <= now
  }

  /** A lookup that found `slot`: the entry, or undefined (and removed) when it has expired. */
  read(slot: number): E | undefined {
    let sweepAt = -1
    if ((this.access[slot]! & HAS_TTL) !== 0) {
      const expiresAt = this.expiresAt[slot]!
      const now = this.#now()
      if (expiresAt <= now) {
        this.remove(slot, 'expired')
        this.flush()
        return undefined
      }
      if ((++this.#reads & 63) === 0) sweepAt = now
    }
    this.#onAccess(slot)
    const entry = this.entries[slot]
    if (sweepAt !== -1) {
      // Now and then a read of a TTL entry advances the timer wheel too (after the read is
      // done with `slot`: the listener may change the cache).
      this.sweep(sweepAt)
      this.flush()
    }
    return entry
  }

  /** Inserts a new entry (the key must be absent from `owner`); returns its slot. */
  insert(
    owner: number,
    hash: number,
    key: string,
    entry: E,
    weight: number,
    expiresAt: number,
    tags: readonly string[] | undefined,
  ): number {
    const slot = this.allocate()
    this.keys[slot] = key
    this.entries[slot] = entry
    if (tags !== undefined || slot < this.tags.length) this.tags[slot] = tags
    if (this.ns.length > 0) this.ns[slot] = owner
    // One deferred occurrence: the insert itself.
    const tuner = this.#tuner
    const sampled = tuner?.samples(hash)
    this.access[slot] =
      (expiresAt !== Number.POSITIVE_INFINITY ? HAS_TTL : 0) | (sampled ? SAMPLED : 0) | PENDING_ONE
    if (this.weighted) this.weight[slot] = weight
    if (expiresAt !== Number.POSITIVE_INFINITY) {
      const wheel = this.#timers()
      this.expiresAt[slot] = expiresAt
      wheel.schedule(slot, expiresAt)
    }
    this.link(slot, WINDOW)
    this.size++
    this.totalWeight += weight
    if (this.#bytesOf !== undefined) this.bytes += this.#bytesOf(entry)
    if (this.weighted && this.size > this.sketch.sampleSize / 10) {
      this.sketch.ensureCapacity(this.size * 2)
    }
    if (this.sketch.recordAddition()) this.#age()
    if (sampled) {
      const share = (tuner as WindowTuner).record(hash)
      if (share >= 0) this.#applyWindowShare(share)
    }
    return slot
  }

  /** Tags of the entry in `slot`. */
  tagsOf(slot: number): readonly string[] | undefined {
    return slot < this.tags.length ? this.tags[slot] : undefined
  }

  /** Sets the tags of the entry in `slot` (the store keeps its index in step). */
  setTags(slot: number, tags: readonly string[] | undefined): void {
    if (tags === undefined && this.tagsOf(slot) === undefined) return
    this.tags[slot] = tags
  }

  /**
   * The common overwrite: replaces the entry in `slot` when neither the old nor the new entry
   * has a TTL or tags and entries are not weighed, with nothing else to update (no timer, tag
   * index, weight or eviction). Returns the old entry, or undefined when the case does not apply
   * (then the caller takes the general path).
   */
  overwritePlain(slot: number, entry: E): E | undefined {
    if (this.weighted || (this.access[slot]! & HAS_TTL) !== 0 || this.tagsOf(slot) !== undefined) {
      return undefined
    }
    const old = this.entries[slot] as E
    this.entries[slot] = entry
    if (this.#bytesOf !== undefined) this.bytes += this.#bytesOf(entry) - this.#bytesOf(old)
    this.#onAccess(slot)
    return old
  }

  /** Replaces the entry in `slot` (same key); the caller re-tags. */
  update(slot: number, entry: E, weight: number, expiresAt: number): E {
    const old = this.entries[slot] as E
    this.entries[slot] = entry
    if (this.#bytesOf !== undefined) this.bytes += this.#bytesOf(entry) - this.#bytesOf(old)
    if (this.weighted) {
      const delta = weight - this.weight[slot]!
      this.weight[slot] = weight
      this.queueWeight[this.queueOf(slot)]! += delta
      this.totalWeight += delta
    }
    const hadTtl = (this.access[slot]! & HAS_TTL) !== 0
    if (hadTtl || expiresAt !== Number.POSITIVE_INFINITY) {
      const wheel = this.#timers()
      if (!hadTtl || this.expiresAt[slot] !== expiresAt) {
        wheel.cancel(slot)
        this.expiresAt[slot] = expiresAt
        const hasTtl = expiresAt !== Number.POSITIVE_INFINITY
        this.access[slot] = (this.access[slot]! & ~HAS_TTL) | (hasTtl ? HAS_TTL : 0)
        if (hasTtl) wheel.schedule(slot, expiresAt)
      }
    }
    this.#onAccess(slot)
    return old
  }

  /** Removes `slot` from its owner, its queue and the wheel, and frees it. */
  remove(slot: number, removal: RemovalCause): void {
    const cause: DeletionCause = removal === 'tag' || removal === 'clear' ? 'explicit' : removal
    const owner = this.#owners[this.ns.length > 0 ? this.ns[slot]! : 0] as SlotOwner
    const key = this.keys[slot] as string
    const tags = this.tagsOf(slot)
    owner.forget(key, slot, tags)
    this.#flushPending(slot)
    this.unlink(slot)
    if ((this.access[slot]! & HAS_TTL) !== 0) {
      this.#wheel?.cancel(slot)
      this.expiresAt[slot] = Number.POSITIVE_INFINITY
    }
    this.size--
    this.removals[cause]++
    this.totalWeight -= this.weightOf(slot)
    if (this.#bytesOf !== undefined) this.bytes -= this.#bytesOf(this.entries[slot] as E)
    if (this.#onDeletion !== undefined || owner.wantsRemovals()) {
      this.#queue(owner, key, cause, removal)
    }
    this.keys[slot] = undefined
    this.entries[slot] = undefined
    if (tags !== undefined) this.tags[slot] = undefined
    this.access[slot] = 0
    this.meta[slot * META + NEXT] = this.freeHead
    this.freeHead = slot
  }

  /** Queues a deletion event for the listener (delivered by `flush`). */
  notify(owner: SlotOwner, key: string, cause: DeletionCause): void {
    this.removals[cause]++
    if (this.#onDeletion !== undefined || owner.wantsRemovals()) {
      this.#queue(owner, key, cause, cause)
    }
  }

  #queue(owner: SlotOwner, key: string, cause: DeletionCause, removal: RemovalCause): void {
    this.#pending.push({ namespace: owner.namespace, key, cause })
    this.#pendingOwners.push(owner.wantsRemovals() ? owner : undefined)
    this.#pendingCauses.push(removal)
  }

  /** Tells the listener about removals, once the structures are consistent again. */
  flush(): void {
    const pending = this.#pending
    if (pending.length === 0 || this.#flushing) return
    const listener = this.#onDeletion
    const owners = this.#pendingOwners
    const causes = this.#pendingCauses
    this.#flushing = true
    try {
      for (let i = 0; i < pending.length; i++) {
        const event = pending[i] as DeletionEvent
        try {
          listener?.(event)
        } catch {
          // A failing listener must not break the cache; its error is dropped.
        }
        const owner = owners[i]
        try {
          owner?.removalListener?.(event.key, causes[i] as RemovalCause)
        } catch {
          // Same for a store's listener.
        }
      }
    } finally {
      pending.length = 0
      owners.length = 0
      causes.length = 0
      this.#flushing = false
    }
  }

  /** Expires what the timer wheel says is due (bounded: only the buckets time has passed). */
  sweep(now: number): void {
    const wheel = this.#wheel
    if (wheel === undefined || wheel.count === 0 || !wheel.due(now)) return
    wheel.advance(
      now,
      (slot) => this.expiresAt[slot]!,
      (slot) => this.remove(slot, 'expired'),
    )
  }

  // ---- eviction ----------------------------------------------------------------------------

  /**
   * Moves the window's overflow to the MRU end of probation, where it forms the run of
   * admission candidates, then evicts until the bound holds: each candidate is weighed against
   * probation's LRU entry (the victim) and the less frequent of the two goes.
   */
  evict(): void {
    if (this.#tuner === undefined && this.#adaptive && this.totalWeight > this.maximum) {
      this.#tuner = new WindowTuner(this.size)
    }
    let candidate = -1
    let candidates = 0
    while (this.queueWeight[WINDOW]! > this.windowMaximum) {
      const head = this.#settleHead(WINDOW)
      if (head === -1) break
      this.unlink(head)
      this.link(head, PROBATION)
      if (candidate === -1) candidate = head
      candidates++
    }
    while (this.totalWeight > this.maximum && this.size > 0) {
      let victim = this.#settleHead(PROBATION)
      if (victim === -1) victim = this.#settleHead(PROTECTED)
      if (victim === -1) victim = this.#settleHead(WINDOW)
      if (candidates === 0 || victim === candidate || this.queueOf(candidate) !== PROBATION) {
        if (victim === candidate) {
          candidate = this.nextOf(candidate)
          candidates--
        }
        this.#evictSlot(victim)
      } else if (this.weightOf(candidate) > this.maximum || !this.#admit(candidate, victim)) {
        const next = this.nextOf(candidate)
        this.#evictSlot(candidate)
        candidate = next
        candidates--
      } else {
        this.#evictSlot(victim)
      }
      if (candidates <= 0 || candidate === -1) {
        candidates = 0
        candidate = -1
      }
    }
  }

  #evictSlot(slot: number): void {
    const expired = (this.access[slot]! & HAS_TTL) !== 0 && this.expiresAt[slot]! <= this.#now()
    this.remove(slot, expired ? 'expired' : 'evicted')
  }

  #admit(candidate: number, victim: number): boolean {
    this.#flushPending(candidate)
    this.#flushPending(victim)
    const candidateHash = this.#hashOf(candidate)
    const victimHash = this.#hashOf(victim)
    const victimFrequency = this.sketch.frequency(victimHash)
    const candidateFrequency = this.sketch.frequency(candidateHash)
    if (candidateFrequency > victimFrequency) return true
    if (candidateFrequency < HASHDOS_THRESHOLD) return false
    let x = this.#random
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.#random = x
    return (x & 127) === 0
  }

  /** Changes the bound, keeping the current window share, and evicts down to it. */
  resize(maximum: number): void {
    const share = this.maximum > 0 ? this.windowMaximum / this.maximum : INITIAL_WINDOW
    this.maximum = maximum
    this.sketch.ensureCapacity(this.weighted ? Math.min(maximum, 1024) : maximum)
    this.#setRegions(share)
    // A weight bound's tuner is sized from the entry count at the next eviction.
    if (this.#tuner !== undefined)
      this.#tuner = this.weighted ? undefined : new WindowTuner(maximum)
    this.#demoteProtected()
    this.evict()
  }

  // ---- window tuning ---------------------------------------------------------------------

  /** Moves the window towards `share` of the maximum (at most `TRANSFER_LIMIT` entries now). */
  #applyWindowShare(share: number): void {
    const max = this.maximum
    const target = this.weighted ? max * share : Math.max(1, max - Math.floor(max * (1 - share)))
    const delta = target - this.windowMaximum
    if (delta > 0) this.#increaseWindow(delta)
    else if (delta < 0) this.#decreaseWindow(-delta)
  }

  #increaseWindow(amount: number): void {
    if (this.protectedMaximum <= 0) return
    let quota = Math.min(amount, this.protectedMaximum)
    this.protectedMaximum -= quota
    this.windowMaximum += quota
    this.#demoteProtected()
    for (let i = 0; i < TRANSFER_LIMIT; i++) {
      let slot = this.heads[PROBATION]!
      if (slot === -1 || quota < this.weightOf(slot)) slot = this.heads[PROTECTED]!
      if (slot === -1 || quota < this.weightOf(slot)) break
      quota -= this.weightOf(slot)
      this.unlink(slot)
      this.link(slot, WINDOW)
    }
    this.protectedMaximum += quota
    this.windowMaximum -= quota
  }

  #decreaseWindow(amount: number): void {
    if (this.windowMaximum <= 1) return
    let quota = Math.min(amount, Math.max(0, this.windowMaximum - 1))
    this.protectedMaximum += quota
    this.windowMaximum -= quota
    for (let i = 0; i < TRANSFER_LIMIT; i++) {
      const slot = this.heads[WINDOW]!
      if (slot === -1 || quota < this.weightOf(slot)) break
      quota -= this.weightOf(slot)
      this.unlink(slot)
      this.link(slot, PROBATION)
    }
    this.protectedMaximum -= quota
    this.windowMaximum += quota
  }

  /** Drops everything without notifying (provider close). */
  clear(): void {
    this.resetSlots()
    this.bytes = 0
    this.#wheel?.clear()
    if (this.expiresAt.length > 0) this.expiresAt.fill(Number.POSITIVE_INFINITY)
    this.#pending.length = 0
    this.#pendingOwners.length = 0
    this.#pendingCauses.length = 0
  }
}

/**
 * Reference eviction policies for the hit-ratio bench, written for clarity over speed: exact
 * LRU, ARC, a static W-TinyLFU and Belady's OPT. Each replays a key trace cache-aside (a hit is
 * a read of a resident key; a miss inserts it) and returns the hit ratio.
 */

/** Hit ratio of an exact LRU (a `Map` in access order): the independent check of lru-cache. */
export function replayLru(keys: readonly string[], size: number): number {
  const cache = new Map<string, true>()
  let hits = 0
  for (const key of keys) {
    if (cache.delete(key)) hits++
    else if (cache.size >= size) cache.delete(cache.keys().next().value as string)
    cache.set(key, true)
  }
  return hits / keys.length
}

/**
 * Hit ratio of ARC (Megiddo & Modha, FAST 2003), as in the paper's figure 4: T1 (seen once
 * recently) and T2 (seen at least twice) hold `size` keys between them; the ghost lists B1 and
 * B2 remember the keys recently evicted from each, and a ghost hit moves the target size `p`
 * of T1 towards the list that would have kept it.
 */
export function replayArc(keys: readonly string[], size: number): number {
  const t1 = new Map<string, true>()
  const t2 = new Map<string, true>()
  const b1 = new Map<string, true>()
  const b2 = new Map<string, true>()
  const lruOf = (m: Map<string, true>) => m.keys().next().value as string
  let p = 0
  const replace = (inB2: boolean) => {
    if (t1.size > 0 && (t1.size > p || (inB2 && t1.size === p))) {
      const k = lruOf(t1)
      t1.delete(k)
      b1.set(k, true)
    } else {
      const k = lruOf(t2)
      t2.delete(k)
      b2.set(k, true)
    }
  }
  let hits = 0
  for (const key of keys) {
    if (t1.delete(key) || t2.delete(key)) {
      hits++
      t2.set(key, true)
    } else if (b1.has(key)) {
      p = Math.min(size, p + Math.max(b2.size / b1.size, 1))
      replace(false)
      b1.delete(key)
      t2.set(key, true)
    } else if (b2.has(key)) {
      p = Math.max(0, p - Math.max(b1.size / b2.size, 1))
      replace(true)
      b2.delete(key)
      t2.set(key, true)
    } else {
      const l1 = t1.size + b1.size
      if (l1 === size) {
        if (t1.size < size) {
          b1.delete(lruOf(b1))
          replace(false)
        } else t1.delete(lruOf(t1))
      } else if (l1 < size && l1 + t2.size + b2.size >= size) {
        if (l1 + t2.size + b2.size === 2 * size) b2.delete(lruOf(b2))
        replace(false)
      }
      t1.set(key, true)
    }
  }
  return hits / keys.length
}

/**
 * Hit ratio of Belady's optimal policy (OPT) at `size`: on a miss with the cache full, the
 * resident key (or the new one) whose next use is farthest away is dropped. Offline (it reads
 * the future), so it is the ceiling for any policy at that size; O(n log n) with a max-heap of
 * next uses (stale heap entries are skipped lazily).
 */
export function replayOptimal(keys: readonly string[], size: number): number {
  const n = keys.length
  const next = new Int32Array(n)
  const seen = new Map<string, number>()
  for (let i = n - 1; i >= 0; i--) {
    const key = keys[i] as string
    next[i] = seen.get(key) ?? n + i // never again: farther than any real use, ties broken
    seen.set(key, i)
  }
  // Max-heap of [next use, key], one node per resident key and access (stale ones skipped).
  const heapUse: number[] = []
  const heapKey: string[] = []
  const swap = (a: number, b: number) => {
    const u = heapUse[a] as number
    heapUse[a] = heapUse[b] as number
    heapUse[b] = u
    const k = heapKey[a] as string
    heapKey[a] = heapKey[b] as string
    heapKey[b] = k
  }
  const push = (use: number, key: string) => {
    let i = heapUse.push(use) - 1
    heapKey.push(key)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((heapUse[parent] as number) >= use) break
      swap(parent, i)
      i = parent
    }
  }
  const pop = () => {
    const last = heapUse.length - 1
    swap(0, last)
    heapUse.pop()
    heapKey.pop()
    for (let i = 0; ; ) {
      const l = 2 * i + 1
      let m = i
      if (l < last && (heapUse[l] as number) > (heapUse[m] as number)) m = l
      if (l + 1 < last && (heapUse[l + 1] as number) > (heapUse[m] as number)) m = l + 1
      if (m === i) break
      swap(m, i)
      i = m
    }
  }
  /** Resident keys and their next use. */
  const cache = new Map<string, number>()
  let hits = 0
  for (let i = 0; i < n; i++) {
    const key = keys[i] as string
    if (cache.has(key)) hits++
    else if (cache.size >= size) {
      while (cache.get(heapKey[0] as string) !== heapUse[0]) pop()
      // Keep the new key only if some resident key is needed later than it.
      if ((heapUse[0] as number) < next[i]!) continue
      cache.delete(heapKey[0] as string)
      pop()
    }
    cache.set(key, next[i]!)
    push(next[i]!, key)
  }
  return hits / n
}

/**
 * A textbook W-TinyLFU, kept deliberately simple as a reference: exact LRU queues (Map order),
 * a static 1% window, an 80% protected segment, and a count-min sketch of four rows of 4-bit
 * counters (saturating at 15) halved every 10 × size increments. No hill climbing.
 */
export function replayPlainWTinyLfu(keys: readonly string[], size: number): number {
  const width = 1 << Math.ceil(Math.log2(Math.max(16, size * 4)))
  const rows = [
    new Uint8Array(width),
    new Uint8Array(width),
    new Uint8Array(width),
    new Uint8Array(width),
  ]
  const seeds = [0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f]
  const hashes = new Map<string, number[]>()
  const sample = 10 * size
  let additions = 0
  const indexes = (key: string) => {
    let cached = hashes.get(key)
    if (cached === undefined) {
      let h = 0x811c9dc5
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
      cached = seeds.map((seed) => {
        let x = Math.imul(h ^ seed, 0x85ebca6b)
        x ^= x >>> 13
        x = Math.imul(x, 0xc2b2ae35)
        x ^= x >>> 16
        return x & (width - 1)
      })
      hashes.set(key, cached)
    }
    return cached
  }
  const increment = (key: string) => {
    const idx = indexes(key)
    let added = false
    for (let r = 0; r < 4; r++) {
      const row = rows[r]!
      if (row[idx[r]!]! < 15) {
        row[idx[r]!]!++
        added = true
      }
    }
    if (added && ++additions >= sample) {
      for (const row of rows) for (let i = 0; i < width; i++) row[i] = row[i]! >>> 1
      additions >>>= 1
    }
  }
  const frequency = (key: string) => {
    const idx = indexes(key)
    let min = 15
    for (let r = 0; r < 4; r++) min = Math.min(min, rows[r]![idx[r]!]!)
    return min
  }
  const windowMax = Math.max(1, size - Math.floor(size * 0.99))
  const protectedMax = Math.floor(0.8 * (size - windowMax))
  const window = new Map<string, true>()
  const probation = new Map<string, true>()
  const protectedSeg = new Map<string, true>()
  const first = (m: Map<string, true>) => m.keys().next().value as string
  let hits = 0
  for (const key of keys) {
    increment(key)
    if (window.has(key)) {
      hits++
      window.delete(key)
      window.set(key, true)
    } else if (probation.has(key)) {
      hits++
      probation.delete(key)
      protectedSeg.set(key, true)
      if (protectedSeg.size > protectedMax) {
        const demoted = first(protectedSeg)
        protectedSeg.delete(demoted)
        probation.set(demoted, true)
      }
    } else if (protectedSeg.has(key)) {
      hits++
      protectedSeg.delete(key)
      protectedSeg.set(key, true)
    } else {
      window.set(key, true)
      if (window.size > windowMax) {
        const candidate = first(window)
        window.delete(candidate)
        if (probation.size + protectedSeg.size < size - windowMax) probation.set(candidate, true)
        else {
          const victim = first(probation.size > 0 ? probation : protectedSeg)
          if (frequency(candidate) > frequency(victim)) {
            probation.delete(victim)
            protectedSeg.delete(victim)
            probation.set(candidate, true)
          }
        }
      }
    }
  }
  return hits / keys.length
}

import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import type { LiveEntry, LiveStore } from '@cacheport/core'
import { memoryProvider } from '@cacheport/provider-memory'
import { LRUCache } from 'lru-cache'

/** Key trace formats: `lirs` = one integer key per line; `u32be` = big-endian uint32 keys. */
export type TraceFormat = 'lirs' | 'u32be'

/** The shared trace directory (`<repo>/../shared/traces`). */
export const DEFAULT_TRACE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/traces',
)

/** Reads a trace (gzip or plain) into its keys, as strings. */
export function readTrace(file: string, format: TraceFormat): string[] {
  let bytes: Buffer = readFileSync(file)
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes)
  if (format === 'u32be') {
    if (bytes.length % 4 !== 0) {
      throw new Error(`${file}: ${bytes.length} bytes is not a whole number of uint32 keys`)
    }
    const keys = new Array<string>(bytes.length / 4)
    for (let i = 0; i < keys.length; i++) keys[i] = String(bytes.readUInt32BE(i * 4))
    return keys
  }
  const keys: string[] = []
  for (const line of bytes.toString('latin1').split('\n')) {
    const key = line.trim()
    // LIRS traces may carry comment or marker lines ('*', '#'): keep integer keys only.
    if (key.length > 0 && /^-?\d+$/.test(key)) keys.push(key)
  }
  return keys
}

/** Guesses the format from the file name: `.u32be` anywhere means u32be, else lirs. */
export function guessFormat(file: string): TraceFormat {
  return /\.u32be(\.|$)/.test(basename(file)) ? 'u32be' : 'lirs'
}

const ENTRY: LiveEntry = {
  value: 1,
  createdAt: 0,
  expiresAt: undefined,
  staleUntil: undefined,
  negative: false,
}

/** Hit ratio of the cacheport memory provider (live store, cache-aside: get, set on miss). */
export function replayCacheport(
  keys: readonly string[],
  size: number,
  tuning?: { adaptive?: boolean; initialWindow?: number },
): number {
  const provider = memoryProvider({
    values: 'live',
    maximumSize: size,
    tuning: { seed: 42, ...tuning },
  })
  const store = provider.openStore({ namespace: 'trace' }) as LiveStore
  let hits = 0
  for (const key of keys) {
    if (store.get(key) !== undefined) hits++
    else store.set(key, ENTRY)
  }
  return hits / keys.length
}

/** Hit ratio of lru-cache 11 at the same size. */
export function replayLruCache(keys: readonly string[], size: number): number {
  const lru = new LRUCache<string, number>({ max: size })
  let hits = 0
  for (const key of keys) {
    if (lru.get(key) !== undefined) hits++
    else lru.set(key, 1)
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

export interface HitRatioResult {
  readonly trace: string
  readonly size: number
  readonly accesses: number
  readonly hitRatio: Record<string, number>
  /** Reference hit ratios (0-1) from the trace README, when known. */
  readonly reference?: { readonly lru: number; readonly opt: number }
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000

/**
 * Replays one trace through every policy. `plain` adds the reference W-TinyLFU
 * (`replayPlainWTinyLfu`) and cacheport's policy with its window frozen at 1%; `opt` computes
 * the LRU and OPT references (`replayOptimal`) instead of taking them from a README.
 */
export function simulate(
  file: string,
  format: TraceFormat,
  size: number,
  plain = false,
  opt = false,
): HitRatioResult {
  const keys = readTrace(file, format)
  const lru = round4(replayLruCache(keys, size))
  const hitRatio: Record<string, number> = {
    cacheport: round4(replayCacheport(keys, size)),
    'lru-cache': lru,
  }
  if (plain) {
    hitRatio['w-tinylfu (reference)'] = round4(replayPlainWTinyLfu(keys, size))
    hitRatio['cacheport (window frozen)'] = round4(replayCacheport(keys, size, { adaptive: false }))
  }
  const result = { trace: basename(file), size, accesses: keys.length, hitRatio }
  // lru-cache is an exact LRU, so it serves as the LRU reference next to the computed OPT.
  return opt ? { ...result, reference: { lru, opt: round4(replayOptimal(keys, size)) } } : result
}

export interface TraceSpec {
  readonly name: string
  readonly file: string
  readonly format: TraceFormat
  readonly size: number
  readonly lru: number
  readonly opt: number
}

/**
 * The traces of a directory whose README has a `| trace | size | LRU | OPT |` table (ratios in
 * percent); each row's file is the one named `<trace>.*` in the directory.
 */
export function readTraceDir(dir: string): TraceSpec[] {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8')
  const files = readdirSync(dir).filter((f) => f !== 'README.md' && !f.startsWith('LICENSE'))
  const specs: TraceSpec[] = []
  let inTable = false
  for (const line of readme.split('\n')) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim())
    if (cells.length === 4 && cells[0] === 'trace' && cells[1] === 'size') {
      inTable = true
      continue
    }
    if (!inTable) continue
    if (cells.length !== 4) {
      if (specs.length > 0) break
      continue
    }
    const [name = '', size = '', lru = '', opt = ''] = cells
    if (!/^\d+$/.test(size)) continue
    const file = files.find((f) => f.startsWith(`${name}.`))
    if (file === undefined) throw new Error(`${dir}: no file for trace '${name}'`)
    specs.push({
      name,
      file: join(dir, file),
      format: guessFormat(file),
      size: Number(size),
      lru: Number(lru) / 100,
      opt: Number(opt) / 100,
    })
  }
  if (specs.length === 0)
    throw new Error(`${dir}/README.md: no '| trace | size | LRU | OPT |' table`)
  return specs
}

const pct = (x: number | undefined) => (x === undefined ? '-' : (x * 100).toFixed(2))

/** The results as a table: one row per trace, one column per policy, plus references. */
export function formatHitRatios(results: readonly HitRatioResult[]): string {
  const policies = [...new Set(results.flatMap((r) => Object.keys(r.hitRatio)))]
  const withRef = results.some((r) => r.reference !== undefined)
  const header = [
    'trace',
    'size',
    'accesses',
    ...policies,
    ...(withRef ? ['LRU (ref)', 'OPT (ref)', 'gap closed'] : []),
  ]
  const rows = results.map((r) => [
    r.trace,
    String(r.size),
    String(r.accesses),
    ...policies.map((p) => pct(r.hitRatio[p])),
    ...(withRef
      ? [
          pct(r.reference?.lru),
          pct(r.reference?.opt),
          r.reference === undefined
            ? '-'
            : `${((100 * ((r.hitRatio.cacheport ?? 0) - r.reference.lru)) / (r.reference.opt - r.reference.lru)).toFixed(0)}%`,
        ]
      : []),
  ])
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((c) => (c[i] as string).length)),
  )
  const line = (c: readonly string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

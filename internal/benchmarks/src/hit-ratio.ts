import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import type { LiveEntry, LiveStore } from '@cacheport/core'
import { memoryProvider } from '@cacheport/provider-memory'
import { LRUCache } from 'lru-cache'
import { replayArc, replayLru, replayOptimal, replayPlainWTinyLfu } from './reference-policies.js'

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

// ---- size sweep ----------------------------------------------------------------------------

/** Multiples of each README size the sweep replays. */
export const SWEEP_FACTORS = [0.25, 0.5, 1, 2, 4] as const

/** One trace at one size: every policy's hit ratio (0-1), and cacheport against the best. */
export interface SweepCell {
  readonly trace: string
  readonly factor: number
  readonly size: number
  readonly hitRatio: {
    readonly cacheport: number
    readonly 'lru-cache': number
    readonly lru: number
    readonly 'w-tinylfu': number
    readonly arc: number
    readonly opt: number
  }
  /** The best online reference (LRU, static W-TinyLFU, ARC) and its hit ratio. */
  readonly best: { readonly name: string; readonly hitRatio: number }
  /** cacheport minus the best online reference, in points. */
  readonly delta: number
}

/**
 * Replays one trace at `factors` × its README size through cacheport, lru-cache, an exact LRU,
 * the static W-TinyLFU, ARC and OPT.
 */
export function sweepTrace(
  spec: TraceSpec,
  factors: readonly number[] = SWEEP_FACTORS,
): SweepCell[] {
  const keys = readTrace(spec.file, spec.format)
  return factors.map((factor) => {
    const size = Math.max(1, Math.round(spec.size * factor))
    const hitRatio = {
      cacheport: replayCacheport(keys, size),
      'lru-cache': replayLruCache(keys, size),
      lru: replayLru(keys, size),
      'w-tinylfu': replayPlainWTinyLfu(keys, size),
      arc: replayArc(keys, size),
      opt: replayOptimal(keys, size),
    }
    const online = [
      ['LRU', hitRatio.lru],
      ['W-TinyLFU', hitRatio['w-tinylfu']],
      ['ARC', hitRatio.arc],
    ] as const
    const [name, best] = online.reduce((a, b) => (b[1] > a[1] ? b : a))
    return {
      trace: spec.name,
      factor,
      size,
      hitRatio,
      best: { name, hitRatio: best },
      delta: 100 * (hitRatio.cacheport - best),
    }
  })
}

/**
 * The correctness gates of the replay: lru-cache and the exact `Map` LRU agree at every size,
 * and at the README size both reproduce the README's LRU reference (to its two decimals).
 * Returns one message per failed gate (empty when all hold).
 */
export function checkReplay(specs: readonly TraceSpec[], cells: readonly SweepCell[]): string[] {
  const failures: string[] = []
  for (const cell of cells) {
    const where = `${cell.trace}@${cell.size}`
    if (cell.hitRatio['lru-cache'] !== cell.hitRatio.lru) {
      failures.push(
        `${where}: lru-cache ${pct(cell.hitRatio['lru-cache'])}% != LRU ${pct(cell.hitRatio.lru)}%`,
      )
    }
    const spec = specs.find((s) => s.name === cell.trace)
    if (
      spec !== undefined &&
      cell.size === spec.size &&
      Math.abs(cell.hitRatio.lru - spec.lru) > 0.00005
    ) {
      failures.push(`${where}: LRU ${pct(cell.hitRatio.lru)}% != README ${pct(spec.lru)}%`)
    }
    if (cell.hitRatio.cacheport > cell.hitRatio.opt + 1e-12) {
      failures.push(
        `${where}: cacheport ${pct(cell.hitRatio.cacheport)}% beats OPT ${pct(cell.hitRatio.opt)}%`,
      )
    }
  }
  return failures
}

/** The sweep as one table: a row per trace and size, cacheport minus the best reference. */
export function formatSweep(cells: readonly SweepCell[]): string {
  const header = [
    'trace',
    '×',
    'size',
    'cacheport',
    'LRU',
    'W-TinyLFU',
    'ARC',
    'OPT',
    'best',
    'Δ points',
  ]
  const rows = cells.map((c) => [
    c.trace,
    String(c.factor),
    String(c.size),
    pct(c.hitRatio.cacheport),
    pct(c.hitRatio.lru),
    pct(c.hitRatio['w-tinylfu']),
    pct(c.hitRatio.arc),
    pct(c.hitRatio.opt),
    c.best.name,
    `${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(2)}`,
  ])
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((c) => (c[i] as string).length)),
  )
  const line = (c: readonly string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

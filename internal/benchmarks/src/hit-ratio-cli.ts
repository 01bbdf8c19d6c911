import { parseArgs } from 'node:util'
import {
  checkReplay,
  DEFAULT_TRACE_DIR,
  formatHitRatios,
  formatSweep,
  guessFormat,
  type HitRatioResult,
  readTraceDir,
  SWEEP_FACTORS,
  simulate,
  sweepTrace,
  type TraceFormat,
} from './hit-ratio.js'

/**
 * npm run bench:hit-ratio -- [--trace FILE --format lirs|u32be --size N [--opt]] [--dir DIR] [--plain] [--json]
 *
 * With --trace: replays one trace through cacheport's policy and lru-cache at --size entries.
 * Without: every trace of the README table of --dir (default ../shared/traces), at its size,
 * next to the README's LRU and OPT references. --plain adds a non-adaptive W-TinyLFU column.
 * --opt (with --trace) computes the OPT (Belady) reference, so the share of the LRU→OPT gap
 * closed is shown for any trace.
 *
 * Without --trace it then replays every trace at 0.25×, 0.5×, 1×, 2× and 4× its README size
 * through cacheport, LRU, the static W-TinyLFU, ARC and OPT, prints one table with cacheport
 * minus the best online reference in points, and checks its correctness gates (lru-cache equals
 * an exact LRU at every size and the README's LRU at its size; nothing beats OPT). A failed
 * gate prints why and exits with code 1.
 */
const { values } = parseArgs({
  options: {
    trace: { type: 'string' },
    format: { type: 'string' },
    size: { type: 'string' },
    dir: { type: 'string' },
    plain: { type: 'boolean', default: false },
    opt: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
})

function fail(message: string): never {
  console.error(`bench:hit-ratio: ${message}`)
  process.exit(2)
}

if (values.trace !== undefined) {
  const format = (values.format ?? guessFormat(values.trace)) as TraceFormat
  if (format !== 'lirs' && format !== 'u32be') fail(`--format must be lirs or u32be, got ${format}`)
  const size = Number(values.size)
  if (!Number.isSafeInteger(size) || size < 1) fail('--size must be a positive integer')
  const result = simulate(values.trace, format, size, values.plain, values.opt)
  if (values.json) console.log(JSON.stringify(result))
  else console.log(formatHitRatios([result]))
} else {
  const specs = readTraceDir(values.dir ?? DEFAULT_TRACE_DIR)
  const results: HitRatioResult[] = specs.map((s) => ({
    ...simulate(s.file, s.format, s.size, values.plain),
    reference: { lru: s.lru, opt: s.opt },
  }))
  if (values.json) console.log(JSON.stringify(results))
  else {
    console.log(`hit ratio (%) by policy, cache-aside replay (get, set on miss)\n`)
    console.log(formatHitRatios(results))
    const closed = results.map((r) => {
      const ref = r.reference as { lru: number; opt: number }
      return ((r.hitRatio.cacheport ?? 0) - ref.lru) / (ref.opt - ref.lru)
    })
    const mean = closed.reduce((a, b) => a + b, 0) / closed.length
    console.log(`\nmean share of the LRU→OPT gap closed by cacheport: ${(mean * 100).toFixed(1)}%`)
  }
  const cells = specs.flatMap((s) => sweepTrace(s, SWEEP_FACTORS))
  const failures = checkReplay(specs, cells)
  if (values.json) console.log(JSON.stringify(cells))
  else {
    console.log(`\nsize sweep: hit ratio (%) at ${SWEEP_FACTORS.join('×, ')}× each README size`)
    console.log('Δ = cacheport minus the best of LRU, W-TinyLFU (static 1% window) and ARC\n')
    console.log(formatSweep(cells))
    const misses = cells.filter((c) => c.delta < -1)
    console.log(
      `\ncells below -1.0 point: ${misses.length === 0 ? 'none' : misses.map((c) => `${c.trace}@${c.size} (${c.delta.toFixed(2)})`).join(', ')}`,
    )
  }
  if (failures.length > 0) {
    for (const f of failures) console.error(`bench:hit-ratio: gate failed: ${f}`)
    process.exit(1)
  }
  if (!values.json)
    console.log('correctness gates: lru-cache = exact LRU at every size = README LRU; all pass')
}

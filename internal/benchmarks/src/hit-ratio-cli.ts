import { parseArgs } from 'node:util'
import {
  DEFAULT_TRACE_DIR,
  formatHitRatios,
  guessFormat,
  type HitRatioResult,
  readTraceDir,
  simulate,
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
}

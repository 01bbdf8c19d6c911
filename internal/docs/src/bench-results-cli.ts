import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

// Reruns one bench of internal/benchmarks with --json and stores its rows where the docs
// site's charts are drawn from: npm run bench:results -- --only memory-get --rounds 1
const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'memory-get' },
    rounds: { type: 'string', default: '1' },
  },
})
const benchmarks = dirname(
  createRequire(import.meta.url).resolve('@cacheport/benchmarks/package.json'),
)
const json = execFileSync(
  process.execPath,
  [join(benchmarks, 'dist/run.js'), '--only', values.only, '--rounds', values.rounds, '--json'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
)
const rows: unknown = JSON.parse(json)
if (!Array.isArray(rows) || rows.length === 0)
  throw new Error(`the bench printed no rows: does a bench name start with --only ${values.only}?`)
const file = fileURLToPath(new URL(`../bench-results/${values.only}.json`, import.meta.url))
writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`)
console.log(`${rows.length} rows -> ${file}`)

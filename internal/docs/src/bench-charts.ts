import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** One row of `internal/benchmarks`' `run.js --json` output (the fields a chart uses). */
export interface BenchRow {
  readonly bench: string
  readonly subject: string
  readonly seed: number
  readonly node: string
  readonly rounds: number
  readonly medianOpsPerSec: number
  readonly minOpsPerSec: number
  readonly maxOpsPerSec: number
}

/** A bench's rows, as read from one results file. */
export interface BenchResults {
  /** The results file, relative to its directory (`memory-get.json`). */
  readonly file: string
  readonly bench: string
  readonly rows: readonly BenchRow[]
}

function isRow(value: unknown): value is BenchRow {
  const r = value as Record<string, unknown>
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.bench === 'string' &&
    typeof r.subject === 'string' &&
    typeof r.node === 'string' &&
    typeof r.seed === 'number' &&
    typeof r.rounds === 'number' &&
    [r.medianOpsPerSec, r.minOpsPerSec, r.maxOpsPerSec].every(
      (n) => typeof n === 'number' && Number.isFinite(n) && n >= 0,
    )
  )
}

/**
 * Reads every `*.json` results file of `dir` (the output of `run.js --json`), grouped by bench.
 * Throws an Error naming the file and row when a file is not an array of result rows.
 */
export function readBenchResults(dir: string): BenchResults[] {
  const results: BenchResults[] = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const data: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    if (!Array.isArray(data) || data.length === 0)
      throw new Error(`${file}: expected a non-empty array of benchmark rows (run.js --json)`)
    data.forEach((row, i) => {
      if (!isRow(row)) throw new Error(`${file}: row ${i} is not a benchmark result row`)
    })
    const rows = data as BenchRow[]
    for (const bench of [...new Set(rows.map((r) => r.bench))])
      results.push({ file, bench, rows: rows.filter((r) => r.bench === bench) })
  }
  return results
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** `12.3M`, `456k`, `789`: operations per second, short. */
export function formatRate(opsPerSec: number): string {
  if (opsPerSec >= 1e6) return `${(opsPerSec / 1e6).toFixed(opsPerSec >= 1e7 ? 1 : 2)}M`
  if (opsPerSec >= 1e3) return `${(opsPerSec / 1e3).toFixed(opsPerSec >= 1e4 ? 0 : 1)}k`
  return opsPerSec.toFixed(0)
}

const WIDTH = 840
const LABEL_WIDTH = 330
const BAR_HEIGHT = 22
const GAP = 8
const TOP = 44
const RIGHT = 90

/**
 * A horizontal bar chart (SVG) of one bench: a bar per subject at its median ops/s, with a
 * whisker from the slowest to the fastest round, subjects in the order they ran.
 */
export function barChartSvg(results: BenchResults): string {
  const rows = results.rows
  const max = Math.max(...rows.map((r) => r.maxOpsPerSec), 1)
  const plot = WIDTH - LABEL_WIDTH - RIGHT
  const height = TOP + rows.length * (BAR_HEIGHT + GAP) + 36
  const first = rows[0] as BenchRow
  const scale = (v: number) => (v / max) * plot
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="bench-chart" role="img" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<title>${escapeXml(`${results.bench}: median operations per second`)}</title>`,
    `<text x="0" y="18" font-size="15" font-weight="600">${escapeXml(results.bench)}: operations per second (median)</text>`,
  ]
  rows.forEach((row, i) => {
    const y = TOP + i * (BAR_HEIGHT + GAP)
    const w = Math.max(scale(row.medianOpsPerSec), 1)
    const mid = y + BAR_HEIGHT / 2
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${mid + 4}" text-anchor="end">${escapeXml(row.subject)}</text>`,
      `<rect class="bar" x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="#3b6ea8"><title>${escapeXml(`${row.subject}: ${Math.round(row.medianOpsPerSec)} ops/s`)}</title></rect>`,
    )
    if (row.maxOpsPerSec > row.minOpsPerSec)
      parts.push(
        `<path class="whisker" d="M${(LABEL_WIDTH + scale(row.minOpsPerSec)).toFixed(1)} ${mid}H${(LABEL_WIDTH + scale(row.maxOpsPerSec)).toFixed(1)}" stroke="#1d3557" stroke-width="2"/>`,
      )
    parts.push(
      `<text x="${(LABEL_WIDTH + Math.max(w, scale(row.maxOpsPerSec)) + 6).toFixed(1)}" y="${mid + 4}">${formatRate(row.medianOpsPerSec)}</text>`,
    )
  })
  const footY = height - 12
  parts.push(
    `<path class="axis" d="M${LABEL_WIDTH} ${TOP - 4}V${footY - 14}" stroke="#888" stroke-width="1"/>`,
    `<text x="0" y="${footY}" fill="#555">${escapeXml(`seed ${first.seed}, node ${first.node}, ${first.rounds} round(s) per subject, each in its own process; from ${results.file}`)}</text>`,
    '</svg>',
  )
  return `${parts.join('\n')}\n`
}

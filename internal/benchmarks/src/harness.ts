import { fork } from 'node:child_process'

/**
 * Runs `ops` operations and returns how many of them found a value (a checksum that keeps
 * the work observable, and lets the harness check that every lookup hit).
 */
export type Round = (ops: number) => number | Promise<number>

/** A round with an untimed step before each round (e.g. writing the keys the round reads). */
export interface PreparedRound {
  readonly round: Round
  readonly beforeRound: () => Promise<void>
}

/** One benchmarked structure. `setup` runs in the child, untimed. */
export interface Subject {
  readonly name: string
  /** Operations per round: size it so a round takes ~0.3-1 s. */
  readonly opsPerRound: number
  setup(seed: number): Round | PreparedRound | Promise<Round | PreparedRound>
}

/** A group of subjects compared in one table. */
export interface Bench {
  readonly name: string
  readonly description: string
  readonly subjects: readonly Subject[]
  /** Subjects every row is compared to: ratio column header -> subject name. */
  readonly baselines: Readonly<Record<string, string>>
}

export interface HarnessOptions {
  readonly seed: number
  readonly rounds: number
  readonly warmupRounds: number
}

/** What a child reports for one subject. */
export interface SubjectResult {
  readonly subject: string
  readonly opsPerRound: number
  /** ops/s of each timed round, in run order. */
  readonly opsPerSec: readonly number[]
}

/** One row of the printed table (or of `--json`). */
export interface ResultRow {
  readonly bench: string
  readonly subject: string
  readonly seed: number
  readonly node: string
  readonly rounds: number
  readonly opsPerRound: number
  readonly medianOpsPerSec: number
  readonly minOpsPerSec: number
  readonly maxOpsPerSec: number
  /** (max - min) / median. */
  readonly spread: number
  /** Median ops/s divided by each baseline's median ops/s. */
  readonly ratios: Readonly<Record<string, number>>
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** Child side: set up one subject, warm it up, time the rounds. */
export async function measure(subject: Subject, options: HarnessOptions): Promise<SubjectResult> {
  const prepared = await subject.setup(options.seed)
  const round = typeof prepared === 'function' ? prepared : prepared.round
  const beforeRound = typeof prepared === 'function' ? undefined : prepared.beforeRound
  const gc = (globalThis as { gc?: () => void }).gc
  const opsPerSec: number[] = []
  for (let i = 0; i < options.warmupRounds + options.rounds; i++) {
    await beforeRound?.()
    gc?.()
    const started = performance.now()
    const out = round(subject.opsPerRound)
    const found = typeof out === 'number' ? out : await out
    const seconds = (performance.now() - started) / 1000
    if (found !== subject.opsPerRound) {
      throw new Error(`${subject.name}: ${found} of ${subject.opsPerRound} lookups hit`)
    }
    if (i >= options.warmupRounds) opsPerSec.push(subject.opsPerRound / seconds)
  }
  return { subject: subject.name, opsPerRound: subject.opsPerRound, opsPerSec }
}

/** Parent side: fork `entry` once per subject, one at a time, and collect each result. */
export async function runInChild(
  entry: string,
  bench: Bench,
  subject: Subject,
  options: HarnessOptions,
): Promise<SubjectResult> {
  const args = ['--child', bench.name, subject.name, '--seed', String(options.seed)]
  args.push('--rounds', String(options.rounds))
  const child = fork(entry, args, { execArgv: ['--expose-gc'], stdio: 'inherit' })
  return new Promise((resolve, reject) => {
    let result: SubjectResult | undefined
    child.on('message', (message) => {
      result = message as SubjectResult
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (code === 0 && result !== undefined) resolve(result)
      else reject(new Error(`${bench.name} / ${subject.name}: child exited (${signal ?? code})`))
    })
  })
}

/** Runs every subject of `bench` in its own child process and computes the rows. */
export async function runBench(
  entry: string,
  bench: Bench,
  options: HarnessOptions,
  onProgress: (subject: string) => void = () => {},
): Promise<ResultRow[]> {
  const results: SubjectResult[] = []
  for (const subject of bench.subjects) {
    onProgress(subject.name)
    results.push(await runInChild(entry, bench, subject, options))
  }
  const medians = new Map(results.map((r) => [r.subject, median(r.opsPerSec)]))
  return results.map((r) => {
    const m = medians.get(r.subject) as number
    const min = Math.min(...r.opsPerSec)
    const max = Math.max(...r.opsPerSec)
    const ratios: Record<string, number> = {}
    for (const [label, base] of Object.entries(bench.baselines)) {
      ratios[label] = m / (medians.get(base) ?? Number.NaN)
    }
    return {
      bench: bench.name,
      subject: r.subject,
      seed: options.seed,
      node: process.version,
      rounds: r.opsPerSec.length,
      opsPerRound: r.opsPerRound,
      medianOpsPerSec: m,
      minOpsPerSec: min,
      maxOpsPerSec: max,
      spread: (max - min) / m,
      ratios,
    }
  })
}

const ops = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0)

/** The rows as a table, peers side by side: median, min-max, then one ratio per baseline. */
export function formatRows(rows: readonly ResultRow[], baselines: readonly string[]): string {
  const header = ['subject', 'median ops/s', 'min - max', 'spread', ...baselines]
  const cells = rows.map((r) => [
    r.subject,
    ops(r.medianOpsPerSec),
    `${ops(r.minOpsPerSec)} - ${ops(r.maxOpsPerSec)}`,
    `${(r.spread * 100).toFixed(0)}%`,
    ...baselines.map((b) => `${(r.ratios[b] ?? Number.NaN).toFixed(2)}x`),
  ])
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((c) => (c[i] as string).length)),
  )
  const line = (c: readonly string[]): string =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')
}

import { fork } from 'node:child_process'
import { parseArgs } from 'node:util'
import { formatRows, type HarnessOptions, measure, runBench } from './harness.js'
import {
  formatMemory,
  MEMORY_SUBJECTS,
  type MemoryResult,
  type MemorySubject,
  measureMemory,
  memoryThroughputBenches,
} from './memory-throughput.js'

/**
 * node dist/memory-throughput-cli.js [--only PREFIX] [--rounds N] [--seed N] [--json] [--no-memory]
 *
 * Runs the memory-throughput benches (each subject in its own child process, like run.ts) and
 * then the memory-per-entry measurement at 1M entries (also one child per structure).
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: '42' },
    rounds: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    only: { type: 'string' },
    memory: { type: 'boolean', default: true },
    'no-memory': { type: 'boolean', default: false },
    'memory-child': { type: 'string' },
  },
})

const seed = Number(values.seed)
const rounds = Number(values.rounds)
const options: HarnessOptions = { seed, rounds, warmupRounds: 2 }
const entry = process.argv[1] as string

function memoryInChild(subject: MemorySubject): Promise<MemoryResult> {
  const child = fork(entry, ['--memory-child', subject], {
    execArgv: ['--expose-gc', '--max-old-space-size=4096'],
    stdio: 'inherit',
  })
  return new Promise((resolve, reject) => {
    let result: MemoryResult | undefined
    child.on('message', (m) => {
      result = m as MemoryResult
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code === 0 && result !== undefined) resolve(result)
      else reject(new Error(`memory ${subject}: child exited (${code})`))
    })
  })
}

if (values['memory-child'] !== undefined) {
  const result = measureMemory(values['memory-child'] as MemorySubject)
  if (process.send === undefined) console.log(JSON.stringify(result))
  else process.send(result, () => process.exit(0))
} else if (values.child) {
  const [benchName = '', subjectName = ''] = positionals
  const subject = memoryThroughputBenches
    .find((b) => b.name === benchName)
    ?.subjects.find((s) => s.name === subjectName)
  if (subject === undefined) throw new Error(`unknown subject ${benchName} / ${subjectName}`)
  const result = await measure(subject, options)
  if (process.send === undefined) console.log(JSON.stringify(result))
  else process.send(result, () => process.exit(0))
} else {
  const all: unknown[] = []
  const selected = memoryThroughputBenches.filter(
    (b) => values.only === undefined || b.name.startsWith(values.only),
  )
  for (const bench of selected) {
    if (!values.json) console.log(`${bench.name}: ${bench.description}`)
    const rows = await runBench(entry, bench, options, (s) => {
      if (!values.json) process.stderr.write(`  running ${s}...\n`)
    })
    all.push(...rows)
    if (!values.json) console.log(`\n${formatRows(rows, Object.keys(bench.baselines))}\n`)
  }
  if (!values['no-memory'] && values.only === undefined) {
    const results: MemoryResult[] = []
    for (const s of MEMORY_SUBJECTS) results.push(await memoryInChild(s))
    all.push(...results)
    if (!values.json) {
      console.log(
        'memory per entry at 1,000,000 entries (heapUsed + arrayBuffers growth, one child each)\n',
      )
      console.log(formatMemory(results))
    }
  }
  if (values.json) console.log(JSON.stringify(all, null, 2))
}

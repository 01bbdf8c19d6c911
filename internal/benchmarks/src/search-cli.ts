import { fork } from 'node:child_process'
import { parseArgs } from 'node:util'
import {
  formatSearchRows,
  runSearchBench,
  SEARCH_SUBJECTS,
  type SearchLatencyRow,
} from './search.js'
import { startSearchBenchServer, stopSearchBenchServer } from './search-redis.js'

/**
 * node dist/search-cli.js [--documents N] [--seed N] [--only PREFIX] [--max-iterations N] [--json]
 *
 * Query latency (p50/p99) of the search subjects at N documents (default 100k) against a full
 * scan of the namespace. Each subject runs in its own child process (`--child <subject>`), one
 * at a time; the parent starts the redis-server with RediSearch when a selected subject needs it.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    documents: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
    only: { type: 'string' },
    'max-iterations': { type: 'string' },
    child: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
})

const documents = Number(values.documents)
const seed = Number(values.seed)
const maxIterations =
  values['max-iterations'] === undefined ? undefined : Number(values['max-iterations'])
if (!Number.isSafeInteger(documents) || documents < 1)
  throw new Error('--documents must be an integer >= 1')
if (!Number.isSafeInteger(seed) || seed < 0) throw new Error('--seed must be an integer >= 0')
if (maxIterations !== undefined && (!Number.isSafeInteger(maxIterations) || maxIterations < 1))
  throw new Error('--max-iterations must be an integer >= 1')

const progress = (m: string) => {
  if (!values.json) process.stderr.write(`${m}\n`)
}

/** Parent side: runs one subject in a child process and collects its rows over IPC. */
function inChild(subject: string): Promise<SearchLatencyRow[]> {
  const args = ['--child', subject, '--documents', String(documents), '--seed', String(seed)]
  if (maxIterations !== undefined) args.push('--max-iterations', String(maxIterations))
  if (values.json) args.push('--json')
  const child = fork(process.argv[1] as string, args, {
    execArgv: ['--max-old-space-size=4096'],
    stdio: 'inherit',
  })
  return new Promise((resolve, reject) => {
    let rows: SearchLatencyRow[] | undefined
    child.on('message', (m) => {
      rows = m as SearchLatencyRow[]
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (code === 0 && rows !== undefined) resolve(rows)
      else reject(new Error(`search bench / ${subject}: child exited (${signal ?? code})`))
    })
  })
}

if (values.child) {
  const [name = ''] = positionals
  const subject = SEARCH_SUBJECTS.find((s) => s.name === name)
  if (subject === undefined) throw new Error(`unknown search subject '${name}'`)
  const rows = await runSearchBench({
    documents,
    seed,
    subjects: [subject],
    ...(maxIterations !== undefined ? { maxIterations } : {}),
    progress,
  })
  if (process.send === undefined) console.log(JSON.stringify(rows))
  else process.send(rows, () => process.exit(0))
} else {
  const selected = SEARCH_SUBJECTS.filter(
    (s) => values.only === undefined || s.name.startsWith(values.only),
  )
  const rows: SearchLatencyRow[] = []
  try {
    if (selected.some((s) => s.needsRedisSearch === true)) await startSearchBenchServer()
    for (const subject of selected) rows.push(...(await inChild(subject.name)))
  } finally {
    await stopSearchBenchServer()
  }
  if (!values.json)
    console.log(
      `${documents} documents, seed ${seed}, node ${process.version}, each subject in its own process\n`,
    )
  console.log(values.json ? JSON.stringify(rows, null, 2) : formatSearchRows(rows))
}

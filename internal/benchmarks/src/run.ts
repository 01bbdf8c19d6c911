import { parseArgs } from 'node:util'
import { measureCombo, runCodecBench } from './codecs.js'
import { type Bench, formatRows, type HarnessOptions, measure, runBench } from './harness.js'
import { memoryGetBench } from './memory-get.js'
import { multilevelBenches } from './multilevel.js'
import { redisBenches, startBenchServer, stopBenchServer } from './redis.js'
import { clusterBenches, startBenchCluster, stopBenchCluster } from './redis-cluster.js'

/** Every bench `npm run bench` runs, in order. Add new ones here. */
const benches: readonly Bench[] = [
  memoryGetBench,
  ...redisBenches,
  ...clusterBenches,
  ...multilevelBenches,
]

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: '42' },
    rounds: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    only: { type: 'string' },
    'codec-child': { type: 'string' },
  },
})

const seed = Number(values.seed)
const rounds = Number(values.rounds)
if (!Number.isSafeInteger(seed) || seed < 0) throw new Error('--seed must be an integer >= 0')
if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error('--rounds must be an integer >= 1')
const options: HarnessOptions = { seed, rounds, warmupRounds: 2 }

function find(benchName: string, subjectName: string) {
  const bench = benches.find((b) => b.name === benchName)
  const subject = bench?.subjects.find((s) => s.name === subjectName)
  if (subject === undefined)
    throw new Error(`unknown bench subject '${benchName}' / '${subjectName}'`)
  return subject
}

if (values['codec-child'] !== undefined) {
  const rows = await measureCombo(values['codec-child'], rounds)
  process.send?.(rows, () => process.exit(0))
} else if (values.child) {
  // Child: measure one subject and report to the parent over IPC.
  const [benchName = '', subjectName = ''] = positionals
  const result = await measure(find(benchName, subjectName), options)
  if (process.send === undefined) {
    console.log(JSON.stringify(result))
    process.exit(0)
  } else process.send(result, () => process.exit(0))
} else {
  const entry = process.argv[1] as string
  const all = []
  const selected = benches.filter(
    (b) => values.only === undefined || b.name.startsWith(values.only),
  )
  if (selected.some((b) => b.name.startsWith('redis') || b.name.startsWith('multilevel')))
    await startBenchServer()
  if (selected.some((b) => b.name.startsWith('cluster'))) await startBenchCluster()
  for (const bench of selected) {
    if (!values.json) {
      console.log(`${bench.name}: ${bench.description}`)
      console.log(
        `seed ${seed}, node ${process.version}, ${rounds} rounds (median), each subject in its own process\n`,
      )
    }
    const rows = await runBench(entry, bench, options, (s) => {
      if (!values.json) process.stderr.write(`  running ${s}...\n`)
    })
    all.push(...rows)
    if (!values.json) console.log(`\n${formatRows(rows, Object.keys(bench.baselines))}\n`)
  }
  await stopBenchServer()
  await stopBenchCluster()
  if (values.only === undefined || 'codecs'.startsWith(values.only)) {
    if (!values.json)
      console.log(
        'codecs: encode + decode through the value pipeline (envelope included), MB/s of JSON size',
      )
    all.push(...((await runCodecBench(entry, rounds, values.json)) as never[]))
  }
  if (values.json) console.log(JSON.stringify(all, null, 2))
}

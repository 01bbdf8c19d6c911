import { parseArgs } from 'node:util'
import { formatSearchRows, runSearchBench } from './search.js'

/**
 * node dist/search-cli.js [--documents N] [--seed N] [--json]
 *
 * Query latency (p50/p99) of the search subjects at N documents (default 100k) against a full
 * scan of the namespace.
 */
const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
    json: { type: 'boolean', default: false },
  },
})

const rows = await runSearchBench({
  documents: Number(values.documents),
  seed: Number(values.seed),
  progress: (m) => {
    if (!values.json) process.stderr.write(`${m}\n`)
  },
})
console.log(values.json ? JSON.stringify(rows, null, 2) : formatSearchRows(rows))

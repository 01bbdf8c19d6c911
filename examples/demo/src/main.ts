import { parseArgs } from 'node:util'
import { chooseProvider } from './provider.js'
import { formatTable } from './table.js'
import { DEFAULT_WORKLOAD, type RunResult, runDemo, type WorkloadOptions } from './workload.js'

const { values } = parseArgs({
  options: {
    requests: { type: 'string' },
    seed: { type: 'string' },
  },
})

const options: WorkloadOptions = {
  ...DEFAULT_WORKLOAD,
  ...(values.requests === undefined ? {} : { requests: positiveInt('requests', values.requests) }),
  ...(values.seed === undefined ? {} : { seed: positiveInt('seed', values.seed) }),
}

function positiveInt(name: string, text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be an integer >= 0`)
  return n
}

const int = (n: number): string => n.toLocaleString('en-US')
const ms = (n: number): string => `${n.toFixed(n < 1 ? 3 : n < 10 ? 2 : 1)} ms`
const secs = (n: number): string => `${(n / 1000).toFixed(2)} s`
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`

const choice = await chooseProvider()

console.log(
  `${int(options.requests)} requests, ${options.concurrency} in flight, zipf(s=${options.skew}) ` +
    `over ${int(options.products)} products, seed ${options.seed}, ` +
    `data source ${options.delayMs} ms per lookup\n`,
)

const results: RunResult[] = await runDemo(options, choice.provider, choice.label)

const r = (label: string) => ({ header: label, align: 'right' as const })
console.log(
  formatTable(
    [
      { header: 'run' },
      r('requests'),
      r('hits'),
      r('misses'),
      r('hit ratio'),
      r('p50 latency'),
      r('p99 latency'),
      r('loader calls'),
      r('wall time'),
    ],
    results.map((x) => [
      x.label,
      int(x.requests),
      int(x.hits),
      int(x.misses),
      pct(x.hitRatio),
      ms(x.p50Ms),
      ms(x.p99Ms),
      int(x.loaderCalls),
      secs(x.wallMs),
    ]),
  ),
)

const [baseline, cached] = results as [RunResult, RunResult]
console.log(
  `\ncacheport served ${pct(cached.hitRatio)} of requests from cache; the data source was ` +
    `called ${int(cached.loaderCalls)} times instead of ${int(baseline.loaderCalls)} ` +
    `(wall time ${(baseline.wallMs / cached.wallMs).toFixed(1)}x shorter).`,
)
const stats = cached.cacheStats
if (stats !== undefined) {
  console.log(
    `(the namespace's stats(): hits ${int(stats.hits)}, misses ${int(stats.misses)}, loads ${int(stats.loads)}, ` +
      `mean load ${stats.meanLoadTimeMs.toFixed(1)} ms; a request that joined a load already under way counts as a hit.)`,
  )
}

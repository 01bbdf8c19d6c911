/**
 * The search bench: query latency (p50/p99) at 100k documents for each subject, against a
 * full scan of the namespace (every entry read and filtered in JavaScript). Subjects are
 * pluggable: a backend adds an entry to `SEARCH_SUBJECTS` (or passes its own list). The CLI
 * runs each subject in its own process (`search-cli.ts`).
 */

import {
  differentialItems,
  SEARCH_WORDS,
  type SearchSuiteItem,
  SUITE_SEARCH,
  seededRandom,
} from '@cacheport/conformance/reference'
import { createCacheService, type SearchQuery } from '@cacheport/core'
import { jsonEncoder } from '@cacheport/encoder-json'
import { memoryProvider } from '@cacheport/provider-memory'
import { REDIS_SEARCH_SUBJECTS } from './search-redis.js'
import { fullScanRunner, indexedRunner, loadItems, type SearchSubject } from './search-scan.js'

export type { SearchRunner, SearchSubject } from './search-scan.js'

/** The query kinds of the bench, each drawn from a seeded generator. */
export const SEARCH_QUERY_KINDS: readonly {
  readonly name: string
  make(random: () => number): SearchQuery
}[] = [
  {
    name: 'text (2 words)',
    make: (r) => ({ text: `${pick(r, SEARCH_WORDS)} ${pick(r, SEARCH_WORDS)}`, limit: 10 }),
  },
  {
    name: 'tag + numeric range',
    make: (r) => {
      const min = Math.floor(r() * 900)
      return {
        filters: [
          { field: 'brand', op: 'eq', value: pick(r, ['acme', 'zeta', 'rocky', 'orbit']) },
          { field: 'price', op: 'between', min, max: min + 100 },
        ],
        limit: 10,
      }
    },
  },
  {
    name: 'sorted range page',
    make: (r) => {
      const min = Math.floor(r() * 700)
      return {
        filters: [{ field: 'price', op: 'between', min, max: min + 300 }],
        sort: { field: 'price', order: 'desc' },
        offset: 20,
        limit: 10,
      }
    },
  },
  {
    name: 'vector top-10 (4 dims, cosine)',
    make: (r) => ({
      vector: { field: 'vec', vector: [r() - 0.5, r() - 0.5, r() - 0.5, r() - 0.5], k: 10 },
    }),
  },
]

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T
}

/**
 * The memory provider's index and a full scan of a memory namespace (the baseline), then
 * RediSearch on one redis-server and a full scan of a Redis namespace.
 */
export const SEARCH_SUBJECTS: SearchSubject[] = [
  {
    name: 'memory index',
    iterations: 300,
    async setup(items) {
      const service = createCacheService({
        providers: { memory: memoryProvider({ maximumSize: 200_000 }) },
        encoder: jsonEncoder(),
      })
      const cache = service.namespace<SearchSuiteItem>('bench', { search: SUITE_SEARCH })
      await loadItems(cache, items)
      return indexedRunner(cache, service)
    },
  },
  {
    name: 'memory full scan',
    iterations: 12,
    async setup(items) {
      const service = createCacheService({
        providers: { memory: memoryProvider({ maximumSize: 200_000 }) },
        encoder: jsonEncoder(),
      })
      const cache = service.namespace<SearchSuiteItem>('bench')
      await loadItems(cache, items)
      return fullScanRunner(cache, service)
    },
  },
  ...REDIS_SEARCH_SUBJECTS,
]

/** Latency percentiles of one subject on one query kind, ms. */
export interface SearchLatencyRow {
  readonly query: string
  readonly subject: string
  readonly runs: number
  readonly p50Ms: number
  readonly p99Ms: number
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

/**
 * Loads `documents` seeded documents into each subject and times every query kind on it.
 * Subjects run one after another, each closed before the next starts.
 */
export async function runSearchBench(options: {
  readonly documents: number
  readonly seed: number
  readonly subjects?: readonly SearchSubject[]
  /** Caps each subject's `iterations` (for a short run). */
  readonly maxIterations?: number
  readonly progress?: (message: string) => void
}): Promise<SearchLatencyRow[]> {
  const items = differentialItems(options.seed, options.documents)
  const rows: SearchLatencyRow[] = []
  for (const subject of options.subjects ?? SEARCH_SUBJECTS) {
    options.progress?.(`loading ${options.documents} documents into ${subject.name}...`)
    const runner = await subject.setup(items)
    for (const kind of SEARCH_QUERY_KINDS) {
      const random = seededRandom(options.seed + kind.name.length)
      const times: number[] = []
      for (let i = 0; i < 3; i++) await runner.run(kind.make(random))
      const iterations = Math.min(subject.iterations, options.maxIterations ?? Infinity)
      for (let i = 0; i < iterations; i++) {
        const query = kind.make(random)
        const started = performance.now()
        await runner.run(query)
        times.push(performance.now() - started)
      }
      times.sort((a, b) => a - b)
      rows.push({
        query: kind.name,
        subject: subject.name,
        runs: times.length,
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
      })
    }
    await runner.close()
  }
  return rows
}

/** The rows as a table: one line per query kind, p50/p99 of each subject side by side. */
export function formatSearchRows(rows: readonly SearchLatencyRow[]): string {
  const subjects = [...new Set(rows.map((r) => r.subject))]
  const queries = [...new Set(rows.map((r) => r.query))]
  const header = ['query', ...subjects.flatMap((s) => [`${s} p50 ms`, `${s} p99 ms`])]
  const lines = queries.map((q) => [
    q,
    ...subjects.flatMap((s) => {
      const row = rows.find((r) => r.query === q && r.subject === s)
      return row === undefined ? ['-', '-'] : [row.p50Ms.toFixed(3), row.p99Ms.toFixed(3)]
    }),
  ])
  const table = [header, ...lines]
  const widths = header.map((_, i) => Math.max(...table.map((l) => (l[i] as string).length)))
  const fmt = (l: string[]) => `| ${l.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`
  return [
    fmt(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(fmt),
  ].join('\n')
}

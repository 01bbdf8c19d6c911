import { fork } from 'node:child_process'
import {
  createEncodingRegistry,
  type Encoder,
  type Transformer,
  ValuePipeline,
} from '@cacheport/core'
import { cborEncoder } from '@cacheport/encoder-cbor'
import { jsonEncoder } from '@cacheport/encoder-json'
import { mulberry32 } from '@cacheport/test-harness'
import { cryptoTransformer } from '@cacheport/transformer-crypto'
import { gzipTransformer } from '@cacheport/transformer-gzip'
import { zstdTransformer } from '@cacheport/transformer-zstd'
import { median } from './harness.js'

/**
 * The codec table: every combination encodes and decodes the same realistic API payloads
 * (100 B, 1 KB, 10 KB and 100 KB of JSON) through core's real ValuePipeline, envelope
 * included. Each combination runs in its own process. Rates are MB/s of the payload's JSON
 * size, so rows compare directly; "stored" is the envelope size in bytes.
 */
const SIZES = [100, 1_000, 10_000, 100_000] as const
const key = new Uint8Array(32).map((_, i) => (i * 29 + 3) & 0xff)

interface Combo {
  readonly name: string
  readonly encoder: () => Encoder
  readonly transformers: () => Transformer[]
}

/** Compression always runs (minBytes 0) so every size shows its cost. */
const COMBOS: readonly Combo[] = [
  { name: 'JSON', encoder: jsonEncoder, transformers: () => [] },
  { name: 'CBOR', encoder: () => cborEncoder(), transformers: () => [] },
  {
    name: 'CBOR+zstd',
    encoder: () => cborEncoder(),
    transformers: () => [zstdTransformer({ level: 3, minBytes: 0 })],
  },
  {
    name: 'CBOR+gzip',
    encoder: () => cborEncoder(),
    transformers: () => [gzipTransformer({ level: 6, minBytes: 0 })],
  },
  {
    name: 'CBOR+zstd+crypto',
    encoder: () => cborEncoder(),
    transformers: () => [
      zstdTransformer({ level: 3, minBytes: 0 }),
      cryptoTransformer({ keys: [{ id: 'k1', key }], activeKeyId: 'k1' }),
    ],
  },
]

/** An API-like product record; repeated into arrays to reach a target JSON size. */
function payload(targetBytes: number, seed: number): unknown {
  const random = mulberry32(seed)
  const word = () =>
    ['lamp', 'oak', 'steel', 'blue', 'round', 'large', 'eco', 'set'][Math.floor(random() * 8)]
  const record = (i: number) => ({
    id: 10_000 + i,
    sku: `SKU-${Math.floor(random() * 1e6)}`,
    name: `${word()} ${word()} ${word()}`,
    price: Math.round(random() * 10_000) / 100,
    inStock: random() > 0.2,
    updatedAt: new Date(1_700_000_000_000 + Math.floor(random() * 1e9)),
    dimensions: { w: Math.floor(random() * 100), h: Math.floor(random() * 100), unit: 'cm' },
    tags: [word(), word()],
  })
  if (targetBytes <= 150)
    return { id: 1, name: 'lamp', price: 12.5, updatedAt: new Date(1_700_000_000_000) }
  const items: unknown[] = []
  while (JSON.stringify(items).length < targetBytes) items.push(record(items.length))
  return { page: 1, total: items.length, items }
}

export interface CodecRow {
  readonly combo: string
  readonly size: number
  readonly jsonBytes: number
  readonly storedBytes: number
  readonly encodeMBps: number
  readonly decodeMBps: number
}

/** Child side: measure one combination on every payload size. */
export async function measureCombo(name: string, rounds: number): Promise<CodecRow[]> {
  const combo = COMBOS.find((c) => c.name === name)
  if (combo === undefined) throw new Error(`unknown codec combo '${name}'`)
  const pipeline = new ValuePipeline(
    createEncodingRegistry({ default: combo.encoder() }),
    combo.transformers(),
  )
  const meta = {
    createdAt: Date.now(),
    expiresAt: undefined,
    staleUntil: undefined,
    negative: false,
  }
  const ctx = { namespace: 'bench', key: 'k' }
  const rows: CodecRow[] = []
  for (const size of SIZES) {
    const value = payload(size, 42)
    const jsonBytes = Buffer.byteLength(JSON.stringify(value))
    const stored = await pipeline.encode(value, meta, ctx)
    const iterations = Math.max(20, Math.floor(3_000_000 / jsonBytes))
    const time = async (fn: () => unknown): Promise<number> => {
      const rates: number[] = []
      for (let r = 0; r < rounds + 1; r++) {
        const started = performance.now()
        for (let i = 0; i < iterations; i++) await fn()
        const seconds = (performance.now() - started) / 1000
        if (r > 0) rates.push((iterations * jsonBytes) / seconds / 1e6)
      }
      return median(rates)
    }
    const encodeMBps = await time(() => pipeline.encode(value, meta, ctx))
    const decodeMBps = await time(() => pipeline.decode(stored, ctx))
    rows.push({
      combo: name,
      size,
      jsonBytes,
      storedBytes: stored.byteLength,
      encodeMBps,
      decodeMBps,
    })
  }
  return rows
}

/** Parent side: one child per combination, then the table. */
export async function runCodecBench(
  entry: string,
  rounds: number,
  json: boolean,
): Promise<CodecRow[]> {
  const rows: CodecRow[] = []
  for (const combo of COMBOS) {
    if (!json) process.stderr.write(`  running ${combo.name}...\n`)
    const child = fork(entry, ['--codec-child', combo.name, '--rounds', String(rounds)], {
      stdio: 'inherit',
    })
    const result = await new Promise<CodecRow[]>((resolve, reject) => {
      let got: CodecRow[] | undefined
      child.on('message', (m) => {
        got = m as CodecRow[]
      })
      child.on('exit', (code) =>
        code === 0 && got ? resolve(got) : reject(new Error(`${combo.name}: exit ${code}`)),
      )
    })
    rows.push(...result)
  }
  if (!json) console.log(`\n${formatCodecRows(rows)}\n`)
  return rows
}

export function formatCodecRows(rows: readonly CodecRow[]): string {
  const header = [
    'combination',
    'payload',
    'stored bytes',
    'vs JSON size',
    'encode MB/s',
    'decode MB/s',
  ]
  const jsonStored = new Map(
    rows.filter((r) => r.combo === 'JSON').map((r) => [r.size, r.storedBytes]),
  )
  const cells = rows.map((r) => [
    r.combo,
    r.size >= 1000 ? `${r.size / 1000} KB` : `${r.size} B`,
    String(r.storedBytes),
    `${((r.storedBytes / (jsonStored.get(r.size) ?? r.storedBytes)) * 100).toFixed(0)}%`,
    r.encodeMBps.toFixed(0),
    r.decodeMBps.toFixed(0),
  ])
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((c) => (c[i] as string).length)),
  )
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (i === 0 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number)))
      .join('  ')
  const sorted = [...cells].sort(
    (a, b) => SIZES.indexOf(parseSize(a[1] as string)) - SIZES.indexOf(parseSize(b[1] as string)),
  )
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...sorted.map(line)].join('\n')
}

function parseSize(label: string): (typeof SIZES)[number] {
  const n = label.endsWith('KB') ? Number(label.slice(0, -3)) * 1000 : Number(label.slice(0, -2))
  return n as (typeof SIZES)[number]
}

// Measures the zstd candidates at level 3 on 100 KB and 1 KB of JSON: compress and decompress
// throughput (MB/s of uncompressed data) and operations per second.
// Run: node bench/candidates.mjs (Node 20: the packages; Node 22: also node:zlib).
// Candidates that are not installed are skipped (only @bokuweb/zstd-wasm is a dependency).
import { createRequire } from 'node:module'
import zlib from 'node:zlib'

const require = createRequire(import.meta.url)
const LEVEL = 3
const MIN_MS = Number(process.env.BENCH_MS ?? 700)

function json(size) {
  const rows = []
  let i = 0
  let text = '['
  while (text.length < size) {
    const row = JSON.stringify({
      id: i,
      name: `user-${i}`,
      email: `user${i}@example.com`,
      active: i % 3 === 0,
      score: ((i * 7919) % 1000) / 10,
      tags: ['a', 'b', `t${i % 17}`],
      createdAt: new Date(1.7e12 + i * 86400000).toISOString(),
    })
    rows.push(row)
    text += (i ? ',' : '') + row
    i += 1
  }
  return Buffer.from(text.slice(0, size - 1) + ']')
}

async function measure(fn) {
  for (let i = 0; i < 20; i++) await fn() // warm-up
  let ops = 0
  const start = performance.now()
  let now = start
  while (now - start < MIN_MS) {
    for (let i = 0; i < 10; i++) await fn()
    ops += 10
    now = performance.now()
  }
  return ops / ((now - start) / 1000)
}

function measureSync(fn) {
  for (let i = 0; i < 20; i++) fn()
  let ops = 0
  const start = performance.now()
  let now = start
  while (now - start < MIN_MS) {
    for (let i = 0; i < 10; i++) fn()
    ops += 10
    now = performance.now()
  }
  return ops / ((now - start) / 1000)
}

const candidates = []

function optional(name) {
  try {
    return require(name)
  } catch {
    console.log(`(${name} is not installed: skipped)`)
    return undefined
  }
}

if (typeof zlib.zstdCompressSync === 'function') {
  const params = { params: { [zlib.constants.ZSTD_c_compressionLevel]: LEVEL } }
  candidates.push({
    name: 'node:zlib (sync)',
    sync: true,
    compress: (b) => zlib.zstdCompressSync(b, params),
    decompress: (b) => zlib.zstdDecompressSync(b),
  })
  const { promisify } = await import('node:util')
  const c = promisify(zlib.zstdCompress)
  const d = promisify(zlib.zstdDecompress)
  candidates.push({
    name: 'node:zlib (async)',
    sync: false,
    compress: (b) => c(b, params),
    decompress: (b) => d(b),
  })
}

const mongodb = optional('@mongodb-js/zstd')
if (mongodb) {
  const { compress, decompress } = mongodb
  candidates.push({
    name: '@mongodb-js/zstd 1.2.2 (async only)',
    sync: false,
    compress: (b) => compress(b, LEVEL),
    decompress: (b) => decompress(b),
  })
}

const zstd = optional('@bokuweb/zstd-wasm')
if (zstd) {
  await zstd.init()
  candidates.push({
    name: '@bokuweb/zstd-wasm 0.0.27 (sync after init)',
    sync: true,
    compress: (b) => zstd.compress(b, LEVEL),
    decompress: (b) => zstd.decompress(b),
  })
}

const codec = optional('zstd-codec')
if (codec) {
  const { ZstdCodec } = codec
  const z = await new Promise((resolve) => ZstdCodec.run(resolve))
  const simple = new z.Simple()
  candidates.push({
    name: 'zstd-codec 0.1.5 Simple (sync after run)',
    sync: true,
    compress: (b) => simple.compress(b, LEVEL),
    decompress: (b) => simple.decompress(b),
  })
}

const inputs = [
  ['100 KB JSON', json(100 * 1024)],
  ['1 KB JSON', json(1024)],
]

console.log(`node ${process.version}, level ${LEVEL}, ${MIN_MS} ms per measurement`)
console.log(
  '| candidate | input | ratio | compress MB/s | compress ops/s | decompress MB/s | decompress ops/s |',
)
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const cand of candidates) {
  for (const [label, input] of inputs) {
    const compressed = await cand.compress(input)
    const back = await cand.decompress(compressed)
    if (!Buffer.from(back).equals(input)) throw new Error(`${cand.name}: round trip failed`)
    const m = cand.sync ? measureSync : measure
    const cOps = await m(() => cand.compress(input))
    const dOps = await m(() => cand.decompress(compressed))
    const mb = input.length / 1e6
    console.log(
      `| ${cand.name} | ${label} | ${(input.length / compressed.length).toFixed(1)} | ${(cOps * mb).toFixed(0)} | ${cOps.toFixed(0)} | ${(dOps * mb).toFixed(0)} | ${dOps.toFixed(0)} |`,
    )
  }
}

// Decodes one entry in a fresh process and prints how much memory that took, as one JSON line.
// Run by test/memory.test.ts: node --expose-gc decode-child.mjs <entry> <options JSON> [warm-up].
// With a warm-up entry, that entry is decoded first (growing the wasm heap to its high-water
// mark), so the report is for a later read. Imports the built package (dist): build first.
import { readFileSync } from 'node:fs'
import { zstdTransformer } from '../../dist/index.js'

const [file, optionsJson, warmFile] = process.argv.slice(2)
const bytes = readFileSync(file)
const transformer = zstdTransformer(JSON.parse(optionsJson))
const context = { namespace: 'memory', key: 'k' }

// Load the code paths (zlib binding, the wasm module, which also decodes multi-frame entries
// on Node 22, JIT) on small valid entries, so only the measured entry counts.
const small = await transformer.encode(Buffer.alloc(4096, 0x61), context)
await transformer.decode(small.bytes, small.param, context)
await transformer.decode(Buffer.concat([small.bytes, small.bytes]), small.param, context)
if (warmFile !== undefined) await transformer.decode(readFileSync(warmFile), undefined, context)

globalThis.gc()
const before = process.memoryUsage()
const maxRssBefore = process.resourceUsage().maxRSS * 1024
let output
const result = {}
try {
  output = await transformer.decode(bytes, undefined, context)
  result.ok = true
  result.size = output.byteLength
} catch (error) {
  result.ok = false
  result.name = error?.constructor?.name
  result.message = String(error?.message)
}
const after = process.memoryUsage()
// maxRSS is the process's high-water mark; counting it from the rss just before the decode
// over-states the decode's peak by the slack (reported), never under-states it.
result.peakRss = process.resourceUsage().maxRSS * 1024 - before.rss
result.startupSlack = maxRssBefore - before.rss
result.arrayBuffers = after.arrayBuffers - before.arrayBuffers
result.external = after.external - before.external
result.keep = output === undefined ? 0 : 1
process.stdout.write(`${JSON.stringify(result)}\n`)

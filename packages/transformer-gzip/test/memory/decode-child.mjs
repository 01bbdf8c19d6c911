// Decodes one entry in a fresh process and prints how much memory that took, as one JSON line.
// Run by test/memory.test.ts: node --expose-gc decode-child.mjs <entry file> <options JSON>.
// It imports the built package (dist), so build first (turbo's test task does).
import { readFileSync } from 'node:fs'
import { gzipTransformer } from '../../dist/index.js'

const [file, optionsJson] = process.argv.slice(2)
const bytes = readFileSync(file)
const transformer = gzipTransformer(JSON.parse(optionsJson))
const context = { namespace: 'memory', key: 'k' }

// Warm up the code paths (zlib binding, JIT) on a small valid entry, so only the entry counts.
const small = transformer.encode(Buffer.alloc(4096, 0x61), context)
transformer.decode(small.bytes, undefined, context)

globalThis.gc()
const before = process.memoryUsage()
const maxRssBefore = process.resourceUsage().maxRSS * 1024
let output
const result = {}
try {
  output = transformer.decode(bytes, undefined, context)
  result.ok = true
  result.size = output.byteLength
} catch (error) {
  result.ok = false
  result.name = error?.constructor?.name
  result.code = error?.code
  result.message = String(error?.message)
}
const after = process.memoryUsage()
// maxRSS is the process's high-water mark; counting it from the rss just before the decode
// over-states the decode's peak by the start-up slack (reported), never under-states it.
result.peakRss = process.resourceUsage().maxRSS * 1024 - before.rss
result.startupSlack = maxRssBefore - before.rss
result.arrayBuffers = after.arrayBuffers - before.arrayBuffers
result.external = after.external - before.external
result.keep = output === undefined ? 0 : 1
process.stdout.write(`${JSON.stringify(result)}\n`)

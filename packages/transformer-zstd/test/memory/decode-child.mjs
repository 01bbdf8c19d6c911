// Decodes one entry in a fresh process and prints how much memory that took, as one JSON line.
// Run by test/memory.test.ts: node --expose-gc decode-child.mjs <entry> <options JSON> [warm-up].
// With a warm-up entry, that entry is decoded first (growing the wasm heap to its high-water
// mark), so the report is for a later read. Imports the built package (dist): build first.
import { readFileSync, writeFileSync } from 'node:fs'
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
// A few 1 MiB decodes, so the decoder's code is fully compiled (V8 tiers wasm code up in the
// background, which costs memory of its own) without growing the WebAssembly heap past its
// initial 16 MiB.
const medium = await transformer.encode(Buffer.alloc(1024 * 1024, 0x62), context)
for (let i = 0; i < 5; i++) await transformer.decode(medium.bytes, medium.param, context)
if (warmFile !== undefined) await transformer.decode(readFileSync(warmFile), undefined, context)

/** The process's peak RSS in bytes: VmHWM on Linux (resettable), else maxRSS. */
function peakRss() {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024
  } catch {
    return process.resourceUsage().maxRSS * 1024
  }
}

globalThis.gc()
// Reset the peak to the current RSS (Linux: clear_refs 5), so the warm-up's peak is not counted.
try {
  writeFileSync('/proc/self/clear_refs', '5')
} catch {}
const before = process.memoryUsage()
const maxRssBefore = peakRss()
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
// The peak RSS counted from the rss just before the decode over-states the decode's peak by
// the slack (the peak before it minus that rss, reported; about 0 once reset), never under.
result.peakRss = peakRss() - before.rss
result.startupSlack = maxRssBefore - before.rss
result.arrayBuffers = after.arrayBuffers - before.arrayBuffers
result.external = after.external - before.external
result.keep = output === undefined ? 0 : 1
process.stdout.write(`${JSON.stringify(result)}\n`)

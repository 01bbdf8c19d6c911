// Decodes one entry in a fresh process and prints how much memory that took, as one JSON line.
// Run by test/memory.test.ts: node --expose-gc decode-child.mjs <entry file> <options JSON>.
// It imports the built package (dist), so build first (turbo's test task does).
import { readFileSync, writeFileSync } from 'node:fs'
import { gzipTransformer } from '../../dist/index.js'

const [file, optionsJson] = process.argv.slice(2)
const bytes = readFileSync(file)
const transformer = gzipTransformer(JSON.parse(optionsJson))
const context = { namespace: 'memory', key: 'k' }

// Warm up the code paths (zlib binding, JIT) on a small valid entry, so only the entry counts.
const small = transformer.encode(Buffer.alloc(4096, 0x61), context)
transformer.decode(small.bytes, undefined, context)

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
// The peak RSS counted from the rss just before the decode over-states the decode's peak by
// the slack (the peak before it minus that rss, reported; about 0 once reset), never under.
result.peakRss = peakRss() - before.rss
result.startupSlack = maxRssBefore - before.rss
result.arrayBuffers = after.arrayBuffers - before.arrayBuffers
result.external = after.external - before.external
result.keep = output === undefined ? 0 : 1
process.stdout.write(`${JSON.stringify(result)}\n`)

// Decodes one entry in a fresh process and prints how much memory that took, as one JSON line.
// Run by test/memory.test.ts: node --expose-gc decode-child.mjs <options JSON> <entry file>.
// It imports the built package (dist), so build first (turbo's test task does).
import { readFileSync } from 'node:fs'
import { measureMemory } from '@cacheport/test-harness'
import { gzipTransformer } from '../../dist/index.js'

const [optionsJson, file] = process.argv.slice(2)
const bytes = readFileSync(file)
const transformer = gzipTransformer(JSON.parse(optionsJson))
const context = { namespace: 'memory', key: 'k' }

// Warm up the code paths (zlib binding, JIT) on a small valid entry, so only the entry counts.
const small = transformer.encode(Buffer.alloc(4096, 0x61), context)
transformer.decode(small.bytes, undefined, context)

const report = await measureMemory(() => transformer.decode(bytes, undefined, context))
process.stdout.write(`${JSON.stringify(report)}\n`)

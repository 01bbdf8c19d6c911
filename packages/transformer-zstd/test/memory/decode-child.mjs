// Decodes one entry in a fresh process and prints how much memory that took, as one JSON line.
// Run by test/memory.test.ts: node --expose-gc decode-child.mjs <options JSON> <entry> [warm-up].
// With a warm-up entry, that entry is decoded first (growing the wasm heap to its high-water
// mark), so the report is for a later read. Imports the built package (dist): build first.
import { readFileSync } from 'node:fs'
import { measureMemory } from '@cacheport/test-harness'
import { zstdTransformer } from '../../dist/index.js'

const [optionsJson, file, warmFile] = process.argv.slice(2)
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

const report = await measureMemory(() => transformer.decode(bytes, undefined, context))
process.stdout.write(`${JSON.stringify(report)}\n`)

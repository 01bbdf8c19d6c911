import { fileURLToPath } from 'node:url'
import { type MemoryReport, MiB, memoryRow, runMemoryProbe } from '@cacheport/test-harness'

export { MiB }

/** What `memory/decode-child.mjs` reports about one decode in a fresh process. */
export type ChildDecode = MemoryReport

const child = fileURLToPath(new URL('./memory/decode-child.mjs', import.meta.url))

/** Decodes `bytes` with `gzipTransformer(options)` in a child process and returns its report. */
export function decodeInChild(bytes: Uint8Array, options: object): ChildDecode {
  return runMemoryProbe({
    script: child,
    files: [bytes],
    args: [JSON.stringify(options)],
  })
}

/** One line of the printed table. */
export function row(label: string, r: ChildDecode): string {
  return memoryRow(label, r, 46)
}

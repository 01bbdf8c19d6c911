import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const MiB = 1024 * 1024

/** What `memory/decode-child.mjs` reports about one decode in a fresh process. */
export interface ChildDecode {
  readonly ok: boolean
  readonly size?: number
  readonly name?: string
  readonly message?: string
  /** maxRSS after the decode minus rss just before it, in bytes (an upper bound of the peak). */
  readonly peakRss: number
  readonly startupSlack: number
  /** arrayBuffers after the decode minus before, garbage included (no GC in between). */
  readonly arrayBuffers: number
  readonly external: number
}

const child = fileURLToPath(new URL('./memory/decode-child.mjs', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'cacheport-gzip-memory-'))
let files = 0

/** Decodes `bytes` with `gzipTransformer(options)` in a child process and returns its report. */
export function decodeInChild(bytes: Uint8Array, options: object): ChildDecode {
  const file = join(dir, `entry-${files++}.bin`)
  writeFileSync(file, bytes)
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', child, file, JSON.stringify(options)],
    {
      encoding: 'utf8',
    },
  )
  rmSync(file)
  return JSON.parse(out) as ChildDecode
}

/** One line of the printed table: MiB with one decimal. */
export function row(label: string, r: ChildDecode): string {
  const mib = (n: number) => (n / MiB).toFixed(1).padStart(6)
  const outcome = r.ok ? `decoded ${r.size} bytes` : `refused: ${r.message}`
  return `${label.padEnd(46)} peak rss +${mib(r.peakRss)} MiB (slack ${mib(r.startupSlack)}), arrayBuffers +${mib(r.arrayBuffers)} MiB | ${outcome}`
}

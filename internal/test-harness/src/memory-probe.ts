import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One mebibyte. */
export const MiB = 1024 * 1024

/** What a memory probe reports about one piece of work run in a fresh process. */
export interface MemoryReport {
  readonly ok: boolean
  readonly size?: number
  readonly name?: string
  readonly code?: string
  readonly message?: string
  /** Peak RSS during the work minus the RSS just before it, in bytes (an upper bound). */
  readonly peakRss: number
  /** The peak before the work minus the RSS just before it (about 0 once reset). */
  readonly startupSlack: number
  /** arrayBuffers after the work minus before, garbage included (no GC in between). */
  readonly arrayBuffers: number
  readonly external: number
}

/** The process's peak RSS in bytes: VmHWM on Linux (resettable), else maxRSS. */
function peakRss(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) * 1024
  } catch {
    return process.resourceUsage().maxRSS * 1024
  }
}

/**
 * Runs `work` (in a child process started with `--expose-gc`) and measures its memory: it
 * collects garbage, resets the peak RSS to the current RSS (Linux `clear_refs`), runs the
 * work and reports the growth. `work` returns a Uint8Array (its size is reported) or throws
 * (its error is reported). Call it once per process, after warming the code paths up.
 */
export async function measureMemory(
  work: () => Promise<Uint8Array> | Uint8Array,
): Promise<MemoryReport> {
  ;(globalThis as { gc?: () => void }).gc?.()
  try {
    writeFileSync('/proc/self/clear_refs', '5')
  } catch {}
  const before = process.memoryUsage()
  const peakBefore = peakRss()
  let output: Uint8Array | undefined
  let outcome: Pick<MemoryReport, 'ok' | 'size' | 'name' | 'code' | 'message'>
  try {
    output = await work()
    outcome = { ok: true, size: output.byteLength }
  } catch (error) {
    const e = error as { constructor?: { name?: string }; code?: string; message?: unknown }
    outcome = {
      ok: false,
      ...(e?.constructor?.name !== undefined ? { name: e.constructor.name } : {}),
      ...(e?.code !== undefined ? { code: e.code } : {}),
      message: String(e?.message),
    }
  }
  const after = process.memoryUsage()
  const report: MemoryReport = {
    ...outcome,
    peakRss: peakRss() - before.rss,
    startupSlack: peakBefore - before.rss,
    arrayBuffers: after.arrayBuffers - before.arrayBuffers,
    external: after.external - before.external,
  }
  // Keep the output alive until after the measurement.
  if (output !== undefined && output.byteLength < 0) throw new Error('unreachable')
  return report
}

/**
 * Runs `script` in a fresh Node process (`--expose-gc`) with `args`, then the paths of
 * `files` written to a temp dir, as its arguments, and parses the JSON line it prints.
 */
export function runMemoryProbe(options: {
  readonly script: string
  readonly files: readonly Uint8Array[]
  readonly args?: readonly string[]
}): MemoryReport {
  const dir = mkdtempSync(join(tmpdir(), 'cacheport-memory-'))
  try {
    const paths = options.files.map((bytes, i) => {
      const path = join(dir, `input-${i}.bin`)
      writeFileSync(path, bytes)
      return path
    })
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', options.script, ...(options.args ?? []), ...paths],
      { encoding: 'utf8' },
    )
    return JSON.parse(out) as MemoryReport
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One line of a printed memory table: MiB with one decimal. */
export function memoryRow(label: string, r: MemoryReport, width = 52): string {
  const mib = (n: number) => (n / MiB).toFixed(1).padStart(6)
  const outcome = r.ok ? `decoded ${r.size} bytes` : `refused: ${r.message}`
  return `${label.padEnd(width)} peak rss +${mib(r.peakRss)} MiB (slack ${mib(r.startupSlack)}), arrayBuffers +${mib(r.arrayBuffers)} MiB | ${outcome}`
}

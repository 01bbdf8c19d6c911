import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { type CompiledBlock, mapStackLines } from './compile-blocks.js'

/** How a block's process ended. */
export interface BlockRun {
  /** Exit code (null when killed). */
  readonly code: number | null
  /** Whether it was killed for running past the timeout. */
  readonly timedOut: boolean
  /** stdout and stderr, interleaved, with block file locations mapped to the markdown. */
  readonly output: string
  readonly durationMs: number
}

/** Options of {@link runBlock}. */
export interface RunBlockOptions {
  /** Variables added to the block's environment (server addresses). */
  readonly env: Readonly<Record<string, string>>
  /** Kill the block after this many ms. */
  readonly timeoutMs: number
}

const vitestEntry = join(
  dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
)

/** Writes (once) a vitest config in `outDir` that runs the `*.test.js` blocks there. */
function vitestConfig(outDir: string): string {
  const file = join(outDir, 'vitest.config.mjs')
  if (!existsSync(file))
    writeFileSync(file, "export default { test: { include: ['*.test.js'], testTimeout: 60000 } }\n")
  return file
}

/**
 * Runs a compiled block: `node --enable-source-maps out.js`, or `vitest run` on it for a
 * `ts test` block, in the block's directory. Resolves with how it ended; never rejects for a
 * failing block (only when the process cannot be spawned).
 */
export function runBlock(compiled: CompiledBlock, options: RunBlockOptions): Promise<BlockRun> {
  const outDir = dirname(compiled.outFile)
  const args =
    compiled.block.mode === 'test'
      ? [vitestEntry, 'run', '--root', outDir, '--config', vitestConfig(outDir), compiled.outFile]
      : ['--enable-source-maps', compiled.outFile]
  const started = performance.now()
  // The block runs as a reader would run it: none of this vitest run's own variables.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(VITEST|VITE_|TEST$|NODE_ENV$)/.test(name)),
  )
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: outDir,
      env: {
        ...inherited,
        ...options.env,
        NODE_OPTIONS: '--enable-source-maps',
        FORCE_COLOR: '0',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({
        code,
        timedOut,
        output: mapStackLines(compiled, output),
        durationMs: performance.now() - started,
      })
    })
  })
}

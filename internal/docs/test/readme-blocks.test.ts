import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BlockServers, serverVariables } from '../src/block-servers.js'
import { type CompiledBlock, compileBlocks } from '../src/compile-blocks.js'
import { collectBlocks } from '../src/markdown-blocks.js'
import { runBlock } from '../src/run-block.js'

// Every ts/js block of the READMEs and docs/*.md: type-checked with the repository's compiler
// settings, and (unless marked `ts fragment`) run with node against servers started here.
const root = fileURLToPath(new URL('../../..', import.meta.url))
const workDir = fileURLToPath(new URL('../.blocks', import.meta.url))
const { blocks, errors: unreadable } = collectBlocks(root)
const BLOCK_TIMEOUT_MS = 60_000

let compiled: Map<string, CompiledBlock>
const servers = new BlockServers()
const started = performance.now()

beforeAll(() => {
  compiled = new Map(compileBlocks(root, workDir, blocks).map((c) => [key(c.block), c]))
})
afterAll(async () => {
  await servers.stop()
  console.log(
    `README blocks: ${blocks.length} blocks in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  )
})

function key(block: { file: string; line: number }): string {
  return `${block.file}:${block.line}`
}

test('every checked markdown file has well-formed code fences', () => {
  expect(unreadable).toEqual([])
})

test('the checked markdown holds runnable blocks (the extractor found them)', () => {
  expect(blocks.filter((b) => b.mode === 'run').length).toBeGreaterThan(10)
  expect(blocks.some((b) => b.file === 'README.md')).toBe(true)
})

describe.each([...new Set(blocks.map((b) => b.file))])('%s', (file) => {
  for (const block of blocks.filter((b) => b.file === file)) {
    const label = `${key(block)} ${block.language}${block.mode === 'run' ? '' : ` ${block.mode}`}`
    test(label, async () => {
      const c = compiled.get(key(block))
      if (c === undefined) throw new Error(`${key(block)}: block was not compiled`)
      expect(c.errors, `${key(block)}: does not type-check`).toEqual([])
      if (block.mode === 'fragment') return
      const env = await servers.environment(serverVariables(block.code))
      const run = await runBlock(c, { env, timeoutMs: BLOCK_TIMEOUT_MS })
      if (run.timedOut)
        throw new Error(
          `${key(block)}: still running after ${BLOCK_TIMEOUT_MS / 1000} s (does it close every service, server and timer it opens?). Output:\n${run.output}`,
        )
      if (run.code !== 0)
        throw new Error(`${key(block)}: exited with code ${run.code}. Output:\n${run.output}`)
      expect(run.code).toBe(0)
    })
  }
})

import { describe, expect, test } from 'vitest'
import { serverVariables } from '../src/block-servers.js'
import { markdownLocation } from '../src/compile-blocks.js'
import { BlockInfoError, extractBlocks } from '../src/markdown-blocks.js'

const sample = [
  '# Title', // 1
  '', // 2
  '```sh', // 3
  'npm install x', // 4
  '```', // 5
  '', // 6
  '```ts', // 7
  "const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'", // 8
  '```', // 9
  '<!-- prelude', // 10
  'declare const db: unknown', // 11
  '-->', // 12
  '```ts fragment', // 13
  'db', // 14
  '```', // 15
  '- item', // 16
  '  ```js', // 17
  "  console.log(process.env['PORT'], process.env.HOME)", // 18
  '  ```', // 19
].join('\n')

describe('extractBlocks', () => {
  test('finds ts/js blocks with their fence line, mode, indentation removed; skips sh', () => {
    const blocks = extractBlocks('README.md', sample)
    expect(blocks.map((b) => [b.line, b.language, b.mode])).toEqual([
      [7, 'ts', 'run'],
      [13, 'ts', 'fragment'],
      [17, 'js', 'run'],
    ])
    expect(blocks[2]?.code).toBe("console.log(process.env['PORT'], process.env.HOME)")
  })

  test('takes the prelude comment right before a fence, and only that one', () => {
    const blocks = extractBlocks('README.md', sample)
    expect(blocks.map((b) => b.prelude)).toEqual(['', 'declare const db: unknown', ''])
  })

  test('refuses an unknown info word on a ts block, naming file and line', () => {
    expect(() => extractBlocks('docs/x.md', 'a\n```ts framgent\nx\n```\n')).toThrow(BlockInfoError)
    expect(() => extractBlocks('docs/x.md', 'a\n```ts framgent\nx\n```\n')).toThrow(
      /^docs\/x\.md:2: unknown code block info string 'ts framgent'/,
    )
  })

  test('refuses a fence that is never closed', () => {
    expect(() => extractBlocks('a.md', '```ts\nconst a = 1\n')).toThrow(
      'a.md:1: code fence is never closed',
    )
  })
})

describe('locations and servers', () => {
  test('maps a generated line back to the markdown, past the prelude', () => {
    const [, fragment] = extractBlocks('README.md', sample)
    expect(markdownLocation(fragment!, 1)).toBe('README.md:12 (prelude line 1)')
    expect(markdownLocation(fragment!, 2)).toBe('README.md:14')
  })

  test('a block declares the servers it needs by the variables it reads', () => {
    const blocks = extractBlocks('README.md', sample)
    expect(serverVariables(blocks[0]!.code)).toEqual(['REDIS_URL'])
    expect(serverVariables(blocks[2]!.code)).toEqual(['PORT'])
    expect(serverVariables('process.env.REDIS_URLS ?? process.env.HOME')).toEqual(['REDIS_URLS'])
  })
})

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * What the README check does with a fenced block, from its info string:
 * - `run`: ```ts / ```js (and their aliases): compiled with the repository's TypeScript
 *   settings, then executed with `node` (it must exit 0 within the timeout);
 * - `test`: ```ts test: a vitest test file, compiled, then run with `vitest run`;
 * - `fragment`: ```ts fragment: type-checked only, never executed.
 * Every other language (sh, json, text, ...) is documentation only and is skipped.
 */
export type BlockMode = 'run' | 'test' | 'fragment'

/** One fenced code block of a markdown file. */
export interface CodeBlock {
  /** Path of the markdown file, relative to the repository root, with `/` separators. */
  readonly file: string
  /** 1-based line of the opening fence. */
  readonly line: number
  /** `ts` or `js` (the compiled language). */
  readonly language: 'ts' | 'js'
  readonly mode: BlockMode
  /** The block's text, with the fence's indentation removed. */
  readonly code: string
  /**
   * Text prepended before type-checking (declarations a fragment relies on), from an HTML
   * comment `<!-- prelude ... -->` right before the fence; empty when there is none.
   */
  readonly prelude: string
}

/** A fenced block the check does not know what to do with (e.g. ```ts framgent). */
export class BlockInfoError extends Error {
  constructor(file: string, line: number, info: string) {
    super(
      `${file}:${line}: unknown code block info string '${info}' (ts, ts fragment, ts test, js; or a non-code language such as sh, json, text)`,
    )
    this.name = 'BlockInfoError'
  }
}

const TS_LANGUAGES = new Set(['ts', 'typescript', 'mts'])
const JS_LANGUAGES = new Set(['js', 'javascript', 'mjs'])
const MODES: Readonly<Record<string, BlockMode>> = { '': 'run', fragment: 'fragment', test: 'test' }
const FENCE = /^( *)(`{3,}|~{3,})\s*(.*)$/
const PRELUDE = /<!--\s*prelude\b((?:(?!-->)[\s\S])*)-->\s*$/

/**
 * Extracts the ts/js fenced blocks of one markdown file (`text` is its content, `file` its
 * path relative to the repository root). Throws {@link BlockInfoError} for a ts/js block whose
 * info string has an unknown word, and an Error for a fence that is never closed.
 */
export function extractBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split('\n')
  const blocks: CodeBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] as string)
    if (open === null) continue
    const [, indent = '', fence = '', info = ''] = open
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length; j++) {
      const line = lines[j] as string
      const close = /^ *(`{3,}|~{3,})\s*$/.exec(line)
      if (
        close !== null &&
        (close[1] as string)[0] === fence[0] &&
        close[1]!.length >= fence.length
      )
        break
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart())
    }
    if (j === lines.length) throw new Error(`${file}:${i + 1}: code fence is never closed`)
    const [lang = '', ...rest] = info.trim().split(/\s+/)
    const language = TS_LANGUAGES.has(lang) ? 'ts' : JS_LANGUAGES.has(lang) ? 'js' : undefined
    if (language !== undefined) {
      const mode = MODES[rest.join(' ')]
      if (mode === undefined) throw new BlockInfoError(file, i + 1, info.trim())
      const before = lines.slice(0, i).join('\n')
      const prelude = PRELUDE.exec(before)?.[1]?.trim() ?? ''
      blocks.push({ file, line: i + 1, language, mode, code: body.join('\n'), prelude })
    }
    i = j
  }
  return blocks
}

/**
 * The markdown files whose code blocks are checked, relative to `root`: the root README.md,
 * `packages/* /README.md`, `examples/* /README.md`, `internal/* /README.md` and `docs/*.md`,
 * sorted.
 */
export function markdownFiles(root: string): string[] {
  const files = ['README.md']
  for (const parent of ['packages', 'examples', 'internal']) {
    const dir = join(root, parent)
    if (!existsSync(dir)) continue
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory() && existsSync(join(dir, entry.name, 'README.md')))
        files.push(`${parent}/${entry.name}/README.md`)
  }
  const docs = join(root, 'docs')
  if (existsSync(docs))
    for (const entry of readdirSync(docs)) if (entry.endsWith('.md')) files.push(`docs/${entry}`)
  return files.filter((f) => existsSync(join(root, f))).sort()
}

/** The blocks of every file of {@link markdownFiles}, and the files that could not be read. */
export interface CollectedBlocks {
  readonly blocks: CodeBlock[]
  /** One message per markdown file whose blocks could not be extracted (`file:line: why`). */
  readonly errors: string[]
}

/**
 * Every checked block of every file of {@link markdownFiles}, in file then line order. A file
 * with an unknown info string or an unclosed fence is reported in `errors` (its other blocks
 * are not checked until it is fixed).
 */
export function collectBlocks(root: string): CollectedBlocks {
  const blocks: CodeBlock[] = []
  const errors: string[] = []
  for (const file of markdownFiles(root)) {
    try {
      blocks.push(...extractBlocks(file, readFileSync(join(root, file), 'utf8')))
    } catch (error) {
      errors.push((error as Error).message)
    }
  }
  return { blocks, errors }
}

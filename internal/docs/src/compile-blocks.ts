import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import ts from 'typescript'
import type { CodeBlock } from './markdown-blocks.js'

/** A block written to disk and compiled. */
export interface CompiledBlock {
  readonly block: CodeBlock
  /** The generated source file (the prelude, then the block). */
  readonly sourceFile: string
  /** The emitted JavaScript file that `node` (or vitest) runs. */
  readonly outFile: string
  /** Type errors, each as `README.md:LINE:COL: message` (or `... (prelude line N)`). */
  readonly errors: readonly string[]
}

/** A file-system-safe name for a block: `packages-core-README.md-L18`. */
export function blockName(block: CodeBlock): string {
  return `${block.file.replace(/[^A-Za-z0-9.]+/g, '-')}-L${block.line}`
}

/** Number of lines the prelude takes in the generated file (0 without one). */
export function preludeLines(block: CodeBlock): number {
  return block.prelude === '' ? 0 : block.prelude.split('\n').length
}

/** The markdown location of line `generatedLine` (1-based) of a block's generated file. */
export function markdownLocation(block: CodeBlock, generatedLine: number): string {
  const inPrelude = preludeLines(block)
  if (generatedLine <= inPrelude)
    return `${block.file}:${block.line - 1} (prelude line ${generatedLine})`
  return `${block.file}:${block.line + generatedLine - inPrelude}`
}

/**
 * The repository's compiler options (`tsconfig.base.json` at `root`), made to emit runnable
 * ES modules with source maps into `outDir`, every file a module (a block without imports
 * still has its own scope). Throws if the tsconfig cannot be read.
 */
export function blockCompilerOptions(root: string, outDir: string): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.base.json')
  const read = ts.readConfigFile(configPath, ts.sys.readFile)
  if (read.error !== undefined)
    throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'))
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath)
  return {
    ...parsed.options,
    declaration: false,
    declarationMap: false,
    noEmit: false,
    sourceMap: true,
    allowJs: true,
    checkJs: true,
    moduleDetection: ts.ModuleDetectionKind.Force,
    rootDir: outDir,
    outDir: join(outDir, 'out'),
  }
}

/**
 * Writes every block under `workDir` (emptied first; it must sit inside the workspace so that
 * `@cacheport/*` resolve to the workspace packages), type-checks them all in one program with
 * the repository's compiler options, and emits JavaScript for the ones that run. Type errors
 * are reported per block, never thrown.
 */
export function compileBlocks(
  root: string,
  workDir: string,
  blocks: readonly CodeBlock[],
): CompiledBlock[] {
  rmSync(workDir, { recursive: true, force: true })
  mkdirSync(join(workDir, 'out'), { recursive: true })
  const moduleJson = JSON.stringify({ type: 'module', private: true })
  writeFileSync(join(workDir, 'package.json'), moduleJson)
  writeFileSync(join(workDir, 'out', 'package.json'), moduleJson)
  const files = blocks.map((block) => {
    const suffix = block.mode === 'test' ? '.test' : ''
    const extension = block.language === 'ts' ? '.ts' : '.js'
    const sourceFile = join(workDir, `${blockName(block)}${suffix}${extension}`)
    const text = block.prelude === '' ? block.code : `${block.prelude}\n${block.code}`
    writeFileSync(sourceFile, `${text}\n`)
    return {
      block,
      sourceFile,
      outFile: join(workDir, 'out', `${blockName(block)}${suffix}.js`),
    }
  })
  const options = blockCompilerOptions(root, workDir)
  const program = ts.createProgram({ rootNames: files.map((f) => f.sourceFile), options })
  const byFile = new Map<string, string[]>(files.map((f) => [f.sourceFile, []]))
  const global: string[] = []
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n')
    const errors = d.file === undefined ? undefined : byFile.get(d.file.fileName)
    if (d.file === undefined || errors === undefined) {
      global.push(`${d.file?.fileName ?? 'compiler'}: TS${d.code}: ${message}`)
      continue
    }
    const compiled = files.find((f) => f.sourceFile === d.file?.fileName)
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0)
    errors.push(
      `${markdownLocation(compiled!.block, line + 1)}:${character + 1}: TS${d.code}: ${message}`,
    )
  }
  const runnable = new Set(
    files.filter((f) => f.block.mode !== 'fragment').map((f) => f.sourceFile),
  )
  program.emit(undefined, (fileName, text) => {
    const source = fileName.replace(/\/out\//, '/').replace(/\.js(\.map)?$/, '')
    if ([...runnable].some((s) => s.replace(/\.(ts|js)$/, '') === source))
      writeFileSync(fileName, text)
  })
  return files.map((f) => ({
    ...f,
    errors: [...global, ...(byFile.get(f.sourceFile) ?? [])],
  }))
}

/** Rewrites `<block file>.ts:LINE` in a stack trace or log to the markdown location. */
export function mapStackLines(compiled: CompiledBlock, text: string): string {
  const name = basename(compiled.sourceFile).replace(/[.]/g, '\\.')
  return text.replace(new RegExp(`[^\\s()]*${name}:(\\d+)(?::(\\d+))?`, 'g'), (_m, line, col) => {
    const at = markdownLocation(compiled.block, Number(line))
    return col === undefined ? at : `${at}:${col}`
  })
}

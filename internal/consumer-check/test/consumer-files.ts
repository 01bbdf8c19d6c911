import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The compiler settings every consumer configuration shares: as strict as a consumer gets. */
const STRICT = {
  target: 'ES2022',
  lib: ['ES2023'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  noEmit: true,
}

/** The module settings and `types` lists of issue 12, item 1: each pair is one tsconfig. */
export const CONSUMER_CONFIGS = [
  { name: 'nodenext, types: []', module: 'nodenext', moduleResolution: 'nodenext', types: [] },
  {
    name: 'nodenext, types: ["node"]',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
  },
  {
    name: 'preserve + bundler, types: []',
    module: 'preserve',
    moduleResolution: 'bundler',
    types: [],
  },
  {
    name: 'preserve + bundler, types: ["node"]',
    module: 'preserve',
    moduleResolution: 'bundler',
    types: ['node'],
  },
] as const

/** The settings each package is also compiled under on its own (no @types/node loaded). */
const SINGLE_PACKAGE_SETTINGS = { module: 'nodenext', moduleResolution: 'nodenext', types: [] }

/**
 * Writes the consumer's sources into `dir`: an ESM file and a CommonJS file that import every
 * package (so every declaration file is compiled), the usage fixture, one tsconfig per
 * configuration (returned as file names, in CONSUMER_CONFIGS order), a program and tsconfig per
 * package (`tsconfig.single.<index in names>.json`, nodenext with `types: []`), and the two scripts
 * that `require()` and `import()` every package and print what they loaded.
 */
export function writeConsumerFiles(
  dir: string,
  names: readonly string[],
  usageSource: string,
): string[] {
  const src = join(dir, 'src')
  mkdirSync(src, { recursive: true })
  const esm = names.map((n, i) => `import * as p${i} from '${n}'`)
  esm.push(`export const loaded = [${names.map((_, i) => `p${i}`).join(', ')}]`)
  writeFileSync(join(src, 'every-package.mts'), `${esm.join('\n')}\n`)
  const cjs = names.map((n, i) => `import p${i} = require('${n}')`)
  cjs.push(`export const loaded = [${names.map((_, i) => `p${i}`).join(', ')}]`)
  writeFileSync(join(src, 'every-package.cts'), `${cjs.join('\n')}\n`)
  writeFileSync(join(src, 'usage.mts'), usageSource)
  // One program per package as well: in the program of every package together, one
  // dependency that pulls in @types/node (ioredis does) hides a Buffer leak in another.
  const single = join(dir, 'single')
  mkdirSync(single, { recursive: true })
  names.forEach((n, i) => {
    writeFileSync(join(single, `p${i}.mts`), `import * as p from '${n}'\nexport const loaded = p\n`)
    const tsconfig = {
      compilerOptions: { ...STRICT, ...SINGLE_PACKAGE_SETTINGS },
      files: [`single/p${i}.mts`],
    }
    writeFileSync(join(dir, `tsconfig.single.${i}.json`), `${JSON.stringify(tsconfig, null, 2)}\n`)
  })

  const files = CONSUMER_CONFIGS.map((config, i) => {
    const { name: _name, ...settings } = config
    const file = `tsconfig.${i}.json`
    const tsconfig = { compilerOptions: { ...STRICT, ...settings }, include: ['src'] }
    writeFileSync(join(dir, file), `${JSON.stringify(tsconfig, null, 2)}\n`)
    return file
  })

  const list = JSON.stringify(names)
  writeFileSync(
    join(dir, 'require-every-package.cjs'),
    `const names = ${list}\nconst loaded = {}\nfor (const name of names) loaded[name] = Object.keys(require(name)).length\nconsole.log(JSON.stringify(loaded))\n`,
  )
  writeFileSync(
    join(dir, 'import-every-package.mjs'),
    `const names = ${list}\nconst loaded = {}\nfor (const name of names) loaded[name] = Object.keys(await import(name)).length\nconsole.log(JSON.stringify(loaded))\n`,
  )
  return files
}

import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type PublishedPackage, repoRoot } from './published-packages.js'

/** A throwaway npm project outside the workspace with every published package installed. */
export interface ConsumerProject {
  /** The project folder (under the OS temp dir). */
  readonly dir: string
  /** Package name -> the packed tarball installed from. */
  readonly tarballs: ReadonlyMap<string, string>
}

/** Runs a command and returns its stdout; throws with its output when it exits non-zero. */
export function run(command: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    })
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    )
  }
}

/** The version range the repository itself uses for a root devDependency (e.g. @types/node). */
function rootDevRange(name: string): string {
  const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
  const range = root.devDependencies?.[name]
  if (typeof range !== 'string') throw new Error(`root package.json has no devDependency ${name}`)
  return range
}

/**
 * Packs every package with one `npm pack` (from the built `dist`), then installs the tarballs
 * and `@types/node` into a new project under the OS temp dir with plain npm, third-party
 * packages from the registry (the local cache first). Throws when packing or installing fails.
 */
export function createConsumerProject(packages: readonly PublishedPackage[]): ConsumerProject {
  const dir = mkdtempSync(join(tmpdir(), 'cacheport-consumer-'))
  const packDir = join(dir, 'tarballs')
  mkdirSync(packDir)
  const workspaces = packages.flatMap((p) => ['--workspace', p.name])
  const packed = JSON.parse(
    run('npm', ['pack', ...workspaces, '--pack-destination', packDir, '--json'], repoRoot),
  ) as { name: string; filename: string }[]
  const tarballs = new Map(packed.map((p) => [p.name, join(packDir, p.filename)]))
  const dependencies: Record<string, string> = { '@types/node': rootDevRange('@types/node') }
  for (const [name, file] of tarballs) dependencies[name] = `file:${file}`
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, dependencies }, null, 2)}\n`,
  )
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir)
  return { dir, tarballs }
}

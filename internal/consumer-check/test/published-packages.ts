import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A workspace package that is published: its name and folder. */
export interface PublishedPackage {
  readonly name: string
  readonly dir: string
  readonly manifest: Record<string, unknown>
}

/** The repository root (this file is internal/consumer-check/test/published-packages.ts). */
export const repoRoot = join(import.meta.dirname, '..', '..', '..')

/**
 * Every package under `packages/` that is not private, read from its package.json, so a new
 * package is checked without editing this file. Throws if none is found.
 */
export function publishedPackages(): PublishedPackage[] {
  const parent = join(repoRoot, 'packages')
  const found: PublishedPackage[] = []
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const dir = join(parent, entry.name)
    let manifest: Record<string, unknown>
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    } catch {
      continue
    }
    if (manifest.private === true || typeof manifest.name !== 'string') continue
    found.push({ name: manifest.name, dir, manifest })
  }
  if (found.length === 0) throw new Error(`no published package under ${parent}`)
  return found.sort((a, b) => a.name.localeCompare(b.name))
}

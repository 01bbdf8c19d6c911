import { accessSync, constants } from 'node:fs'
import { delimiter, isAbsolute, join, resolve } from 'node:path'

const binaryCache = new Map<string, string>()

/** Resolves a binary on PATH (plus /usr/bin, /usr/local/bin) with a helpful error. */
export function resolveBinary(name: string): string {
  const cached = binaryCache.get(name)
  if (cached) return cached
  const candidates = name.includes('/')
    ? [resolve(name)]
    : [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']
        .filter((dir) => dir && isAbsolute(dir))
        .map((dir) => join(dir, name))
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      binaryCache.set(name, candidate)
      return candidate
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `${name} not found (PATH, /usr/bin, /usr/local/bin); install it with scripts/install-servers.sh`,
  )
}

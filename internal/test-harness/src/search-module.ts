import { accessSync, constants, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The RediSearch build the tests load, relative to the repository root (see its README). */
export const REDISEARCH_MODULE = '../shared/modules/redisearch-2.4.16.so'

/** The repository root: the nearest directory above this package holding `turbo.json`. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'turbo.json'))) return dir
    const parent = dirname(dir)
    if (parent === dir)
      throw new Error('cannot find the repository root (no turbo.json above the test harness)')
    dir = parent
  }
}

/**
 * The absolute path of the RediSearch 2.4.16 module (`../shared/modules/redisearch-2.4.16.so`
 * from the repository root, or from `root`). Throws an `Error` saying where it looked when the file is missing
 * or unreadable: the module is never copied into the repository.
 */
export function redisearchModulePath(root: string = repositoryRoot()): string {
  const path = resolve(root, REDISEARCH_MODULE)
  try {
    accessSync(path, constants.R_OK)
  } catch {
    throw new Error(
      `the RediSearch module is missing: expected ${path} (${REDISEARCH_MODULE} from the repository root; see ../shared/modules/README.md)`,
    )
  }
  return path
}

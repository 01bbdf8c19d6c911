import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REDISEARCH_MODULE, redisearchModulePath, startServer } from '../src/index.js'

describe('RediSearch module', () => {
  it('resolves ../shared/modules/ from the repository root, and names the path it expected when missing', () => {
    expect(redisearchModulePath()).toBe(resolve(import.meta.dirname, '../../..', REDISEARCH_MODULE))
    const root = mkdtempSync(join(tmpdir(), 'no-module-'))
    try {
      expect(() => redisearchModulePath(join(root, 'repo'))).toThrow(
        `the RediSearch module is missing: expected ${join(root, 'shared/modules/redisearch-2.4.16.so')}`,
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it.each(['redis', 'valkey'] as const)('search: true loads it into %s', async (kind) => {
    const server = await startServer({ kind, search: true })
    try {
      const modules = (await server.command('MODULE', 'LIST')) as unknown[][]
      expect(modules.map((m) => [m[1], m[3]])).toEqual([['search', 20416]])
    } finally {
      await server.stop()
    }
  })
})

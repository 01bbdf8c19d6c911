import { readFileSync } from 'node:fs'
import { CacheConfigError } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { leastPrivilegeAclRule } from '../src/index.js'

describe('leastPrivilegeAclRule', () => {
  it('is what the README shows for an example prefix (docs and tests cannot drift)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    expect(readme).toContain(`\n${leastPrivilegeAclRule({ keyPrefix: 'shop:' })}\n`)
  })

  it('covers several prefixes, escapes glob characters, and refuses whitespace', () => {
    const rule = leastPrivilegeAclRule({ keyPrefix: ['a:', 'b*'], cluster: true, tracking: true })
    expect(rule).toMatch(/^resetkeys ~a:\* ~b\\\*\* resetchannels &a:bus\{\* &b\\\*bus\{\* /)
    expect(rule).toContain('&__redis__:invalidate')
    expect(rule).toContain('+ssubscribe')
    expect(rule).not.toContain('+flushdb')
    expect(() => leastPrivilegeAclRule({ keyPrefix: 'a b' })).toThrow(CacheConfigError)
  })
})

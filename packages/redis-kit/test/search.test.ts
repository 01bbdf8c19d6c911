import {
  CacheUnsupportedError,
  type NormalizedSearchQuery,
  type StoreSearchSchema,
} from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import {
  compileQuery,
  createArgs,
  escapeQueryText,
  fingerprintOf,
  hashFieldsOf,
  leastPrivilegeAclRule,
  parseModuleList,
  type RedisCommands,
  requireRediSearch,
  similarity,
} from '../src/index.js'

const schema: StoreSearchSchema = {
  t: { type: 'text', weight: 2 },
  g: { type: 'tag' },
  c: { type: 'tag', caseSensitive: true },
  n: { type: 'numeric', sortable: true },
  p: { type: 'geo' },
  v: { type: 'vector', dimensions: 2, distance: 'l2', algorithm: 'hnsw' },
}

const q = (part: Partial<NormalizedSearchQuery>): NormalizedSearchQuery => ({
  text: undefined,
  filters: [],
  vector: undefined,
  sort: undefined,
  offset: 0,
  limit: 10,
  timeoutMs: 1_000,
  ...part,
})

/** A node whose MODULE LIST answers `reply` (no server: only the reply parsing is under test). */
function nodeListing(reply: unknown): RedisCommands {
  return {
    callBuffer: async () => reply,
    options: { host: '127.0.0.1', port: 7001 },
  } as unknown as RedisCommands
}

describe('search translation', () => {
  it('writes text as the contract terms (letters, digits, _; lower-cased), space-separated', () => {
    expect(hashFieldsOf(schema, { t: "Hello, WORLD! it's snake_case 42-x Ünïcode 汉字" })).toEqual([
      't',
      'hello world it s snake_case 42 x ünïcode 汉字',
    ])
    expect(hashFieldsOf(schema, { t: ' ,;! ' })).toEqual([])
  })

  it('escapes every ASCII character that is not a letter, digit or _', () => {
    expect(escapeQueryText('a"b{c}|d-e@f\\g h*')).toBe('a\\"b\\{c\\}\\|d\\-e\\@f\\\\g\\ h\\*')
    expect(escapeQueryText('ünï_9')).toBe('ünï_9')
  })

  it('writes the fields RediSearch indexes: terms, folded tags, numbers, lon,lat, float32', () => {
    const fields = hashFieldsOf(schema, {
      t: 'Hi, There!',
      g: ['A', 'b'],
      c: 'MiXed',
      n: -1.5,
      p: { lon: 2.5, lat: 48 },
      v: new Float32Array([1, 2]),
      unknown: 'x',
    })
    expect(fields.slice(0, 10)).toEqual([
      't',
      'hi there',
      'g',
      'a,b',
      'c',
      'MiXed',
      'n',
      '-1.5',
      'p',
      '2.5,48',
    ])
    expect(fields[10]).toBe('v')
    expect([...new Float32Array(new Uint8Array(fields[11] as Buffer).buffer)]).toEqual([1, 2])
    expect(hashFieldsOf(schema, { t: '!!!', g: [] })).toEqual([])
  })

  it('compiles hostile strings into escaped clauses, never into query syntax', () => {
    const compiled = compileQuery(
      schema,
      q({
        text: '@g:{x} | -y',
        filters: [
          { field: 'g', op: 'eq', value: 'A}|{b' },
          { field: 'c', op: 'prefix', value: 'x*y' },
          { field: 'n', op: 'ne', value: 3 },
        ],
      }),
    )
    expect(compiled.filter).toBe('(g x y) (@g:{a\\}\\|\\{b}) (@c:{x\\*y*}) (-(@n:[3 3]))')
    expect(compiled.hasText).toBe(true)
  })

  it('answers unsatisfiable filters without asking the server', () => {
    for (const filter of [
      { field: 'g', op: 'in', values: [] },
      { field: 'g', op: 'eq', value: 'a,b' },
      { field: 't', op: 'prefix', value: 'a-b' },
      { field: 'n', op: 'between', min: 2, max: 1 },
    ] as const) {
      expect(compileQuery(schema, q({ filters: [filter] })).never, JSON.stringify(filter)).toBe(
        true,
      )
    }
    // `ne` of something no entry can have matches every entry.
    expect(compileQuery(schema, q({ filters: [{ field: 'g', op: 'ne', value: 'a,b' }] }))).toEqual({
      never: false,
      filter: '*',
      hasText: false,
    })
  })

  it('refuses a prefix RediSearch would not expand (under 2 bytes), naming the field', () => {
    expect(() =>
      compileQuery(schema, q({ filters: [{ field: 'g', op: 'prefix', value: 'a' }] })),
    ).toThrow(/prefix 'a' on field 'g': RediSearch 2\.4 needs a prefix of at least 2 bytes/)
    expect(
      compileQuery(schema, q({ filters: [{ field: 'g', op: 'prefix', value: '汉' }] })).filter,
    ).toBe('(@g:{汉*})')
  })

  it('converts KNN distances into the contract similarities', () => {
    expect(similarity(0.25, 'cosine')).toBe(0.75)
    expect(similarity(-1, 'ip')).toBe(2)
    expect(similarity(3, 'l2')).toBe(0.25)
  })

  it('fingerprints the definition: another schema or prefix gives another SCORE_FIELD', () => {
    const base = { name: 'idx', keyPrefix: 'v{ns:', schema }
    const args = createArgs(base)
    expect(args.slice(0, 11)).toEqual([
      'idx',
      'ON',
      'HASH',
      'PREFIX',
      1,
      'v{ns:',
      'SCORE_FIELD',
      fingerprintOf(base),
      'STOPWORDS',
      0,
      'SCHEMA',
    ])
    expect(args).toContain('CASESENSITIVE')
    expect(fingerprintOf({ ...base, keyPrefix: 'v{other:' })).not.toBe(fingerprintOf(base))
    const changed: StoreSearchSchema = { ...schema, n: { type: 'numeric' } }
    expect(fingerprintOf({ ...base, schema: changed })).not.toBe(fingerprintOf(base))
  })
})

describe('RediSearch detection', () => {
  it('reads MODULE LIST in RESP2 and RESP3 shapes', () => {
    expect(parseModuleList([['name', 'search', 'ver', 20416, 'path', '/x', 'args', []]])).toEqual([
      { name: 'search', version: 20416 },
    ])
    expect(
      parseModuleList([
        new Map<unknown, unknown>([
          ['name', Buffer.from('ReJSON')],
          ['ver', 20606],
        ]),
      ]),
    ).toEqual([{ name: 'ReJSON', version: 20606 }])
  })

  it('accepts RediSearch 2.4 and refuses by name what it was not tested with', async () => {
    await expect(
      requireRediSearch(nodeListing([['name', 'search', 'ver', 20416]])),
    ).resolves.toBeUndefined()
    const refusals: [unknown, RegExp][] = [
      [
        [],
        /RediSearch 2\.4 \('search' module\) is not loaded on 127\.0\.0\.1:7001 \(no module is loaded\)/,
      ],
      [[['name', 'ReJSON', 'ver', 20606]], /modules loaded: 'ReJSON'/],
      [[['name', 'search', 'ver', 20606]], /found 'search' 2\.6\.6, which is not RediSearch 2\.4/],
      [[['name', 'search', 'ver', 10000]], /found 'search' 1\.0\.0/],
      [[['name', 'valkey-search', 'ver', 10001]], /found 'valkey-search' 1\.0\.1/],
    ]
    for (const [reply, message] of refusals) {
      const error = await requireRediSearch(nodeListing(reply)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CacheUnsupportedError)
      expect((error as Error).message).toMatch(message)
    }
  })

  it('the least-privilege rule with search grants the hash, module and FT commands only', () => {
    const rule = leastPrivilegeAclRule({ keyPrefix: 'shop:', search: true })
    for (const command of [
      '+hget',
      '+hset',
      '+pexpire',
      '+module|list',
      '+ft.create',
      '+ft.info',
      '+ft.search',
    ]) {
      expect(rule).toContain(command)
    }
    expect(leastPrivilegeAclRule({ keyPrefix: 'shop:' })).not.toContain('+ft.search')
    expect(rule).not.toContain('+ft.dropindex')
  })
})

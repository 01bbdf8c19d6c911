import { CacheValueError } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import { jsonEncoder } from '../src/index.js'

const enc = jsonEncoder()

function selfReferencing(): unknown {
  const obj: Record<string, unknown> = { a: 1 }
  obj.self = obj
  return obj
}

function indirectCycle(): unknown {
  const a: Record<string, unknown> = {}
  const b: Record<string, unknown> = { a }
  a.list = [1, b]
  return { root: a }
}

function arrayCycle(): unknown {
  const list: unknown[] = [1]
  list.push([list])
  return list
}

function mapCycle(): unknown {
  const map = new Map<string, unknown>()
  map.set('me', { map })
  return map
}

function setCycle(): unknown {
  const set = new Set<unknown>()
  set.add([set])
  return set
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const unencodable: readonly [string, () => unknown, RegExp][] = [
  ['top-level undefined', () => undefined, /undefined/],
  ['a function', () => () => 1, /a function at \$$/],
  ['a function property', () => ({ a: { f() {} } }), /a function at \$\.a\.f/],
  ['a function in an array', () => [1, [2, () => 3]], /a function at \$\[1\]\[1\]/],
  ['a function as a Map value', () => new Map([['k', () => 1]]), /a function at \$\.get\("k"\)/],
  ['a function in a Set', () => new Set([Math.max]), /a function at \$<set member>/],
  ['a symbol', () => Symbol('s'), /a symbol at \$$/],
  ['a symbol property', () => ({ s: Symbol.iterator }), /a symbol at \$\.s/],
  ['a symbol as a Map key', () => new Map([[Symbol('k'), 1]]), /a symbol at \$<map key>/],
  ['a self-referencing object', selfReferencing, /circular.*\$\.self refers back to \$$/],
  ['an indirect cycle', indirectCycle, /circular.*\$\.root\.list\[1\]\.a refers back to \$\.root/],
  ['a cycle through arrays', arrayCycle, /circular.*\$\[1\]\[0\] refers back to \$$/],
  ['a cycle through a Map', mapCycle, /circular.*\$\.get\("me"\)\.map refers back to \$$/],
  ['a cycle through a Set', setCycle, /circular.*refers back to \$$/],
  ['a class instance', () => ({ p: new Point(1, 2) }), /an instance of Point at \$\.p/],
  ['a RegExp', () => [/x/], /a RegExp at \$\[0\]/],
  ['an Error', () => new Error('x'), /an Error at \$/],
  ['a Promise', () => Promise.resolve(1), /a Promise/],
  ['a WeakMap', () => new WeakMap(), /a WeakMap/],
  ['another typed array', () => new Float64Array(2), /a Float64Array/],
  ['an ArrayBuffer', () => new ArrayBuffer(4), /an ArrayBuffer/],
  ['a boxed string', () => ({ s: Object('x') }), /a String at \$\.s/],
  ['an array subclass', () => ({ l: new (class List extends Array {})() }), /an Array/],
]

describe('jsonEncoder encode rejects values it cannot represent', () => {
  it.each(unencodable)('%s', (_name, make, message) => {
    let thrown: unknown
    try {
      enc.encode(make())
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(CacheValueError)
    expect((thrown as CacheValueError).code).toBe('ENCODE_FAILED')
    expect((thrown as Error).message).toMatch(message)
  })

  it('wraps errors thrown by a getter as ENCODE_FAILED with the cause', () => {
    const boom = new Error('boom')
    const value = {
      get bad(): never {
        throw boom
      },
    }
    let thrown: unknown
    try {
      enc.encode(value)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(CacheValueError)
    expect((thrown as CacheValueError).code).toBe('ENCODE_FAILED')
    expect((thrown as Error).cause).toBe(boom)
  })

  it('reports a structure too deep for the stack as ENCODE_FAILED', () => {
    let deep: unknown = null
    for (let i = 0; i < 200_000; i++) deep = [deep]
    expect(() => enc.encode(deep)).toThrow(CacheValueError)
  })
})

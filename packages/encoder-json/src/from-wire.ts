import { objectPrototypeIsPolluted } from '@cacheport/core'
import { fromBase64 } from './base64.js'
import { TAG_KEY, Tag } from './wire.js'

/** Largest absolute epoch milliseconds a Date can hold. */
const MAX_DATE_MS = 8.64e15
const BIGINT_TEXT = /^(?:0|-?[1-9][0-9]*)$/

/**
 * Turns parsed tagged JSON back into the value, in place: tag objects become the values they
 * stand for, escaped objects become plain objects again.
 *
 * Throws `Error` for anything `toWire` would not have produced: an unknown tag, a tag object
 * with missing or extra keys or a payload of the wrong shape, `undefined` where it cannot be.
 */
export function fromWire(node: unknown): unknown {
  ownCheck = objectPrototypeIsPolluted()
  return revive(node, false)
}

/** `for...in` must skip inherited keys (see `own-keys.ts`). Set by each `fromWire` call. */
let ownCheck = false

function revive(node: unknown, undefinedAllowed: boolean): unknown {
  if (typeof node !== 'object' || node === null) return node
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const item: unknown = node[i]
      if (typeof item === 'object' && item !== null) node[i] = revive(item, true)
    }
    return node
  }
  const obj = node as Record<string, unknown>
  if (Object.hasOwn(obj, TAG_KEY)) return reviveTag(obj, undefinedAllowed)
  for (const key in obj) {
    if (ownCheck && !Object.hasOwn(obj, key)) continue
    const item = obj[key]
    // JSON.parse made every key an own data property (even `__proto__`), so this assignment
    // writes that property and never a prototype.
    if (typeof item === 'object' && item !== null) obj[key] = revive(item, false)
  }
  return obj
}

function reviveTag(obj: Record<string, unknown>, undefinedAllowed: boolean): unknown {
  const name = obj[TAG_KEY]
  if (typeof name !== 'string') throw new Error('tag name in tagged JSON is not a string')
  const keyCount = Object.keys(obj).length
  if (name === Tag.undef) {
    if (keyCount !== 1) throw malformed(name, 'must have no other key')
    if (!undefinedAllowed) throw malformed(name, 'is only allowed in an array, a Map or a Set')
    return undefined
  }
  if (keyCount !== 2 || !Object.hasOwn(obj, 'v')) {
    throw malformed(name, 'must have exactly the keys "$t" and "v"')
  }
  const v = obj.v
  switch (name) {
    case Tag.date:
      if (v === null) return new Date(Number.NaN)
      if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > MAX_DATE_MS) {
        throw malformed(name, 'payload must be integer epoch milliseconds or null')
      }
      return new Date(v)
    case Tag.bigint:
      if (typeof v !== 'string' || !BIGINT_TEXT.test(v)) {
        throw malformed(name, 'payload must be a decimal integer string')
      }
      return BigInt(v)
    case Tag.bytes:
      if (typeof v !== 'string') throw malformed(name, 'payload must be a base64 string')
      return fromBase64(v)
    case Tag.num:
      switch (v) {
        case 'NaN':
          return Number.NaN
        case 'Infinity':
          return Number.POSITIVE_INFINITY
        case '-Infinity':
          return Number.NEGATIVE_INFINITY
        case '-0':
          return -0
        default:
          throw malformed(name, 'payload must be "NaN", "Infinity", "-Infinity" or "-0"')
      }
    case Tag.map: {
      const pairs = pairsOf(name, v)
      const map = new Map<unknown, unknown>()
      for (const pair of pairs) map.set(revive(pair[0], true), revive(pair[1], true))
      if (map.size !== pairs.length) throw malformed(name, 'has duplicate keys')
      return map
    }
    case Tag.set: {
      if (!Array.isArray(v)) throw malformed(name, 'payload must be an array')
      const set = new Set<unknown>()
      for (const member of v) set.add(revive(member, true))
      if (set.size !== v.length) throw malformed(name, 'has duplicate members')
      return set
    }
    case Tag.obj: {
      const out: Record<string, unknown> = {}
      for (const [key, item] of pairsOf(name, v)) {
        if (typeof key !== 'string') throw malformed(name, 'keys must be strings')
        if (Object.hasOwn(out, key)) throw malformed(name, 'has duplicate keys')
        Object.defineProperty(out, key, {
          value: revive(item, false),
          writable: true,
          enumerable: true,
          configurable: true,
        })
      }
      return out
    }
    default:
      throw new Error(`unknown tag ${JSON.stringify(name)} in tagged JSON`)
  }
}

function pairsOf(name: string, v: unknown): (readonly [unknown, unknown])[] {
  if (!Array.isArray(v)) throw malformed(name, 'payload must be an array of pairs')
  for (const pair of v) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw malformed(name, 'payload must be an array of [key, value] pairs')
    }
  }
  return v as (readonly [unknown, unknown])[]
}

function malformed(name: string, problem: string): Error {
  return new Error(`malformed "${name}" tag in tagged JSON: ${problem}`)
}

import {
  CacheValueError,
  type ContainerPath,
  describeCycle,
  describeUnencodable,
  enterContainer,
  leaveContainer,
  objectPrototypeIsPolluted,
} from '@cacheport/core'
import { toBase64 } from './base64.js'
import { TAG_KEY, Tag, type TagName } from './wire.js'

/** Below this depth no cycle check is made: a cycle always ends up deeper than this. */

/** What one encode walk knows. */
interface WalkState extends ContainerPath {
  /** Set when a tag was written: the output then needs the tagged prefix. */
  tagged: boolean
  /** `for...in` must skip inherited keys (see `own-keys.ts`). */
  readonly ownCheck: boolean
  /** The containers being walked, outermost first (and a Set of them past 64 levels). */
  readonly stack: object[]
  seen: Set<object> | undefined
}

/** The result of `toWire`. */
export interface WireValue {
  /** A value `JSON.stringify` turns into exactly the intended text. */
  readonly json: unknown
  /** False when `json` is the input itself (plain JSON, no tag needed). */
  readonly tagged: boolean
}

/**
 * Turns a value into one that `JSON.stringify` represents exactly, replacing special values by
 * tag objects. Copy on write: containers without a special value inside are returned as is,
 * so a plain JSON value costs one walk and copies nothing.
 *
 * Throws `CacheValueError` (`ENCODE_FAILED`) for functions, symbols, objects of unsupported
 * classes and circular structures, naming the path to the offending value.
 */
export function toWire(value: unknown): WireValue {
  const state: WalkState = {
    tagged: false,
    ownCheck: objectPrototypeIsPolluted(),
    stack: [],
    seen: undefined,
  }
  const json = wire(value, state)
  return { json, tagged: state.tagged }
}

function tag(name: TagName, v: unknown): { $t: TagName; v: unknown } {
  return { $t: name, v }
}

const UNDEFINED_TAG = Object.freeze({ $t: Tag.undef })

function wire(value: unknown, s: WalkState): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      // Finite and not -0: JSON keeps it exactly.
      if (value === 0 ? 1 / value > 0 : value - value === 0) return value
      s.tagged = true
      return tag(Tag.num, value === 0 ? '-0' : String(value))
    case 'object':
      if (value === null) return value
      return wireObject(value, s)
    case 'bigint':
      s.tagged = true
      return tag(Tag.bigint, value.toString())
    case 'undefined':
      s.tagged = true
      return UNDEFINED_TAG
    default:
      throw unencodable(s, value)
  }
}

function wireObject(value: object, s: WalkState): unknown {
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) {
    return wirePlainObject(value as Record<string, unknown>, s)
  }
  if (proto === Array.prototype) return wireArray(value as unknown[], s)
  if (value instanceof Date) {
    s.tagged = true
    const ms = value.getTime()
    return tag(Tag.date, Number.isNaN(ms) ? null : ms)
  }
  if (value instanceof Uint8Array) {
    s.tagged = true
    return tag(Tag.bytes, toBase64(value))
  }
  if (value instanceof Map) {
    s.tagged = true
    if (!enterContainer(s, value)) throw circular(s, value)
    const pairs: unknown[] = []
    for (const [k, v] of value) pairs.push([wire(k, s), wire(v, s)])
    leaveContainer(s)
    return tag(Tag.map, pairs)
  }
  if (value instanceof Set) {
    s.tagged = true
    if (!enterContainer(s, value)) throw circular(s, value)
    const members: unknown[] = []
    for (const member of value) members.push(wire(member, s))
    leaveContainer(s)
    return tag(Tag.set, members)
  }
  throw unencodable(s, value)
}

function wireArray(value: unknown[], s: WalkState): unknown {
  if (!enterContainer(s, value)) throw circular(s, value)
  let out: unknown[] | undefined
  const length = value.length
  for (let i = 0; i < length; i++) {
    const item = value[i]
    // undefined and holes become the undef tag (JSON would write null).
    const w = wire(item, s)
    if (out !== undefined) out.push(w)
    else if (w !== item) {
      out = value.slice(0, i)
      out.push(w)
    }
  }
  leaveContainer(s)
  return out ?? value
}

function wirePlainObject(value: Record<string, unknown>, s: WalkState): unknown {
  if (!enterContainer(s, value)) throw circular(s, value)
  let result: unknown
  if (Object.hasOwn(value, TAG_KEY)) {
    // A user object that could pass for a tag: write it as an entry list instead.
    s.tagged = true
    const pairs: unknown[] = []
    for (const key of Object.keys(value)) {
      const item = value[key]
      if (item !== undefined) pairs.push([key, wire(item, s)])
    }
    result = tag(Tag.obj, pairs)
  } else {
    const ownCheck = s.ownCheck
    let out: Record<string, unknown> | undefined
    for (const key in value) {
      if (ownCheck && !Object.hasOwn(value, key)) continue
      const item = value[key]
      // undefined properties are dropped, as JSON.stringify does.
      if (item === undefined) continue
      const w = wire(item, s)
      if (out !== undefined) define(out, key, w)
      else if (w !== item) {
        out = copyUntil(value, key, ownCheck)
        define(out, key, w)
      }
    }
    result = out ?? value
  }
  leaveContainer(s)
  return result
}

/** A copy of the own properties of `value` that come before `stop` in iteration order. */
function copyUntil(
  value: Record<string, unknown>,
  stop: string,
  ownCheck: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key in value) {
    if (key === stop) break
    if (ownCheck && !Object.hasOwn(value, key)) continue
    define(out, key, value[key])
  }
  return out
}

/** Sets an own property, even `__proto__`. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    })
  } else {
    target[key] = value
  }
}

function unencodable(s: WalkState, value: unknown): CacheValueError {
  return new CacheValueError(
    'ENCODE_FAILED',
    `json encoder cannot encode ${describeUnencodable(s, value)}`,
  )
}

function circular(s: WalkState, container: object): CacheValueError {
  return new CacheValueError(
    'ENCODE_FAILED',
    `json encoder cannot encode a circular structure: ${describeCycle(s, container)}`,
  )
}

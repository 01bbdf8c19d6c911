import {
  CacheValueError,
  type ContainerPath,
  describeCycle,
  describePath,
  describeUnencodable,
  enterContainer,
  leaveContainer,
  objectPrototypeIsPolluted,
} from '@cacheport/core'

/** Below this depth no cycle check is made: a cycle always ends up deeper than this. */

/** `String.prototype.isWellFormed` (Node 20+; TypeScript's ES2023 lib does not declare it). */
interface MaybeWellFormed {
  isWellFormed(): boolean
}

function wellFormed(text: string): boolean {
  return (text as unknown as MaybeWellFormed).isWellFormed()
}

/** What one check walk knows. */
interface WalkState extends ContainerPath {
  /** Set when a -0 was found: the value must be written with floats only (see `cbor-encoder.ts`). */
  negativeZero: boolean
  /** `for...in` must skip inherited keys (see `own-keys.ts`). */
  readonly ownCheck: boolean
  /** The containers being walked, outermost first (and a Set of them past 64 levels). */
  readonly stack: object[]
  seen: Set<object> | undefined
}

/**
 * Walks a value before cbor-x encodes it, because cbor-x writes many values it cannot give
 * back: class instances and Promises as plain objects, boxed strings as arrays, ArrayBuffers as
 * bytes, lone surrogates as U+FFFD, an own `__proto__` key as `__proto_`, far-future Dates
 * off by a millisecond. Copies nothing.
 *
 * Returns true when the value holds a -0. Throws `CacheValueError` (`ENCODE_FAILED`) for
 * anything the encoder cannot round-trip exactly, naming the path to it.
 */
export function checkValue(value: unknown): boolean {
  const state: WalkState = {
    negativeZero: false,
    ownCheck: objectPrototypeIsPolluted(),
    stack: [],
    seen: undefined,
  }
  check(value, state)
  return state.negativeZero
}

function check(value: unknown, s: WalkState): void {
  switch (typeof value) {
    case 'string':
      // CBOR text is UTF-8, which has no lone surrogates: cbor-x would write U+FFFD or invalid
      // UTF-8, so the string would not come back.
      if (!wellFormed(value)) throw loneSurrogate(s, value)
      return
    case 'number':
      if (value === 0 && 1 / value < 0) s.negativeZero = true
      return
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return
    case 'object':
      if (value !== null) checkObject(value, s)
      return
    default:
      throw unencodable(s, value)
  }
}

function checkObject(value: object, s: WalkState): void {
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) {
    checkPlainObject(value as Record<string, unknown>, s)
  } else if (proto === Array.prototype) {
    const list = value as unknown[]
    if (!enterContainer(s, list)) throw circular(s, list)
    const length = list.length
    for (let i = 0; i < length; i++) check(list[i], s)
    leaveContainer(s)
  } else if (value instanceof Date) {
    const ms = value.getTime()
    // cbor-x writes epoch seconds as a float64 and rounds seconds * 1000 when reading: exact
    // for every Date up to about year 140,000, off by one millisecond for some beyond.
    if (Math.round((ms / 1000) * 1000) !== ms && !Number.isNaN(ms)) throw farDate(s, value)
  } else if (value instanceof Uint8Array) {
    // Any Uint8Array, Buffer included: written as a CBOR byte string.
  } else if (proto === Map.prototype) {
    // Only exact Maps: cbor-x writes a Map subclass as an array of entries.
    const map = value as Map<unknown, unknown>
    if (!enterContainer(s, map)) throw circular(s, map)
    for (const [k, v] of map) {
      check(k, s)
      check(v, s)
    }
    leaveContainer(s)
  } else if (value instanceof Set) {
    if (!enterContainer(s, value)) throw circular(s, value)
    for (const member of value) check(member, s)
    leaveContainer(s)
  } else {
    throw unencodable(s, value)
  }
}

function checkPlainObject(value: Record<string, unknown>, s: WalkState): void {
  if (!enterContainer(s, value)) throw circular(s, value)
  const ownCheck = s.ownCheck
  for (const key in value) {
    if (ownCheck && !Object.hasOwn(value, key)) continue
    // cbor-x reads a `__proto__` key back as `__proto_` (its guard against prototype pollution).
    if (key === '__proto__') throw protoKey(s)
    if (!wellFormed(key)) throw loneSurrogate(s, key)
    check(value[key], s)
  }
  leaveContainer(s)
}

function unencodable(s: WalkState, value: unknown): CacheValueError {
  return new CacheValueError(
    'ENCODE_FAILED',
    `cbor encoder cannot encode ${describeUnencodable(s, value)}`,
  )
}

function loneSurrogate(s: WalkState, text: string): CacheValueError {
  return new CacheValueError(
    'ENCODE_FAILED',
    `cbor encoder cannot encode a string with a lone surrogate at ${describePath(s.stack, text)} (CBOR text must be valid UTF-8)`,
  )
}

function protoKey(s: WalkState): CacheValueError {
  return new CacheValueError(
    'ENCODE_FAILED',
    `cbor encoder cannot encode an own "__proto__" key at ${describePath(s.stack.slice(0, -1), s.stack[s.stack.length - 1])}`,
  )
}

function farDate(s: WalkState, date: Date): CacheValueError {
  return new CacheValueError(
    'ENCODE_FAILED',
    `cbor encoder cannot encode the Date ${date.getTime()} ms at ${describePath(s.stack, date)} exactly (too far from 1970)`,
  )
}

function circular(s: WalkState, container: object): CacheValueError {
  return new CacheValueError(
    'ENCODE_FAILED',
    `cbor encoder cannot encode a circular structure: ${describeCycle(s, container)}`,
  )
}

/**
 * Helpers for encoder authors: describe where and what a value is (for error messages), and
 * check whether `for...in` walks must filter inherited keys. Used by encoder-json and
 * encoder-cbor; never on a hot path except `objectPrototypeIsPolluted`, once per walk.
 */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** A short description of a value's type: `a function`, `a RegExp`, `an instance of Foo`. */
export function typeName(value: unknown): string {
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`
  const tag = Object.prototype.toString.call(value).slice(8, -1)
  if (tag !== 'Object') return /^[AEIOU]/.test(tag) ? `an ${tag}` : `a ${tag}`
  const proto: unknown = Object.getPrototypeOf(value)
  if (typeof proto === 'object' && proto !== null && Object.hasOwn(proto, 'constructor')) {
    const ctor: unknown = (proto as { constructor: unknown }).constructor
    if (typeof ctor === 'function' && ctor.name !== '') return `an instance of ${ctor.name}`
  }
  return 'an object with a custom prototype'
}

/**
 * The path from the root to `leaf` through `ancestors` (outermost first), like `$.a[2].get("k")`.
 * Found by identity, so a segment is `?` when a getter answered a different value.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function describePath(ancestors: readonly object[], leaf: unknown): string {
  let path = '$'
  for (let i = 0; i < ancestors.length; i++) {
    const child = i + 1 < ancestors.length ? ancestors[i + 1] : leaf
    path += segment(ancestors[i] as object, child)
  }
  return path
}

function segment(parent: object, child: unknown): string {
  if (Array.isArray(parent)) {
    const index = parent.indexOf(child)
    return index === -1 ? '[?]' : `[${index}]`
  }
  if (parent instanceof Map) {
    for (const [key, value] of parent) {
      if (value === child) return `.get(${keyText(key)})`
      if (key === child) return '<map key>'
    }
    return '<map entry>'
  }
  if (parent instanceof Set) return '<set member>'
  for (const key of Object.keys(parent)) {
    if ((parent as Record<string, unknown>)[key] === child) {
      return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
    }
  }
  return '.?'
}

function keyText(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key)
  if (typeof key === 'number' || typeof key === 'boolean' || key == null) return String(key)
  if (typeof key === 'bigint') return `${key}n`
  return `<${typeName(key)}>`
}

/**
 * True when `Object.prototype` has an enumerable property, so `for...in` must filter keys.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function objectPrototypeIsPolluted(): boolean {
  for (const _key in Object.prototype) return true
  return false
}

/** Below this depth a value walk finds cycles by scanning its stack; deeper, by a Set. */
const CYCLE_CHECK_DEPTH = 64

/** The containers on the path of a value walk: what encoders use to find cycles and name paths. */
export interface ContainerPath {
  /** The containers from the root to the current one. */
  readonly stack: object[]
  /** The same containers as a Set, kept only while the walk is deeper than 64 levels. */
  seen: Set<object> | undefined
}

/**
 * Steps into `container`. Returns false, without stepping in, when it is already on the path
 * (a cycle). A walk no deeper than 64 levels only pushes onto an array: cycles are then caught
 * by the stack-depth limit of the recursion or by the deeper Set check.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function enterContainer(path: ContainerPath, container: object): boolean {
  const stack = path.stack
  if (stack.length >= CYCLE_CHECK_DEPTH) {
    let seen = path.seen
    if (seen === undefined) {
      seen = new Set(stack)
      path.seen = seen
    }
    if (seen.has(container)) return false
    seen.add(container)
  }
  stack.push(container)
  return true
}

/**
 * Steps out of the current container.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function leaveContainer(path: ContainerPath): void {
  const container = path.stack.pop() as object
  if (path.seen !== undefined) {
    if (path.stack.length >= CYCLE_CHECK_DEPTH) path.seen.delete(container)
    else path.seen = undefined
  }
}

/**
 * Describes the cycle `enterContainer` refused, as `$.a.b refers back to $.a`. The stack
 * repeats the cycle many times over: this reports its first repetition.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function describeCycle(path: ContainerPath, container: object): string {
  const full = [...path.stack, container]
  const firstIndex = new Map<object, number>()
  let at = full.length - 1
  let target = full.indexOf(container)
  for (let i = 0; i < full.length; i++) {
    const earlier = firstIndex.get(full[i] as object)
    if (earlier !== undefined) {
      at = i
      target = earlier
      break
    }
    firstIndex.set(full[i] as object, i)
  }
  return `${describePath(full.slice(0, at), full[at])} refers back to ${describePath(full.slice(0, target), full[target])}`
}

/**
 * Describes a value an encoder cannot represent, as `a function at $.a.f`, with a note of the
 * supported object types when the value is an object.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function describeUnencodable(path: ContainerPath, value: unknown): string {
  const hint =
    typeof value === 'object'
      ? ' (supported: plain objects, arrays, Date, Uint8Array, Map, Set)'
      : ''
  return `${typeName(value)} at ${describePath(path.stack, value)}${hint}`
}

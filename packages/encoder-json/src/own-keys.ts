/**
 * The walks iterate objects with `for...in`, which is much faster than `Object.keys` but also
 * visits enumerable properties inherited from `Object.prototype`. Those exist only when
 * something assigned to `Object.prototype`; each walk checks that once (a few nanoseconds) and
 * then filters keys with `Object.hasOwn` only in that case.
 */

/** True when `Object.prototype` has an enumerable property, so `for...in` must filter keys. */
export function objectPrototypeIsPolluted(): boolean {
  for (const _key in Object.prototype) return true
  return false
}

import type { MaybePromise } from './ports.js'

/**
 * True for a promise. Ports answer with native promises (what any `async` function returns)
 * or plain values; checking the class is cheaper than looking up `then` on every value, and
 * never mistakes a cached value that happens to have a `then` method for a promise.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise
}

/** Applies `fn` now when `value` is ready, or after it resolves: keeps sync paths sync. */
export function chain<T, R>(
  value: MaybePromise<T>,
  fn: (resolved: T) => MaybePromise<R>,
): MaybePromise<R> {
  return isPromise(value) ? value.then(fn) : fn(value)
}

/** Runs `fn` and turns a synchronous throw into a rejected promise. */
export function toPromise<R>(fn: () => MaybePromise<R>): Promise<R> {
  try {
    const out = fn()
    return isPromise(out) ? out : Promise.resolve(out)
  } catch (error) {
    return Promise.reject(error)
  }
}

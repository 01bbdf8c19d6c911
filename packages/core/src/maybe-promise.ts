import type { MaybePromise } from './ports.js'

/** True for native promises and thenables. */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
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

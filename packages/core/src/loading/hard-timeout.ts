import { CacheTimeoutError } from '../errors.js'

/**
 * Bounds a load for a caller with nothing to serve: rejects with `CacheTimeoutError` after
 * `hardTimeoutMs` (the load itself goes on and still writes its value back).
 */
export function withHardTimeout<T>(
  load: Promise<T>,
  hardTimeoutMs: number | undefined,
  what: string,
): Promise<T> {
  if (hardTimeoutMs === undefined) return load
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CacheTimeoutError(what, hardTimeoutMs)),
      hardTimeoutMs,
    )
    load.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

import { CacheTimeoutError } from '../errors.js'

/**
 * Bounds a load for a caller with nothing to serve: rejects with `CacheTimeoutError` after
 * `hardTimeoutMs` and hands that error to `onTimeout` (which aborts the loader's signal; a
 * loader that ignores it goes on and still writes its value back).
 */
export function withHardTimeout<T>(
  load: Promise<T>,
  hardTimeoutMs: number | undefined,
  what: string,
  onTimeout?: (error: CacheTimeoutError) => void,
): Promise<T> {
  if (hardTimeoutMs === undefined) return load
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new CacheTimeoutError(what, hardTimeoutMs)
      reject(error)
      onTimeout?.(error)
    }, hardTimeoutMs)
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

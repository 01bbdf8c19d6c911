/**
 * Option checks for package authors (transformers, providers) and for core itself: typed
 * `CacheConfigError`s for unknown option names (with the closest known name), non-object
 * options and out-of-range integers.
 */
import { CacheConfigError } from './errors.js'

/**
 * Refuses a bad option with `CacheConfigError` (`INVALID_OPTION`).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function invalidOption(message: string): never {
  throw new CacheConfigError('INVALID_OPTION', message)
}

/**
 * True for an options object (not null, not an array).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * A short description of an option value for error messages.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function describeOption(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `'${value.slice(0, 40)}'`
  if (typeof value === 'number') return String(value)
  if (typeof value === 'object') return value.constructor?.name ?? 'an object'
  return typeof value
}

/**
 * Refuses option names the factory does not know (a typo would otherwise pass silently),
 * with `CacheConfigError` (`INVALID_OPTION`) naming the key and the closest known name.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function checkKnownKeys(
  options: Record<string, unknown>,
  known: readonly string[],
  where: string,
  /** Written before the key names in the message (`timeouts.` for a nested object). */
  path = '',
): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const near = closestName(key, known)
      invalidOption(
        `${where}: unknown option '${path}${key}'${near === undefined ? '' : ` (did you mean '${path}${near}'?)`} (known: ${known.map((k) => path + k).join(', ')})`,
      )
    }
  }
}

/**
 * Checks an options argument: `undefined` passes; anything but a plain object, or an object
 * with a key outside `known`, throws `CacheConfigError` (`INVALID_OPTION`) naming `where`.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function checkOptionsObject(
  options: unknown,
  known: readonly string[],
  where: string,
  path = '',
): asserts options is Record<string, unknown> | undefined {
  if (options === undefined) return
  if (!isRecord(options)) {
    invalidOption(
      `${where}: ${path || 'options'} must be an object, got ${describeOption(options)}`,
    )
  }
  checkKnownKeys(options, known, where, path)
}

/**
 * The known name nearest to `key` (case-insensitive edit distance at most 3, and at most half
 * the key's length), if any. Never throws.
 */
export function closestName(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.min(3, Math.max(1, Math.floor(key.length / 2)))
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase())
    if (distance <= bestDistance) {
      best = name
      bestDistance = distance - 1
    }
  }
  return best
}

/** Levenshtein distance, with one row of memory. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost)
      diagonal = above
    }
  }
  return row[b.length] as number
}

/**
 * An integer in [min, max], or `fallback` when `undefined`.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function integerOption(
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  where: string,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalidOption(`${where} must be an integer from ${min} to ${max}, got ${describeOption(value)}`)
  }
  return value
}

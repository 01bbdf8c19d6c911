/**
 * Option checks for package authors (transformers, providers): typed `CacheConfigError`s for
 * unknown option names and out-of-range integers. Used by transformer-zstd and transformer-gzip.
 */
import { CacheConfigError } from './errors.js'

/** Refuses a bad option with `CacheConfigError` (`INVALID_OPTION`). */
export function invalidOption(message: string): never {
  throw new CacheConfigError('INVALID_OPTION', message)
}

/** True for an options object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** A short description of an option value for error messages. */
export function describeOption(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `'${value.slice(0, 40)}'`
  if (typeof value === 'number') return String(value)
  if (typeof value === 'object') return value.constructor?.name ?? 'an object'
  return typeof value
}

/** Refuses option names the factory does not know (a typo would otherwise pass silently). */
export function checkKnownKeys(
  options: Record<string, unknown>,
  known: readonly string[],
  where: string,
): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      invalidOption(`${where}: unknown option '${key}' (known: ${known.join(', ')})`)
    }
  }
}

/** An integer in [min, max], or `fallback` when `undefined`. */
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

import { CacheTtlError } from './errors.js'

/** The units of a duration string: milliseconds, seconds, minutes, hours, days, weeks. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w'

type DurationPart = `${number}${DurationUnit}`

/**
 * A duration string of one to three `<number><unit>` parts, such as `'500ms'`, `'10m'` or
 * `'1h30m'`, so `'10 minutes'` does not compile. The runtime check (`parseDuration`) stays:
 * it also refuses what the type lets through (`'-5m'`, `'0s'`) and takes strings built at run
 * time (`process.env.TTL as DurationString`), spaces between parts included.
 */
export type DurationString =
  | DurationPart
  | `${DurationPart}${DurationPart}`
  | `${DurationPart}${DurationPart}${DurationPart}`

/** A duration in milliseconds, or a string such as `'500ms'`, `'30s'`, `'10m'`, `'1h30m'`, `'2d'`. */
export type Duration = number | DurationString

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}
/**
 * The longest duration accepted, in ms: 10^15 (about 31,700 years). Every backend can store
 * it, with jitter and grace added, as an exact integer; use `ttl: null` for no expiry.
 */
export const MAX_DURATION_MS = 1e15

const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/y
const parsed = new Map<string, number>()

/**
 * Parses a duration to milliseconds. Throws `CacheTtlError` for NaN, zero, negative or
 * non-finite numbers, durations over `MAX_DURATION_MS`, and strings that are not a sequence
 * of `<number><unit>` parts.
 * @param what names the option in the error message (e.g. `ttl`).
 */
export function parseDuration(input: Duration | string, what = 'ttl'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input <= 0) {
      throw new CacheTtlError(
        `${what} must be a finite number of milliseconds > 0, got ${String(input)}` +
          (what === 'ttl' ? ' (use ttl: null for no expiry)' : ''),
      )
    }
    if (input > MAX_DURATION_MS) throw tooLong(what, String(input))
    return input
  }
  if (typeof input !== 'string') {
    throw new CacheTtlError(
      `${what} must be a number of ms or a string like '10m', got ${typeof input}`,
    )
  }
  const cached = parsed.get(input)
  if (cached !== undefined) return cached
  const text = input.trim()
  let total = 0
  let pos = 0
  PART.lastIndex = 0
  while (pos < text.length) {
    PART.lastIndex = pos
    const m = PART.exec(text)
    if (m === null) break
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number)
    pos = PART.lastIndex
    while (text.charCodeAt(pos) === 32) pos++
  }
  if (text.length === 0 || pos !== text.length || !(total > 0) || !Number.isFinite(total)) {
    throw new CacheTtlError(
      `${what} '${input}' is not a positive duration (examples: '500ms', '30s', '10m', '1h30m', '2d')`,
    )
  }
  if (total > MAX_DURATION_MS) throw tooLong(what, `'${input}'`)
  if (parsed.size > 1_000) parsed.clear()
  parsed.set(input, total)
  return total
}

function tooLong(what: string, input: string): CacheTtlError {
  return new CacheTtlError(
    `${what} ${input} is over the limit of ${MAX_DURATION_MS} ms (about 31,700 years)` +
      (what === 'ttl' ? '; use ttl: null for no expiry' : ''),
  )
}

/**
 * Resolves an optional TTL option: `undefined` inherits `fallback`, `null` means no expiry.
 * Throws `CacheTtlError` on an invalid duration.
 */
export function resolveTtl(
  value: Duration | null | undefined,
  fallback: number | undefined,
  what = 'ttl',
): number | undefined {
  if (value === undefined) return fallback
  if (value === null) return undefined
  return parseDuration(value, what)
}

/**
 * Spreads a TTL by ±`jitter` (a fraction, 0.1 = ±10%) so keys written together do not expire
 * together. Returns whole milliseconds, at least 1.
 */
export function jitterTtl(ttl: number, jitter: number, random: () => number): number {
  if (jitter === 0) return ttl
  const spread = ttl * jitter * (random() * 2 - 1)
  return Math.max(1, Math.round(ttl + spread))
}

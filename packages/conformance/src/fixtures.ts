import type { Encoder } from '@cacheport/core'

/**
 * Keys that have broken caches before: separators, glob and hash-tag characters (Redis SCAN
 * MATCH and Cluster slots), control characters, and non-BMP unicode.
 */
export const AWKWARD_KEYS: readonly string[] = [
  'plain',
  'with space',
  'colon:separated:key',
  'glob*?[chars]',
  '{hash}tag',
  '{}',
  'back\\slash',
  'new\nline',
  'nul\u0000byte',
  'tab\tand\rreturn',
  'ünïcödé',
  '中文键',
  'emoji 🚀🔥',
  'ZWJ 👩‍👩‍👧',
  '%s%d%n',
  '-',
]

/** Every byte value, twice. */
export function allBytes(): Uint8Array {
  const out = new Uint8Array(512)
  for (let i = 0; i < 512; i++) out[i] = i & 0xff
  return out
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function seededBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed | 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

function toTagged(value: unknown): unknown {
  if (value instanceof Uint8Array) return { __bytes: Buffer.from(value).toString('base64') }
  if (Array.isArray(value)) return value.map(toTagged)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toTagged(v)
    return out
  }
  return value
}

function fromTagged(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromTagged)
  if (value !== null && typeof value === 'object') {
    const bytes = (value as { __bytes?: unknown }).__bytes
    if (typeof bytes === 'string') return new Uint8Array(Buffer.from(bytes, 'base64'))
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = fromTagged(v)
    return out
  }
  return value
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * The encoder the provider suite uses for bytes providers unless told otherwise: JSON plus
 * Uint8Array, so the suite depends on no codec package.
 */
export const conformanceEncoder: Encoder = {
  id: 'conformance-json',
  encode: (value) => Buffer.from(JSON.stringify(toTagged(value))),
  decode: (bytes) => fromTagged(JSON.parse(decoder.decode(bytes))),
}

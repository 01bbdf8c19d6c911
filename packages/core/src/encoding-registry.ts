import { isValidPartId } from './envelope.js'
import { CacheConfigError } from './errors.js'
import type { Encoder } from './ports.js'

/** Picks the encoder for a value when writing, and finds an encoder by id when reading. */
export interface EncodingRegistry {
  /** The encoder used when no rule matches. */
  readonly defaultEncoder: Encoder
  /** The encoder for this value. */
  select(value: unknown): Encoder
  /** The encoder with this id, or `undefined` (reading then reports a decode error). */
  get(id: string): Encoder | undefined
}

/** A rule: values for which `when` returns true are written with `encoder`. */
export interface EncoderRule {
  readonly encoder: Encoder
  readonly when: (value: unknown) => boolean
}

export interface EncodingRegistryOptions {
  /** Used when no rule matches. */
  readonly default: Encoder
  /** Checked in order when writing. */
  readonly rules?: readonly EncoderRule[]
  /** Extra encoders kept only for reading older entries (e.g. during a migration). */
  readonly readOnly?: readonly Encoder[]
}

/**
 * Builds an encoding registry. Throws `CacheConfigError` (`INVALID_OPTION`) for an encoder
 * without `encode`/`decode`, an id that is not 1-255 printable ASCII characters, or two
 * different encoders sharing an id.
 */
export function createEncodingRegistry(options: EncodingRegistryOptions): EncodingRegistry {
  const byId = new Map<string, Encoder>()
  const add = (encoder: Encoder): void => {
    if (
      typeof encoder?.id !== 'string' ||
      typeof encoder.encode !== 'function' ||
      typeof encoder.decode !== 'function'
    ) {
      throw new CacheConfigError('INVALID_OPTION', 'encoder must have an id, encode() and decode()')
    }
    if (!isValidPartId(encoder.id)) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `encoder id '${encoder.id}' must be 1-255 printable ASCII characters (it is written into every entry)`,
      )
    }
    const existing = byId.get(encoder.id)
    if (existing !== undefined && existing !== encoder) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `two different encoders share the id '${encoder.id}'`,
      )
    }
    byId.set(encoder.id, encoder)
  }
  add(options.default)
  const rules = [...(options.rules ?? [])]
  for (const rule of rules) add(rule.encoder)
  for (const encoder of options.readOnly ?? []) add(encoder)
  const fallback = options.default
  return {
    defaultEncoder: fallback,
    select:
      rules.length === 0
        ? () => fallback
        : (value) => {
            for (const rule of rules) if (rule.when(value)) return rule.encoder
            return fallback
          },
    get: (id) => byId.get(id),
  }
}

/** True for an `EncodingRegistry` (as opposed to a single `Encoder`). */
export function isEncodingRegistry(value: Encoder | EncodingRegistry): value is EncodingRegistry {
  return typeof (value as EncodingRegistry).select === 'function'
}

import type { EncodingRegistry } from './encoding-registry.js'
import {
  type AppliedTransformer,
  bufferOf,
  type EntryMeta,
  type Envelope,
  EnvelopeHeader,
  envelopeOf,
  MAX_ENTRY_BYTES,
  MAX_TRANSFORMER_PARAM_BYTES,
  readEnvelopeHeader,
  writeEnvelope,
} from './envelope.js'
import { CacheConfigError, CacheDecodeError, CacheValueError } from './errors.js'
import { isPromise } from './maybe-promise.js'
import type { Encoder, MaybePromise, TransformContext, Transformer } from './ports.js'

/** A value read back from bytes, with its metadata. */
export interface DecodedEntry<V> extends EntryMeta {
  readonly value: V | undefined
}

/**
 * The value pipeline of a bytes store: encoder, then transformers (by priority), then the
 * envelope; and the reverse. Synchronous unless a transformer answers with a promise.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export class ValuePipeline {
  readonly #registry: EncodingRegistry
  readonly #transformers: readonly Transformer[]
  readonly #byId: ReadonlyMap<string, Transformer>
  readonly #required: readonly Transformer[]
  /** Reused by every read: nothing keeps it past the synchronous start of a decode. */
  readonly #header = new EnvelopeHeader()

  /** Throws `CacheConfigError` when two transformers share an id. */
  constructor(registry: EncodingRegistry, transformers: readonly Transformer[]) {
    this.#registry = registry
    // Stable sort by priority: compression (100) always runs before encryption (200),
    // whatever order the application listed them in.
    this.#transformers = [...transformers].sort((a, b) => a.priority - b.priority)
    const byId = new Map<string, Transformer>()
    for (const t of this.#transformers) {
      if (byId.has(t.id)) {
        throw new CacheConfigError('INVALID_OPTION', `two transformers share the id '${t.id}'`)
      }
      byId.set(t.id, t)
    }
    this.#byId = byId
    this.#required = this.#transformers.filter((t) => t.required === true)
  }

  /** The transformers in the order they are applied when writing. */
  get transformers(): readonly Transformer[] {
    return this.#transformers
  }

  /**
   * Encodes a value (or a negative entry when `meta.negative`) into envelope bytes.
   * Throws `CacheValueError` (`ENCODE_FAILED`) when the encoder or a transformer fails.
   */
  encode(value: unknown, meta: EntryMeta, context: TransformContext): MaybePromise<Uint8Array> {
    const encoder = this.#registry.select(value)
    const direct = this.#transformers.length === 0 || (meta.negative && this.#required.length === 0)
    if (meta.negative) {
      return direct
        ? writeEnvelope(encoder.id, [], meta, EMPTY)
        : this.#transform(encoder.id, meta, EMPTY, context, 0, [])
    }
    let payload: Uint8Array | string
    try {
      // Text encoders write straight into the envelope: no intermediate buffer.
      payload =
        direct && encoder.encodeText !== undefined
          ? encoder.encodeText(value)
          : encoder.encode(value)
    } catch (error) {
      if (error instanceof CacheValueError) throw error
      throw new CacheValueError(
        'ENCODE_FAILED',
        `encoder '${encoder.id}' could not encode the value for key '${context.key}': ${messageOf(error)}`,
        { cause: error },
      )
    }
    if (direct) return checkSize(writeEnvelope(encoder.id, [], meta, payload), context)
    return this.#transform(encoder.id, meta, payload as Uint8Array, context, 0, [])
  }

  #transform(
    encoderId: string,
    meta: EntryMeta,
    bytes: Uint8Array,
    context: TransformContext,
    from: number,
    applied: AppliedTransformer[],
  ): MaybePromise<Uint8Array> {
    for (let i = from; i < this.#transformers.length; i++) {
      const t = this.#transformers[i] as Transformer
      let result: ReturnType<Transformer['encode']>
      try {
        result = t.encode(bytes, context)
      } catch (error) {
        throw encodeFailure(t, context, error)
      }
      if (isPromise(result)) {
        return result.then(
          (r) => {
            if (r === null && t.required === true) throw requiredSkipped(t)
            const next = r === null ? bytes : r.bytes
            if (r !== null) {
              checkParam(t, r.param)
              applied.push({ id: t.id, param: r.param })
            }
            return this.#transform(encoderId, meta, next, context, i + 1, applied)
          },
          (error: unknown) => {
            throw encodeFailure(t, context, error)
          },
        )
      }
      if (result !== null) {
        checkParam(t, result.param)
        applied.push({ id: t.id, param: result.param })
        bytes = result.bytes
      } else if (t.required === true) {
        throw requiredSkipped(t)
      }
    }
    return checkSize(writeEnvelope(encoderId, applied, meta, bytes), context)
  }

  /**
   * Decodes envelope bytes. Throws `CacheDecodeError` for anything it cannot turn back into
   * exactly the value that was written: corrupt or foreign bytes, an unknown encoder or
   * transformer, a transformer or decoder failure.
   */
  decode<V>(bytes: Uint8Array, context: TransformContext): MaybePromise<DecodedEntry<V>> {
    return this.decodeEntry<V>(bytes, context.namespace, context.key, context)
  }

  /**
   * `decode` for the entry of `key` in `namespace`, building the transform context only when
   * a transformer needs it. An entry with no transformer is decoded in place: no envelope
   * object, no payload view, and, for an encoder with `decodeVerified`, none of the checks the
   * checksum already made. Throws as `decode`.
   */
  decodeEntry<V>(
    input: Uint8Array,
    namespace: string,
    key: string,
    context?: TransformContext,
  ): MaybePromise<DecodedEntry<V>> {
    const bytes = bufferOf(input)
    const header = readEnvelopeHeader(bytes, this.#header)
    if (header.transformerCount !== 0 || this.#required.length !== 0) {
      return this.#decodeTransformed(envelopeOf(bytes, header), context ?? { namespace, key })
    }
    // Copied out before any call: the header object is reused by the next read.
    const createdAt = header.createdAt
    const expiresAt = header.expiresAt
    const staleUntil = header.staleUntil
    const negative = header.negative
    const encoderId = header.encoderId
    const start = header.payloadStart
    const end = header.payloadEnd
    let value: V | undefined
    if (!negative) {
      const encoder = this.#registry.get(encoderId)
      if (encoder === undefined) throw unknownEncoder(encoderId, key)
      try {
        value = (
          encoder.decodeVerified !== undefined
            ? encoder.decodeVerified(bytes, start, end)
            : encoder.decode(bytes.subarray(start, end))
        ) as V
      } catch (error) {
        throw decodeFailure(encoder, key, error)
      }
    }
    return { value, createdAt, expiresAt, staleUntil, negative }
  }

  #decodeTransformed<V>(
    envelope: Envelope,
    context: TransformContext,
  ): MaybePromise<DecodedEntry<V>> {
    for (const t of this.#required) {
      if (!envelope.transformers.some((a) => a.id === t.id)) {
        throw new CacheDecodeError(
          `entry for key '${context.key}' was not passed through required transformer '${t.id}'`,
        )
      }
    }
    if (envelope.negative && envelope.transformers.length === 0) {
      return decoded<V>(envelope, undefined)
    }
    const encoder = this.#registry.get(envelope.encoderId)
    if (encoder === undefined) throw unknownEncoder(envelope.encoderId, context.key)
    const applied = envelope.transformers
    if (applied.length === 0) return finish<V>(envelope, encoder, envelope.payload, context)
    let payload: MaybePromise<Uint8Array> = envelope.payload
    for (let i = applied.length - 1; i >= 0; i--) {
      const { id, param } = applied[i] as AppliedTransformer
      const t = this.#byId.get(id)
      if (t === undefined) {
        throw new CacheDecodeError(
          `entry for key '${context.key}' needs transformer '${id}', which is not configured`,
        )
      }
      payload = isPromise(payload)
        ? payload.then((p) => reverse(t, p, param, context))
        : reverse(t, payload, param, context)
    }
    return isPromise(payload)
      ? payload.then((p) => finish<V>(envelope, encoder, p, context))
      : finish<V>(envelope, encoder, payload, context)
  }
}

function unknownEncoder(id: string, key: string): CacheDecodeError {
  return new CacheDecodeError(
    `entry for key '${key}' was written with encoder '${id}', which is not configured`,
  )
}

function decodeFailure(encoder: Encoder, key: string, error: unknown): CacheDecodeError {
  return new CacheDecodeError(
    `encoder '${encoder.id}' could not decode the entry for key '${key}': ${messageOf(error)}`,
    { cause: error },
  )
}

/** Decodes the payload an envelope's transformers gave back. */
function finish<V>(
  envelope: Envelope,
  encoder: Encoder,
  payload: Uint8Array,
  context: TransformContext,
): DecodedEntry<V> {
  // A negative entry's payload only proves its transformers (authentication) accepted it.
  if (envelope.negative) return decoded<V>(envelope, undefined)
  let value: V
  try {
    value = encoder.decode(payload) as V
  } catch (error) {
    throw decodeFailure(encoder, context.key, error)
  }
  return decoded(envelope, value)
}

const EMPTY = new Uint8Array(0)

/** One allocation per read: the value with its metadata. */
function decoded<V>(e: EntryMeta, value: V | undefined): DecodedEntry<V> {
  return {
    value,
    createdAt: e.createdAt,
    expiresAt: e.expiresAt,
    staleUntil: e.staleUntil,
    negative: e.negative,
  }
}

function reverse(
  t: Transformer,
  bytes: Uint8Array,
  param: Uint8Array | undefined,
  context: TransformContext,
): MaybePromise<Uint8Array> {
  const wrap = (error: unknown): never => {
    if (error instanceof CacheDecodeError) throw error
    throw new CacheDecodeError(
      `transformer '${t.id}' could not reverse the entry for key '${context.key}': ${messageOf(error)}`,
      { cause: error },
    )
  }
  try {
    const out = t.decode(bytes, param, context)
    return isPromise(out) ? out.then(undefined, wrap) : out
  } catch (error) {
    return wrap(error)
  }
}

/** Throws `CacheValueError` (`VALUE_TOO_LARGE`) for an entry over `MAX_ENTRY_BYTES`. */
function checkSize(entry: Buffer, context: TransformContext): Buffer {
  if (entry.byteLength > MAX_ENTRY_BYTES) {
    throw new CacheValueError(
      'VALUE_TOO_LARGE',
      `the entry for key '${context.key}' takes ${entry.byteLength} bytes, over the limit of ${MAX_ENTRY_BYTES} (512 MiB less room for tags)`,
    )
  }
  return entry
}

/** Throws `CacheValueError` (`ENCODE_FAILED`) for a parameter the envelope cannot carry. */
function checkParam(t: Transformer, param: Uint8Array | undefined): void {
  if (param !== undefined && param.byteLength > MAX_TRANSFORMER_PARAM_BYTES) {
    throw new CacheValueError(
      'ENCODE_FAILED',
      `transformer '${t.id}' returned a parameter of ${param.byteLength} bytes, over the envelope's limit of ${MAX_TRANSFORMER_PARAM_BYTES}`,
    )
  }
}

function requiredSkipped(t: Transformer): CacheValueError {
  return new CacheValueError(
    'ENCODE_FAILED',
    `required transformer '${t.id}' skipped a value (it must never return null)`,
  )
}

function encodeFailure(t: Transformer, context: TransformContext, error: unknown): CacheValueError {
  return new CacheValueError(
    'ENCODE_FAILED',
    `transformer '${t.id}' failed on the value for key '${context.key}': ${messageOf(error)}`,
    { cause: error },
  )
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

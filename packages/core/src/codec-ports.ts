/**
 * The codec ports: what turns a value into the bytes a store keeps and back (encoders and
 * transformers), and typed keys into store keys. Re-exported by `ports.ts`.
 */

import type { MaybePromise } from './ports.js'

/** Turns values into bytes and back. `id` is written into every entry, so keep it stable. */
export interface Encoder<V = unknown> {
  /** Stable identifier, 1-255 ASCII bytes (e.g. `json`, `cbor`). */
  readonly id: string
  /** Encode a value. Throws when the value cannot be represented. */
  encode(value: V): Uint8Array
  /**
   * Optional: encode a value as a string whose UTF-8 bytes are exactly what `encode` returns
   * (text formats such as JSON). With no transformer to run, the pipeline writes that string
   * straight into the envelope, saving a buffer and a copy. Throws as `encode` does.
   */
  encodeText?(value: V): string
  /** Decode bytes produced by `encode`. Throws on malformed input; never returns a guess. */
  decode(bytes: Uint8Array): V
  /**
   * Optional: decode `bytes[start, end)` in place, where the envelope's CRC-32 already vouched
   * that they are the bytes `encode` (or `encodeText`) wrote. The pipeline calls it instead of
   * `decode` for an entry with no transformer, once the checksum matched, so an encoder may
   * skip checks that only catch corrupt bytes (UTF-8 validity, for a text format). It must
   * still refuse what `encode` never writes (bad syntax, unknown tags): throw, never guess.
   */
  decodeVerified?(bytes: Uint8Array, start: number, end: number): V
}

/** Where a transformer runs in the pipeline: compression always runs before encryption. */
export const TransformerPriority = {
  compression: 100,
  encryption: 200,
} as const

/** What a transformer sees besides the bytes: used, for example, as AEAD associated data. */
export interface TransformContext {
  readonly namespace: string
  /** The encoded key (after the KeyCodec, before any provider prefix). */
  readonly key: string
}

/** Result of a transformer's `encode`: new bytes plus an optional parameter kept in the envelope. */
export interface TransformResult {
  readonly bytes: Uint8Array
  /** Small per-entry parameter (a key id, a dictionary id), at most 255 bytes. */
  readonly param?: Uint8Array
}

/** Bytes-to-bytes stage (compression, encryption). */
export interface Transformer {
  /** Stable identifier, 1-255 ASCII bytes, recorded in every entry it was applied to. */
  readonly id: string
  /** Lower runs first when encoding; see `TransformerPriority`. */
  readonly priority: number
  /**
   * When true, a reader configured with this transformer refuses every entry that was not
   * passed through it, negative entries included (an encryption transformer sets this, so a
   * writer with access to the backend cannot plant plaintext). A required transformer must
   * never skip (`encode` never returns `null`).
   */
  readonly required?: boolean
  /**
   * Transform bytes on the way in. Return `null` to skip (e.g. below a size threshold): the
   * envelope then does not name this transformer and reading skips it too.
   */
  encode(bytes: Uint8Array, context: TransformContext): MaybePromise<TransformResult | null>
  /** Reverse `encode`. Throws on bytes it cannot reverse (tampered, truncated, unknown key). */
  decode(
    bytes: Uint8Array,
    param: Uint8Array | undefined,
    context: TransformContext,
  ): MaybePromise<Uint8Array>
}

/** Maps typed keys to the strings a store works with. */
export interface KeyCodec<K> {
  encode(key: K): string
  decode(encoded: string): K
}

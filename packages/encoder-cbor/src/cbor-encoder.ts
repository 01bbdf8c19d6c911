import {
  CacheConfigError,
  CacheValueError,
  checkOptionsObject,
  describeOption,
  type Encoder,
} from '@cacheport/core'
import { Encoder as CborX, Decoder, type Options } from 'cbor-x'
import { checkValue } from './check-value.js'
import { scan } from './scan.js'

/** The id of the default encoder: standard CBOR maps for objects. */
export const CBOR_ENCODER_ID = 'cbor'
/** The id of the records-mode encoder: objects as cbor-x records defined inside each value. */
export const CBOR_RECORDS_ENCODER_ID = 'cbor-rec'

/** Options of `cborEncoder`. */
export interface CborEncoderOptions {
  /**
   * Write plain objects as cbor-x records (id `cbor-rec`) instead of CBOR maps (id `cbor`).
   * Each value carries the definitions of its own records, so it decodes on its own, in any
   * process. Smaller and faster for arrays of objects of the same shape; a little larger for
   * a single object. Default `false`.
   */
  readonly records?: boolean
}

/** cbor-x options that both modes share. They fix the wire format: do not change them. */
const COMMON: Options = {
  // Bytes as a plain CBOR byte string (major type 2), never tag 64: a Buffer and a Uint8Array
  // are written the same, and read back as a Uint8Array.
  tagUint8Array: false,
  // Decoded bytes own their memory instead of viewing the (often pooled) input.
  copyBuffers: true,
}

/** Plain objects as CBOR maps with the smallest header, Maps as tag 259 + map. */
const MAP_MODE: Options = {
  ...COMMON,
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
}

/**
 * Plain objects as records, Maps as untagged CBOR maps. No `structures`, `getStructures` or
 * `saveStructures`: cbor-x then forgets every record definition after each encode, so each
 * value defines the records it uses. A decoder without `structures` starts each decode with
 * no definitions, so it never reads a value with another value's definitions.
 */
const RECORD_MODE: Options = {
  ...COMMON,
  useRecords: true,
  mapsAsObjects: false,
}

/** One configuration: the id, the writers and the reader. */
interface Mode {
  readonly id: string
  readonly records: boolean
  readonly writer: CborX
  /** Writes every number as a float64: only for values that hold a -0 (see `encode`). */
  readonly floatWriter: CborX
  readonly reader: Decoder
}

function mode(id: string, records: boolean, options: Options): Mode {
  return {
    id,
    records,
    writer: new CborX({ ...options }),
    floatWriter: new CborX({ ...options, alwaysUseFloat: true }),
    reader: new Decoder({ ...options }),
  }
}

function makeEncoder(m: Mode): Encoder<unknown> {
  function encode(value: unknown): Uint8Array {
    if (value === undefined) {
      throw new CacheValueError('ENCODE_FAILED', 'cbor encoder cannot encode undefined as a value')
    }
    try {
      // cbor-x writes -0 as the integer 0. A value with a -0 is written with floats only,
      // which keep -0 (and every other number) exactly: larger, but rare.
      return checkValue(value) ? m.floatWriter.encode(value) : m.writer.encode(value)
    } catch (error) {
      if (error instanceof CacheValueError) throw error
      // A getter that threw, or a structure too deep for the stack.
      throw new CacheValueError(
        'ENCODE_FAILED',
        `cbor encoder could not encode the value: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
  }

  function decode(bytes: Uint8Array): unknown {
    // A fresh view: cbor-x caches a DataView on the array it reads, and must not touch the
    // caller's. Its `copyBuffers` slices then give plain Uint8Arrays even for a Buffer input.
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    scan(view, m.records)
    try {
      return m.reader.decode(view)
    } catch (error) {
      // Not expected after a successful scan; never let a partial value through.
      throw new Error(
        `cbor encoder payload could not be decoded: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
  }

  return Object.freeze({ id: m.id, encode, decode })
}

let mapInstance: Encoder<unknown> | undefined
let recordInstance: Encoder<unknown> | undefined

/**
 * The CBOR encoder, on cbor-x: round-trips Date, BigInt, Uint8Array (and Buffer, read back as
 * Uint8Array), Map, Set, NaN, ±Infinity, -0 and `undefined`. Returns one frozen instance per
 * configuration: id `cbor` by default, `cbor-rec` with `{ records: true }`. The two formats
 * cannot read each other's entries, hence the two ids.
 *
 * `encode` throws `CacheValueError` (`ENCODE_FAILED`) for top-level `undefined`, functions,
 * symbols, objects of other classes, circular structures, strings with lone surrogates, an own
 * `__proto__` key and Dates too far from 1970 to be written exactly. `decode` throws `Error`
 * for empty, truncated or foreign bytes, trailing bytes, invalid UTF-8 and any CBOR this
 * encoder does not write (other tags, indefinite lengths, other simple values); it never
 * returns a guess.
 */
export function cborEncoder(options: CborEncoderOptions = {}): Encoder<unknown> {
  checkOptionsObject(options, ['records'], 'cborEncoder')
  if (options.records !== undefined && typeof options.records !== 'boolean') {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `cborEncoder: records must be a boolean, got ${describeOption(options.records)}`,
    )
  }
  if (options.records === true) {
    recordInstance ??= makeEncoder(mode(CBOR_RECORDS_ENCODER_ID, true, RECORD_MODE))
    return recordInstance
  }
  mapInstance ??= makeEncoder(mode(CBOR_ENCODER_ID, false, MAP_MODE))
  return mapInstance
}

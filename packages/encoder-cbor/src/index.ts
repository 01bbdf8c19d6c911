/**
 * @cacheport/encoder-cbor: the `cbor` encoder for cacheport, on cbor-x. Compact binary CBOR
 * that round-trips Date, BigInt, bytes, Map, Set, NaN and Infinity, with an optional records
 * mode (`cbor-rec`) whose values each carry their own record definitions.
 */
export {
  CBOR_ENCODER_ID,
  CBOR_RECORDS_ENCODER_ID,
  type CborEncoderOptions,
  cborEncoder,
} from './cbor-encoder.js'

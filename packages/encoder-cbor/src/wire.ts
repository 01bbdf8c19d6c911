/**
 * The CBOR tags the `cbor` and `cbor-rec` encoders write. These are written into stored
 * entries: decoding accepts exactly these tags (and, in records mode, the record tags) and
 * refuses every other one.
 */

/** Tag 1: a Date as epoch seconds (an unsigned integer, or a float64 with the milliseconds). */
export const TAG_EPOCH_DATE = 1
/** Tag 2: a non-negative BigInt of 64 bits or more, as big-endian bytes. */
export const TAG_POSITIVE_BIGNUM = 2
/** Tag 3: a negative BigInt below -2^64, as the big-endian bytes of `-1 - n`. */
export const TAG_NEGATIVE_BIGNUM = 3
/** Tag 258: a Set, as an array of its members. */
export const TAG_SET = 258
/** Tag 259: a Map, as a CBOR map (in records mode a CBOR map is a Map already, so no tag). */
export const TAG_MAP = 259
/** cbor-x record definition: `[id, [keys...], ...values]`, defines record `id` and reads one object. */
export const TAG_RECORD_DEFINITION = 0xdfff
/** First of the 256 tags that reference a record defined earlier in the same value. */
export const TAG_RECORD_FIRST = 0xe000
/** Last record reference tag. */
export const TAG_RECORD_LAST = 0xe0ff

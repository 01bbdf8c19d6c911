/**
 * The wire format of the `json` encoder: a one-byte prefix followed by UTF-8 JSON text.
 * These values are written into stored entries; changing any of them breaks every entry
 * already in a cache. Add new prefixes and tags, never change or reuse existing ones.
 */

/** Prefix byte of plain JSON (`'J'`): the rest is `JSON.stringify(value)` as is. */
export const PLAIN_PREFIX = 0x4a

/** Prefix byte of tagged JSON (`'T'`): the rest is JSON in which tag objects stand for special values. */
export const TAGGED_PREFIX = 0x54

/** The key that marks a tag object in tagged JSON: `{"$t": <tag>, "v": <payload>}`. */
export const TAG_KEY = '$t'

/** Names of the tags, the value of `TAG_KEY`. */
export const Tag = {
  /** Date: `v` is the epoch milliseconds (integer), or `null` for an invalid Date. */
  date: 'date',
  /** BigInt: `v` is the decimal string. */
  bigint: 'bigint',
  /** Uint8Array (and Buffer): `v` is canonical padded base64. */
  bytes: 'bytes',
  /** Map: `v` is an array of `[key, value]` pairs in insertion order. */
  map: 'map',
  /** Set: `v` is an array of the members in insertion order. */
  set: 'set',
  /** A number JSON cannot hold: `v` is `"NaN"`, `"Infinity"`, `"-Infinity"` or `"-0"`. */
  num: 'num',
  /** `undefined` in an array, a Map or a Set. Has no `v`. */
  undef: 'undef',
  /** Escaped plain object that has its own `$t` key: `v` is an array of `[key, value]` pairs. */
  obj: 'obj',
} as const

/** A tag name. */
export type TagName = (typeof Tag)[keyof typeof Tag]

/**
 * @cacheport/encoder-json: the `json` encoder for cacheport. JSON on the wire, with tags for
 * Date, BigInt, bytes, Map, Set and the numbers JSON cannot hold.
 */
export { jsonEncoder } from './json-encoder.js'
export { PLAIN_PREFIX, TAGGED_PREFIX } from './wire.js'

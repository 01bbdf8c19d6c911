/**
 * @cacheport/transformer-gzip: the `gzip` and `deflate` compression transformers for
 * cacheport, on fflate, with a decompression cap that stops bombs early.
 */
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type GzipFormat,
  type GzipTransformer,
  type GzipTransformerOptions,
  gzipTransformer,
  MAX_DECOMPRESSED_BYTES_LIMIT,
} from './gzip-transformer.js'

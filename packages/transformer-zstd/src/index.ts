/**
 * @cacheport/transformer-zstd: the `zstd` compression transformer for cacheport. node:zlib's
 * zstd where Node has it (22.15+), `@bokuweb/zstd-wasm` on Node 20; a decompression cap that
 * refuses bombs from their frame headers.
 */
export type { ZstdImplementation } from './backends.js'
export { type FrameInfo, type FramesInfo, readFrames } from './frames.js'
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  DICTIONARY_ID_BYTES,
  MAX_DECOMPRESSED_BYTES_LIMIT,
  ZSTD_TRANSFORMER_ID,
  type ZstdTransformer,
  type ZstdTransformerOptions,
  zstdTransformer,
} from './zstd-transformer.js'

import { createHash } from 'node:crypto'
import {
  CacheConfigError,
  CacheDecodeError,
  CacheUnsupportedError,
  checkKnownKeys,
  describeOption as describe,
  integerOption,
  invalidOption as invalid,
  isRecord,
  type TransformContext,
  type Transformer,
  TransformerPriority,
  type TransformResult,
} from '@cacheport/core'
import {
  loadWasmBackend,
  nodeBackend,
  nodeHasZstd,
  nodeSupportsDictionary,
  WASM_FALLBACK_VERSION,
  type WasmZstdBackend,
  type ZstdBackend,
  type ZstdImplementation,
} from './backends.js'
import { type FrameInfo, type FramesInfo, readFrames } from './frames.js'

type MaybePromise<T> = T | Promise<T>

function isWasm(backend: ZstdBackend): backend is WasmZstdBackend {
  return 'decompressAll' in backend
}

/** The wasm backend for multi-frame entries, with the same error as the wasm implementation. */
function wasmForFrames(): Promise<WasmZstdBackend> {
  return loadWasmBackend().catch((error: unknown) => {
    throw new CacheDecodeError(
      `zstd entry holds several frames, which are decoded by @bokuweb/zstd-wasm, and it could not be loaded (npm install @bokuweb/zstd-wasm@${WASM_FALLBACK_VERSION}): ${message(error)}`,
      { cause: error },
    )
  })
}

/** The transformer id written into every entry it compressed. */
export const ZSTD_TRANSFORMER_ID = 'zstd'
/**
 * Default `maxDecompressedBytes`: 8 MiB. Cache values are small (kilobytes, rarely a megabyte),
 * and every read of an entry may cost up to the cap in memory, so the default keeps what a
 * writer of the backend can impose on each reader small. Raise it for larger values.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024
/** Largest accepted `maxDecompressedBytes`: 1 GiB. */
export const MAX_DECOMPRESSED_BYTES_LIMIT = 1024 * 1024 * 1024
/** Length of the dictionary id stored as the entry parameter. */
export const DICTIONARY_ID_BYTES = 8
/** zstd refuses raw-content dictionaries shorter than 8 bytes (it ignores them). */
const DICTIONARY_MIN_BYTES = 8

/** Options of `zstdTransformer`. */
export interface ZstdTransformerOptions {
  /** zstd compression level, an integer from 1 (fastest) to 22 (smallest). Default 3. */
  readonly level?: number
  /** Values shorter than this many bytes are stored uncompressed. Default 512. */
  readonly minBytes?: number
  /**
   * A zstd dictionary (trained with `zstd --train`) or raw content that values share (at least
   * 8 bytes). Copied on construction. Entries written with it carry its id as the parameter.
   */
  readonly dictionary?: Uint8Array
  /**
   * Largest output `decode` produces, in bytes (1 to 1 GiB). Larger entries are refused from
   * their frame headers, before any output is allocated, and a decode holds at most about this
   * much memory (see the README's "Decompression cap"). Default 8 MiB.
   */
  readonly maxDecompressedBytes?: number
  /**
   * `auto` (default): node:zlib when this Node has zstd (and honours dictionaries, if one is
   * given), else the `@bokuweb/zstd-wasm` fallback. `node:zlib` or `wasm` force one.
   */
  readonly implementation?: 'auto' | ZstdImplementation
}

/** The zstd transformer, with read-only information about its settings. */
export interface ZstdTransformer extends Transformer {
  readonly id: typeof ZSTD_TRANSFORMER_ID
  /** Which zstd implementation this transformer runs. */
  readonly implementation: ZstdImplementation
  readonly level: number
  readonly minBytes: number
  readonly maxDecompressedBytes: number
  /** Hex id of the dictionary (the first 8 bytes of its SHA-256), or `undefined`. */
  readonly dictionaryId: string | undefined
}

const OPTION_NAMES = ['level', 'minBytes', 'dictionary', 'maxDecompressedBytes', 'implementation']

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function tooLarge(size: number, exact: boolean, cap: number): CacheDecodeError {
  return new CacheDecodeError(
    `zstd entry would decompress to ${exact ? '' : 'up to '}${size} bytes, over maxDecompressedBytes (${cap}); refused before decompressing`,
  )
}

/**
 * Builds the `zstd` compression transformer (priority `TransformerPriority.compression`).
 *
 * `encode` returns `null` (the entry is stored uncompressed and names no transformer) for
 * values shorter than `minBytes` and for values zstd does not make smaller. `decode` reads the
 * frame headers first and refuses, without allocating the output, any entry that could
 * decompress to more than `maxDecompressedBytes`. Memory bound per decode: one output buffer
 * sized from the frame headers (at most the cap), never a second chunk or a concat; on the
 * wasm decoder, plus one copy out of the WebAssembly heap, whose high-water mark stays within
 * the cap plus the input. Entries with several frames are decoded by the wasm decoder in one
 * call (on Node 22 too), so `decode` may return a promise for them.
 *
 * It runs node:zlib's zstd where this Node has it (22.15+), else `@bokuweb/zstd-wasm` (loaded
 * on first use, so the first `encode`/`decode` may return a promise). Both write standard zstd
 * frames the other reads.
 *
 * Throws `CacheConfigError` (`INVALID_OPTION`) for an unknown option, a `level` outside 1-22,
 * a `minBytes` that is not a non-negative integer, a `maxDecompressedBytes` outside 1 byte to
 * 1 GiB, a `dictionary` that is not a Uint8Array of at least 8 bytes, or an `implementation`
 * this Node cannot run. `decode` throws (or rejects with) `CacheDecodeError` for bytes that are
 * not zstd frames, are truncated or corrupt, need a dictionary this transformer lacks, or are
 * over the cap.
 */
export function zstdTransformer(options: ZstdTransformerOptions = {}): ZstdTransformer {
  if (!isRecord(options))
    invalid(`zstdTransformer options must be an object, got ${describe(options)}`)
  checkKnownKeys(options, OPTION_NAMES, 'zstdTransformer')
  const level = integerOption(options.level, 3, 1, 22, 'zstdTransformer: level')
  const minBytes = integerOption(
    options.minBytes,
    512,
    0,
    Number.MAX_SAFE_INTEGER,
    'zstdTransformer: minBytes',
  )
  const cap = integerOption(
    options.maxDecompressedBytes,
    DEFAULT_MAX_DECOMPRESSED_BYTES,
    1,
    MAX_DECOMPRESSED_BYTES_LIMIT,
    'zstdTransformer: maxDecompressedBytes',
  )
  let dictionary: Buffer | undefined
  let dictionaryParam: Buffer | undefined
  if (options.dictionary !== undefined) {
    if (!(options.dictionary instanceof Uint8Array)) {
      invalid(
        `zstdTransformer: dictionary must be a Uint8Array, got ${describe(options.dictionary)}`,
      )
    }
    if (options.dictionary.byteLength < DICTIONARY_MIN_BYTES) {
      invalid(`zstdTransformer: dictionary must hold at least ${DICTIONARY_MIN_BYTES} bytes`)
    }
    dictionary = Buffer.from(options.dictionary)
    dictionaryParam = createHash('sha256')
      .update(dictionary)
      .digest()
      .subarray(0, DICTIONARY_ID_BYTES)
  }
  const implementation = chooseImplementation(options.implementation, dictionary !== undefined)

  let backend: ZstdBackend | undefined
  let ready: Promise<ZstdBackend>
  if (implementation === 'node:zlib') {
    backend = nodeBackend
    ready = Promise.resolve(nodeBackend)
  } else {
    ready = loadWasmBackend().then(
      (loaded) => {
        backend = loaded
        return loaded
      },
      (error: unknown) => {
        throw new CacheUnsupportedError(
          'zstd',
          `zstd: node:zlib has no zstd on Node ${process.versions.node} and the @bokuweb/zstd-wasm fallback could not be loaded (it is an optional peer dependency: npm install @bokuweb/zstd-wasm@${WASM_FALLBACK_VERSION}): ${message(error)}`,
        )
      },
    )
    // Start loading now; a failure is reported by the first encode or decode.
    ready.catch(() => {})
  }

  function compress(b: ZstdBackend, bytes: Uint8Array): TransformResult | null {
    const compressed = b.compress(bytes, level, dictionary)
    if (compressed.byteLength >= bytes.byteLength) return null
    return dictionaryParam === undefined
      ? { bytes: compressed }
      : { bytes: compressed, param: Uint8Array.from(dictionaryParam) }
  }

  function dictionaryFor(param: Uint8Array | undefined): Buffer | undefined {
    if (param === undefined) return undefined
    if (param.byteLength !== DICTIONARY_ID_BYTES) {
      throw new CacheDecodeError(
        `zstd entry parameter must be a ${DICTIONARY_ID_BYTES}-byte dictionary id, got ${param.byteLength} bytes`,
      )
    }
    if (dictionaryParam === undefined) {
      throw new CacheDecodeError(
        `zstd entry was compressed with dictionary ${hex(param)}, but this transformer has no dictionary`,
      )
    }
    if (!dictionaryParam.equals(param)) {
      throw new CacheDecodeError(
        `zstd entry was compressed with dictionary ${hex(param)}, but this transformer's dictionary is ${hex(dictionaryParam)}`,
      )
    }
    return dictionary
  }

  /** Checks the parameter and the frame headers; throws `CacheDecodeError` before decoding. */
  function inspect(bytes: Uint8Array, param: Uint8Array | undefined) {
    const dict = dictionaryFor(param)
    let info: FramesInfo
    try {
      info = readFrames(bytes)
    } catch (error) {
      throw new CacheDecodeError(`zstd entry is corrupt: ${message(error)}`, { cause: error })
    }
    if (info.bound > cap) throw tooLarge(info.bound, info.exact, cap)
    for (const f of info.frames) {
      if (f.contentSize !== undefined && f.contentSize > f.blocksBound) {
        throw new CacheDecodeError(
          `zstd entry is corrupt: a frame declares ${f.contentSize} bytes, more than its blocks can produce (${f.blocksBound})`,
        )
      }
    }
    return { dict, info }
  }

  /** Runs one decoder call and turns its failures into `CacheDecodeError`. */
  function run(decode: () => Uint8Array, info: FramesInfo): Uint8Array {
    let output: Uint8Array
    try {
      output = decode()
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new CacheDecodeError(
          `zstd entry is corrupt: it produces more than the ${info.bound} bytes its frame headers allow; stopped there (maxDecompressedBytes ${cap})`,
          { cause: error },
        )
      }
      throw new CacheDecodeError(`zstd entry could not be decompressed: ${message(error)}`, {
        cause: error,
      })
    }
    if ((info.exact && output.byteLength !== info.bound) || output.byteLength > info.bound) {
      throw new CacheDecodeError(
        `zstd entry decompressed to ${output.byteLength} bytes, its frame headers declare ${info.bound}`,
      )
    }
    return output
  }

  /**
   * Decodes into one output buffer sized from the frame headers (at most the cap): one frame
   * through the backend; several frames through the wasm decoder in one call (node:zlib stops
   * after one frame, and a buffer per frame plus a copy would cost up to twice the output).
   */
  function decompress(
    b: ZstdBackend,
    bytes: Uint8Array,
    param: Uint8Array | undefined,
  ): MaybePromise<Uint8Array> {
    const { dict, info } = inspect(bytes, param)
    if (info.frames.length === 1) {
      const f = info.frames[0] as FrameInfo
      return run(() => b.decompress(bytes.subarray(f.start, f.end), f.bound, dict), info)
    }
    const all = (w: WasmZstdBackend) => run(() => w.decompressAll(bytes, info.bound, dict), info)
    if (isWasm(b)) return all(b)
    return wasmForFrames().then(all)
  }

  const transformer: ZstdTransformer = {
    id: ZSTD_TRANSFORMER_ID,
    priority: TransformerPriority.compression,
    implementation,
    level,
    minBytes,
    maxDecompressedBytes: cap,
    dictionaryId: dictionaryParam === undefined ? undefined : hex(dictionaryParam),
    encode(bytes: Uint8Array, _context: TransformContext) {
      if (bytes.byteLength < minBytes) return null
      if (backend !== undefined) return compress(backend, bytes)
      return ready.then((b) => compress(b, bytes))
    },
    decode(bytes: Uint8Array, param: Uint8Array | undefined, _context: TransformContext) {
      if (backend !== undefined) return decompress(backend, bytes, param)
      return ready.then((b) => decompress(b, bytes, param))
    },
  }
  return Object.freeze(transformer)
}

function chooseImplementation(value: unknown, withDictionary: boolean): ZstdImplementation {
  if (value === undefined || value === 'auto') {
    return nodeHasZstd() && (!withDictionary || nodeSupportsDictionary()) ? 'node:zlib' : 'wasm'
  }
  if (value === 'wasm') return 'wasm'
  if (value === 'node:zlib') {
    if (!nodeHasZstd()) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `zstdTransformer: implementation 'node:zlib' needs Node 22.15 or later (this is ${process.versions.node})`,
      )
    }
    if (withDictionary && !nodeSupportsDictionary()) {
      throw new CacheConfigError(
        'INVALID_OPTION',
        `zstdTransformer: node:zlib of Node ${process.versions.node} ignores zstd dictionaries; use implementation 'wasm' or 'auto'`,
      )
    }
    return 'node:zlib'
  }
  return invalid(
    `zstdTransformer: implementation must be 'auto', 'node:zlib' or 'wasm', got ${describe(value)}`,
  )
}

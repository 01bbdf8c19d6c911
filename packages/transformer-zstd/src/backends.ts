import { createRequire } from 'node:module'
import zlib from 'node:zlib'

/**
 * One zstd implementation. Both produce standard zstd frames (RFC 8878) that the other reads.
 * `decompress` gets one frame, only after its headers were checked against the cap:
 * `capacity` is the largest output the frame may produce (its declared content size, or the
 * bound from its block headers), and the output never grows past it.
 */
export interface ZstdBackend {
  readonly name: ZstdImplementation
  compress(bytes: Uint8Array, level: number, dictionary: Uint8Array | undefined): Uint8Array
  decompress(frame: Uint8Array, capacity: number, dictionary: Uint8Array | undefined): Uint8Array
}

/** The wasm backend, which also decodes several frames into one output in one call. */
export interface WasmZstdBackend extends ZstdBackend {
  /**
   * Decompresses every frame of `bytes` (skippable frames included) into one output buffer of
   * `capacity` bytes inside the WebAssembly heap, then copies the output out once. Throws
   * `Error` when the frames are corrupt or produce more than `capacity` bytes.
   */
  decompressAll(bytes: Uint8Array, capacity: number, dictionary: Uint8Array | undefined): Uint8Array
}

/** An empty zstd frame that declares no content size (window 1 KiB, one empty raw block). */
const EMPTY_UNSIZED_FRAME = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00)

/** The zstd part of node:zlib (Node 22.15+); `@types/node` 20 does not declare it. */
interface NodeZstdOptions {
  chunkSize?: number
  params?: Record<number, number>
  pledgedSrcSize?: number
  maxOutputLength?: number
  dictionary?: Uint8Array
}
interface NodeZstd {
  zstdCompressSync?: (bytes: Uint8Array, options?: NodeZstdOptions) => Buffer
  zstdDecompressSync?: (bytes: Uint8Array, options?: NodeZstdOptions) => Buffer
}
const nodeZstd = zlib as unknown as NodeZstd
const constants = zlib.constants as unknown as Record<string, number>

function constant(name: string): number {
  const value = constants[name]
  if (value === undefined) throw new Error(`node:zlib has no ${name}`)
  return value
}

/** `node:zlib`: Node's built-in zstd (Node 22.15+). `wasm`: `@bokuweb/zstd-wasm`. */
export type ZstdImplementation = 'node:zlib' | 'wasm'

/** True when this Node has `zlib.zstdCompressSync` (Node 22.15+, 23.8+). */
export function nodeHasZstd(): boolean {
  return (
    typeof nodeZstd.zstdCompressSync === 'function' &&
    typeof nodeZstd.zstdDecompressSync === 'function'
  )
}

let nodeDictionarySupport: boolean | undefined

/**
 * True when node:zlib honours the zstd `dictionary` option (later Node 22 and 24 releases).
 * Older releases ignore the option silently, so this checks it once: a frame compressed with a
 * dictionary must not decompress without it.
 */
export function nodeSupportsDictionary(): boolean {
  if (nodeDictionarySupport !== undefined) return nodeDictionarySupport
  nodeDictionarySupport = false
  if (nodeHasZstd()) {
    const dictionary = Buffer.from(
      'cacheport zstd dictionary probe, cacheport zstd dictionary probe',
    )
    const input = Buffer.from('cacheport zstd dictionary probe')
    const withDict = nodeZstd.zstdCompressSync!(input, { dictionary })
    try {
      nodeZstd.zstdDecompressSync!(withDict)
    } catch {
      nodeDictionarySupport = true
    }
  }
  return nodeDictionarySupport
}

/**
 * A copy of `output` when it fills less than half of the buffer it is a view of (a frame
 * without a declared size got a buffer of its upper bound), so a small value never pins a
 * large buffer; `output` itself otherwise.
 */
function trimmed(output: Buffer): Buffer {
  return output.byteLength * 2 < output.buffer.byteLength ? Buffer.from(output) : output
}

/** Node's zstd decoder refuses windows above 2^windowLogMax; keep that close to the cap. */
function windowLogMax(cap: number): number {
  return Math.min(31, Math.max(21, Math.ceil(Math.log2(cap))))
}

export const nodeBackend: ZstdBackend = {
  name: 'node:zlib',
  compress(bytes, level, dictionary) {
    const options: NodeZstdOptions = {
      params: {
        [constant('ZSTD_c_compressionLevel')]: level,
        [constant('ZSTD_c_contentSizeFlag')]: 1,
        // A 4-byte checksum of the content, checked by both decoders: a flipped bit is refused
        // instead of decoding to different bytes. (The wasm fallback cannot write it.)
        [constant('ZSTD_c_checksumFlag')]: 1,
      },
      pledgedSrcSize: bytes.byteLength,
    }
    if (dictionary !== undefined) options.dictionary = dictionary
    return nodeZstd.zstdCompressSync!(bytes, options)
  },
  decompress(frame, capacity, dictionary) {
    const options: NodeZstdOptions = {
      // One output buffer of capacity + 1 bytes, allocated before decompressing: node:zlib
      // writes into it and throws RangeError (ERR_BUFFER_TOO_LARGE) as soon as the output passes
      // the capacity, before allocating a second chunk. The result is a view of that buffer,
      // so the output is never copied or concatenated.
      chunkSize: Math.max(64, capacity + 1),
      maxOutputLength: Math.max(1, capacity),
      params: { [constant('ZSTD_d_windowLogMax')]: windowLogMax(capacity) },
    }
    if (dictionary !== undefined) options.dictionary = dictionary
    return trimmed(nodeZstd.zstdDecompressSync!(frame, options))
  },
}

interface ZstdWasm {
  init(): Promise<void>
  compress(buf: Uint8Array, level?: number): Uint8Array
  decompress(buf: Uint8Array, opts?: { defaultHeapSize?: number }): Uint8Array
  createCCtx(): number
  createDCtx(): number
  compressUsingDict(cctx: number, buf: Uint8Array, dict: Uint8Array, level?: number): Uint8Array
  decompressUsingDict(
    dctx: number,
    buf: Uint8Array,
    dict: Uint8Array,
    opts?: { defaultHeapSize?: number },
  ): Uint8Array
}

let wasmReady: Promise<WasmZstdBackend> | undefined

/** The `@bokuweb/zstd-wasm` version the fallback is written and tested against (an optional peer). */
export const WASM_FALLBACK_VERSION = '0.0.27'

/**
 * Loads `@bokuweb/zstd-wasm` (once per process) and resolves to its backend. Its functions are
 * synchronous once the WebAssembly module is instantiated.
 */
export function loadWasmBackend(): Promise<WasmZstdBackend> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url)
    const wasm = require('@bokuweb/zstd-wasm') as ZstdWasm
    await wasm.init()
    let cctx: number | undefined
    let dctx: number | undefined
    function decompressOne(bytes: Uint8Array, heap: number, dictionary?: Uint8Array) {
      // The output buffer (in the WebAssembly heap) is the frame's declared content size or,
      // when it declares none, `defaultHeapSize`; zstd fails rather than write past it.
      const opts = { defaultHeapSize: Math.max(heap, 1) }
      if (dictionary === undefined) return wasm.decompress(bytes, opts)
      dctx ??= wasm.createDCtx()
      return wasm.decompressUsingDict(dctx, bytes, dictionary, opts)
    }
    const backend: WasmZstdBackend = {
      name: 'wasm',
      compress(bytes, level, dictionary) {
        if (dictionary === undefined) return wasm.compress(bytes, level)
        cctx ??= wasm.createCCtx()
        return wasm.compressUsingDict(cctx, bytes, dictionary, level)
      },
      decompress(frame, capacity, dictionary) {
        return decompressOne(frame, capacity, dictionary)
      },
      decompressAll(bytes, capacity, dictionary) {
        // zstd decodes concatenated frames in one call, but the wrapper sizes its output from
        // the first frame's header: an empty first frame without a size makes it use
        // `capacity` (the total of every frame's bound) for all of them.
        const input = new Uint8Array(EMPTY_UNSIZED_FRAME.length + bytes.length)
        input.set(EMPTY_UNSIZED_FRAME, 0)
        input.set(bytes, EMPTY_UNSIZED_FRAME.length)
        return decompressOne(input, capacity, dictionary)
      },
    }
    return backend
  })()
  return wasmReady
}

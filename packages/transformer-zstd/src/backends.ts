import { createRequire } from 'node:module'
import zlib from 'node:zlib'

/**
 * One zstd implementation. Both produce standard zstd frames (RFC 8878) that the other reads.
 * `decompress` gets one frame at a time, only after its headers were checked against the cap:
 * `capacity` is the largest output the frame may produce, `cap` the output budget left.
 */
export interface ZstdBackend {
  readonly name: ZstdImplementation
  compress(bytes: Uint8Array, level: number, dictionary: Uint8Array | undefined): Uint8Array
  decompress(
    frame: Uint8Array,
    capacity: number,
    dictionary: Uint8Array | undefined,
    cap: number,
  ): Uint8Array
}

/** The zstd part of node:zlib (Node 22.15+); `@types/node` 20 does not declare it. */
interface NodeZstdOptions {
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
  decompress(frame, _capacity, dictionary, cap) {
    const options: NodeZstdOptions = {
      // The frame headers were checked already; this is a second, exact guard: node:zlib stops
      // and throws RangeError (ERR_BUFFER_TOO_LARGE) as soon as the output passes the cap.
      maxOutputLength: Math.max(1, cap),
      params: { [constant('ZSTD_d_windowLogMax')]: windowLogMax(cap) },
    }
    if (dictionary !== undefined) options.dictionary = dictionary
    return nodeZstd.zstdDecompressSync!(frame, options)
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

let wasmReady: Promise<ZstdBackend> | undefined

/**
 * Loads `@bokuweb/zstd-wasm` (once per process) and resolves to its backend. Its functions are
 * synchronous once the WebAssembly module is instantiated.
 */
export function loadWasmBackend(): Promise<ZstdBackend> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url)
    const wasm = require('@bokuweb/zstd-wasm') as ZstdWasm
    await wasm.init()
    let cctx: number | undefined
    let dctx: number | undefined
    const backend: ZstdBackend = {
      name: 'wasm',
      compress(bytes, level, dictionary) {
        if (dictionary === undefined) return wasm.compress(bytes, level)
        cctx ??= wasm.createCCtx()
        return wasm.compressUsingDict(cctx, bytes, dictionary, level)
      },
      decompress(frame, capacity, dictionary) {
        // The frame's declared content size sizes the output buffer; when it declares none,
        // `defaultHeapSize` does: the bound from the block headers, which is within the cap.
        const opts = { defaultHeapSize: Math.max(capacity, 1) }
        if (dictionary === undefined) return wasm.decompress(frame, opts)
        dctx ??= wasm.createDCtx()
        return wasm.decompressUsingDict(dctx, frame, dictionary, opts)
      },
    }
    return backend
  })()
  return wasmReady
}

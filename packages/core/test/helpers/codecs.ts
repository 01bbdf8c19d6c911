import type { Encoder, Transformer } from '@cacheport/core'

/** Plain JSON, enough for core's tests. */
export const testJson: Encoder = {
  id: 'test-json',
  encode: (v) => Buffer.from(JSON.stringify(v)),
  decode: (b) => JSON.parse(Buffer.from(b).toString('utf8')),
}

/** XORs every byte with `mask`, recording the mask as the parameter. */
export function xorTransformer(
  id: string,
  priority: number,
  mask: number,
  log?: string[],
): Transformer {
  return {
    id,
    priority,
    encode: (bytes) => {
      log?.push(`encode:${id}`)
      return { bytes: bytes.map((b) => b ^ mask), param: new Uint8Array([mask]) }
    },
    decode: (bytes, param) => {
      log?.push(`decode:${id}`)
      if (param?.[0] !== mask) throw new Error(`${id}: wrong parameter`)
      return bytes.map((b) => b ^ mask)
    },
  }
}

/** Skips inputs shorter than `minBytes`, otherwise reverses them (asynchronously). */
export function asyncReverser(id: string, priority: number, minBytes: number): Transformer {
  return {
    id,
    priority,
    encode: async (bytes) =>
      bytes.byteLength < minBytes ? null : { bytes: Uint8Array.from(bytes).reverse() },
    decode: async (bytes) => Uint8Array.from(bytes).reverse(),
  }
}

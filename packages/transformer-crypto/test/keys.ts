import type { KeyringEntry } from '../src/index.js'

/** A fixed 32-byte key whose bytes are `seed, seed + 1, ...` (never one repeated byte). */
export function testKey(seed: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (seed + i * 7) & 0xff)
}

export const KEY_A: KeyringEntry = { id: 'key-a', key: testKey(1) }
export const KEY_B: KeyringEntry = { id: 'key-b', key: testKey(2) }

/** Returns a copy of `bytes` with one bit flipped at `index` (negative: from the end). */
export function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = Uint8Array.from(bytes)
  const i = index < 0 ? copy.length + index : index
  copy[i] = (copy[i] as number) ^ (1 << bit)
  return copy
}

export function ascii(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('latin1')
}

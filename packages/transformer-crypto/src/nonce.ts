import { randomFillSync } from 'node:crypto'

/** AES-GCM nonce length: 96 bits, the size GCM is designed for. */
export const NONCE_BYTES = 12

/**
 * Nonces come from the CSPRNG in batches: one `randomFillSync` call fills 512 nonces, and each
 * 12-byte slice is handed out exactly once. This is the same randomness as one
 * `randomBytes(12)` per value, without paying a native call (~1.7 µs) for every write.
 */
const POOL_BYTES = NONCE_BYTES * 512
const pool = Buffer.allocUnsafe(POOL_BYTES)
let next = POOL_BYTES

/** Writes a fresh random nonce into `target` at `offset`. */
export function writeNonce(target: Uint8Array, offset: number): void {
  if (next + NONCE_BYTES > POOL_BYTES) {
    randomFillSync(pool)
    next = 0
  }
  pool.copy(target, offset, next, next + NONCE_BYTES)
  next += NONCE_BYTES
}

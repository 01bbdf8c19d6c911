import { CacheDecodeError } from '@cacheport/core'

/**
 * The text a Keyv adapter stores for one entry: JSON with the physical expiry (epoch ms, or
 * `null`) and the envelope bytes as base64. JSON because some adapters (memcache) parse what
 * they read with Keyv's deserializer, and text because SQL adapters keep values in a TEXT
 * column.
 */
interface StoredRecord {
  readonly cp: 1
  readonly x: number | null
  readonly b: string
}

/** Writes one record. */
export function writeRecord(bytes: Uint8Array, expiresAt: number | undefined): string {
  const record: StoredRecord = {
    cp: 1,
    x: expiresAt ?? null,
    b: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  }
  return JSON.stringify(record)
}

/**
 * Reads what an adapter answered: `undefined` when missing or physically expired at `now`, a
 * `CacheDecodeError` when it is not a record this provider wrote.
 */
export function readRecord(raw: unknown, now: number): Uint8Array | CacheDecodeError | undefined {
  if (raw === undefined || raw === null) return undefined
  let value: unknown = raw
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'))
    } catch (error) {
      return new CacheDecodeError('keyv: the stored value is not a cacheport record', {
        cause: error,
      })
    }
  }
  if (typeof value !== 'object' || value === null) return foreign()
  const record = value as Partial<StoredRecord> & { value?: unknown }
  // @keyv/memcache answers a miss as `{ value: undefined, expires: 0 }`.
  if (record.cp === undefined && 'value' in record && record.value === undefined) return undefined
  if (record.cp !== 1 || typeof record.b !== 'string') return foreign()
  if (record.x !== null && (typeof record.x !== 'number' || !Number.isFinite(record.x)))
    return foreign()
  if (record.x !== null && record.x <= now) return undefined
  return new Uint8Array(Buffer.from(record.b, 'base64'))
}

function foreign(): CacheDecodeError {
  return new CacheDecodeError('keyv: the stored value is not a cacheport record')
}

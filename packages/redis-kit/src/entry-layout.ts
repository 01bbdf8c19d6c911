import type { RedisCommands } from './client.js'
import { DELETE_SCRIPT, EXPIRE_SCRIPT, FENCE_SCRIPT, INVALIDATE_SCRIPT } from './lua.js'
import {
  HASH_DELETE_SCRIPT,
  HASH_EXPIRE_SCRIPT,
  HASH_FENCE_SCRIPT,
  HASH_INVALIDATE_SCRIPT,
} from './lua-hash.js'
import { LuaScript } from './scripts.js'
import { VALUE_FIELD } from './search-fields.js'

/**
 * How a store keeps each entry's stored value (tag header + envelope) at its value key: the
 * read command and the scripts whose only difference between layouts is that read and
 * write. `RedisStore` takes one at construction, so no operation chooses per call; writes
 * that differ in more than the value (a hash's search fields) stay with their store.
 */
export interface EntryLayout {
  /**
   * Reads the stored value at `valueKey`: `null` when absent. Rejects with the server's
   * WRONGTYPE error for a key of another type.
   */
  readonly read: (client: RedisCommands, valueKey: string) => Promise<Buffer | null>
  readonly deleteScript: LuaScript
  readonly invalidateScript: LuaScript
  readonly expireScript: LuaScript
  readonly fenceScript: LuaScript
  /**
   * Whether the fence of a key read as absent may come from generations this process learned,
   * with the short create script as its write-back (see `RedisFence`): the string layout only.
   */
  readonly learnsFences: boolean
}

/** Plain namespaces: the stored value is a string (`GET`, `SET`). */
export const STRING_ENTRIES: EntryLayout = {
  read: (client, valueKey) => client.getBuffer(valueKey),
  deleteScript: new LuaScript(DELETE_SCRIPT),
  invalidateScript: new LuaScript(INVALIDATE_SCRIPT),
  expireScript: new LuaScript(EXPIRE_SCRIPT),
  fenceScript: new LuaScript(FENCE_SCRIPT),
  learnsFences: true,
}

/** A client that can read one hash field as a Buffer (ioredis, iovalkey, the node-redis adapter). */
interface HashReader {
  hgetBuffer(key: string, field: string): Promise<Buffer | null>
}

/**
 * Searchable namespaces: the stored value is the field `__v` of a hash (`HGET`, `HSET`).
 * Reading rejects with a `TypeError` on a client without `hgetBuffer`.
 */
export const HASH_ENTRIES: EntryLayout = {
  read: (client, valueKey) => {
    const reader = client as RedisCommands & Partial<HashReader>
    if (typeof reader.hgetBuffer !== 'function') {
      return Promise.reject(new TypeError('search needs a client with hgetBuffer'))
    }
    return reader.hgetBuffer(valueKey, VALUE_FIELD)
  },
  deleteScript: new LuaScript(HASH_DELETE_SCRIPT),
  invalidateScript: new LuaScript(HASH_INVALIDATE_SCRIPT),
  expireScript: new LuaScript(HASH_EXPIRE_SCRIPT),
  fenceScript: new LuaScript(HASH_FENCE_SCRIPT),
  learnsFences: false,
}

import { deleteScript, expireScript, fenceScript, invalidateScript, prelude } from './lua.js'

/**
 * The Lua scripts of searchable namespaces, whose entries are hashes (see `search-store.ts`):
 * the stored value (tag header + envelope, exactly what a plain namespace keeps in a string)
 * is the field `__v`, next to one field per searchable field. Every script but the write is
 * `lua.ts`'s, generated for the hash layout (see `lua-access.ts`).
 */

/**
 * The body of the hash write scripts: KEYS and ARGV end at `nkeys` and `nargv`. The old hash
 * is deleted first, so fields the new entry lacks leave the search index.
 */
const HASH_WRITE_BODY = `
local key = KEYS[1]
if not precondition(key, ARGV[1]) then return 0 end
local ntags = tonumber(ARGV[6])
local function put_hash(k, stored, ttl)
  redis.call('DEL', k)
  local hset = { 'HSET', k, '__v', stored }
  for i = 7 + ntags, nargv do hset[#hset + 1] = ARGV[i] end
  redis.call(unpack(hset))
  if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
end
write_entry(key, ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], 2, nkeys, 7, 6 + ntags, put_hash)
return 1
`

/**
 * Writes one entry as a hash, atomically with its expiry and tags. KEYS[1] value key,
 * KEYS[2..] new tag index keys. ARGV: expected ('' none, '-' absent, else sha1 of the current
 * stored value), stored value, ttl ms ('0' none), entry key (index member), index prefix,
 * number of tags N, N tag names (as KEYS[2..]), then field name / value pairs. Returns 1, or
 * 0 when the precondition failed.
 */
export const HASH_WRITE_SCRIPT = `${prelude('hash')}
local nkeys, nargv = #KEYS, #ARGV
${HASH_WRITE_BODY}`

/** `DELETE_SCRIPT` for hash entries (same KEYS, ARGV and reply). */
export const HASH_DELETE_SCRIPT = deleteScript('hash')

/** `INVALIDATE_SCRIPT` for hash entries (same KEYS, ARGV and reply). */
export const HASH_INVALIDATE_SCRIPT = invalidateScript('hash')

/** `EXPIRE_SCRIPT` for hash entries: `__v` rewritten in place, the other fields kept. */
export const HASH_EXPIRE_SCRIPT = expireScript('hash')

/** `FENCE_SCRIPT` for hash entries: the digest is of the `__v` field (same KEYS, ARGV, reply). */
export const HASH_FENCE_SCRIPT = fenceScript('hash')

/**
 * `HASH_WRITE_SCRIPT` under a fence (see `FENCED_WRITE_SCRIPT`): the same KEYS with the
 * bucket's fence hash last, the same ARGV (ARGV[1] the captured digest) followed by the
 * captured incarnation, clear gen, tag gen, cell field and cell gen. Returns 1 or 0.
 */
export const HASH_FENCED_WRITE_SCRIPT = `${prelude('hash')}
local nkeys, nargv = #KEYS - 1, #ARGV - 5
if not fence_holds(KEYS[#KEYS], ARGV[nargv + 1], ARGV[nargv + 2], ARGV[nargv + 4], ARGV[nargv + 5], nkeys > 1, ARGV[nargv + 3]) then
  return 0
end
${HASH_WRITE_BODY}`

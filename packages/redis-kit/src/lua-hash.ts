import {
  DELETE_SCRIPT,
  expireScriptBody,
  FENCE_IDLE_MS,
  INVALIDATE_SCRIPT,
  PRELUDE,
} from './lua.js'

/**
 * The Lua scripts of searchable namespaces, whose entries are hashes (see `search-store.ts`):
 * the stored value (tag header + envelope, exactly what a plain namespace keeps in a string)
 * is the field `__v`, next to one field per searchable field. Only how a script reads the
 * stored value differs from the string layout: `tags_of` and `precondition` read `HGET key
 * __v` instead of GETRANGE / GET. A key of another type (or a hash without `__v`) reads as
 * absent and untagged, as in the string layout.
 */
const HASH_ACCESS = `
local function stored_of(key)
  local v = redis.pcall('HGET', key, '__v')
  if type(v) ~= 'string' then return false end
  return v
end
local function tags_of(key)
  local v = stored_of(key)
  if not v or #v < 3 or string.byte(v, 1) ~= 84 then return {} end
  local n = string.byte(v, 2) * 256 + string.byte(v, 3)
  if n == 0 then return {} end
  local body = string.sub(v, 4, 3 + n)
  local out, pos = {}, 1
  while pos + 1 <= #body do
    local len = string.byte(body, pos) * 256 + string.byte(body, pos + 1)
    out[#out + 1] = string.sub(body, pos + 2, pos + 1 + len)
    pos = pos + 2 + len
  end
  return out
end
local function precondition(key, expected)
  if expected == '' then return true end
  local cur = stored_of(key)
  if expected == '-' then return not cur end
  return cur and redis.sha1hex(cur) == expected
end
`

/** The hash-layout twin of a string-layout script (same body, hash accessors). */
function hashVariant(script: string): string {
  if (!script.startsWith(PRELUDE)) throw new Error('script does not start with the prelude')
  return `${PRELUDE}${HASH_ACCESS}${script.slice(PRELUDE.length)}`
}

/** The body of the hash write scripts: KEYS and ARGV end at `nkeys` and `nargv`. */
const HASH_WRITE_BODY = `
local key = KEYS[1]
if not precondition(key, ARGV[1]) then return 0 end
local ttl = tonumber(ARGV[3])
local member, index_prefix = ARGV[4], ARGV[5]
local ntags = tonumber(ARGV[6])
local now = now_ms()
local keep = {}
for i = 7, 6 + ntags do keep[ARGV[i]] = true end
untag(member, tags_of(key), index_prefix, keep, now)
redis.call('DEL', key)
local hset = { 'HSET', key, '__v', ARGV[2] }
for i = 7 + ntags, nargv do hset[#hset + 1] = ARGV[i] end
redis.call(unpack(hset))
if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
local score = '+inf'
if ttl > 0 then score = now + ttl end
for i = 2, nkeys do
  redis.call('ZADD', KEYS[i], score, member)
  refresh_index(KEYS[i], now)
end
return 1
`

/**
 * Writes one entry as a hash, atomically with its expiry and tags. KEYS[1] value key,
 * KEYS[2..] new tag index keys. ARGV: expected ('' none, '-' absent, else sha1 of the current
 * stored value), stored value, ttl ms ('0' none), entry key (index member), index prefix,
 * number of tags N, N tag names (as KEYS[2..]), then field name / value pairs. The old hash is
 * deleted first, so fields the new entry lacks leave the search index. Returns 1, or 0 when
 * the precondition failed.
 */
export const HASH_WRITE_SCRIPT = `${PRELUDE}${HASH_ACCESS}
local nkeys, nargv = #KEYS, #ARGV
${HASH_WRITE_BODY}`

/** `DELETE_SCRIPT` for hash entries (same KEYS, ARGV and reply). */
export const HASH_DELETE_SCRIPT = hashVariant(DELETE_SCRIPT)

/** `INVALIDATE_SCRIPT` for hash entries (same KEYS, ARGV and reply). */
export const HASH_INVALIDATE_SCRIPT = hashVariant(INVALIDATE_SCRIPT)

/** `EXPIRE_SCRIPT` for hash entries: `__v` rewritten in place, the other fields kept. */
export const HASH_EXPIRE_SCRIPT = `${PRELUDE}${HASH_ACCESS}${expireScriptBody(
  'stored_of(key)',
  "redis.call('HSET', key, '__v', stored)\nif ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('PERSIST', key) end",
)}`

/** `FENCE_SCRIPT` for hash entries: the digest is of the `__v` field (same KEYS, ARGV, reply). */
export const HASH_FENCE_SCRIPT = `
redis.call('HSETNX', KEYS[2], 'i', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ${FENCE_IDLE_MS})
local cur = redis.pcall('HGET', KEYS[1], '__v')
local digest = '-'
if type(cur) == 'string' then digest = redis.sha1hex(cur) end
local f = redis.call('HMGET', KEYS[2], 'i', 'c', 't', ARGV[2])
return { digest, f[1] or '', f[2] or '', f[3] or '', f[4] or '' }
`

/**
 * `HASH_WRITE_SCRIPT` under a fence (see `FENCED_WRITE_SCRIPT`): the same KEYS with the
 * bucket's fence hash last, the same ARGV (ARGV[1] the captured digest) followed by the
 * captured incarnation, clear gen, tag gen, cell field and cell gen. Returns 1 or 0.
 */
export const HASH_FENCED_WRITE_SCRIPT = `${PRELUDE}${HASH_ACCESS}
local nkeys, nargv = #KEYS - 1, #ARGV - 5
local f = redis.call('HMGET', KEYS[#KEYS], 'i', 'c', ARGV[nargv + 4], 't')
if (f[1] or '') ~= ARGV[nargv + 1] or (f[2] or '') ~= ARGV[nargv + 2] then return 0 end
if (f[3] or '') ~= ARGV[nargv + 5] then return 0 end
if nkeys > 1 and (f[4] or '') ~= ARGV[nargv + 3] then return 0 end
${HASH_WRITE_BODY}`

import { storedOfLua, type ValueLayout, valueAccessLua } from './lua-access.js'

/**
 * The Lua scripts redis-kit runs. Every script touches only keys of one `{ns:b}` hash tag
 * (the keys it declares, plus tag index keys derived from a prefix argument that carries the
 * same hash tag), so they are valid on a cluster.
 *
 * Tag indexes are sorted sets: member = entry key, score = the entry's expiry in server ms
 * (`inf` for none). After every change an index is pruned of expired members and its own
 * expiry is set to its latest member's (or removed when a member never expires), so an index
 * never outlives the entries it points to.
 */

/**
 * A fence hash (fence.ts) expires after this long without a capture or a bump: an idle
 * namespace leaves nothing behind, and a load that outlives it is simply not written back
 * (its incarnation no longer matches).
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export const FENCE_IDLE_MS = 600_000

/** Helpers every layout shares; the layout's accessors come after them (see `prelude`). */
const PRELUDE_HEAD = `
local function bump_fence(fence, field)
  redis.call('HINCRBY', fence, field, 1)
  redis.call('PEXPIRE', fence, ${FENCE_IDLE_MS})
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function tag_header_length(head)
  -- head: at least the first 3 bytes of a stored value; anything else has no tag header.
  if type(head) ~= 'string' or #head < 3 or string.byte(head, 1) ~= 84 then return 0 end
  return string.byte(head, 2) * 256 + string.byte(head, 3)
end
local function tags_in(body)
  local out, pos = {}, 1
  while pos + 1 <= #body do
    local len = string.byte(body, pos) * 256 + string.byte(body, pos + 1)
    out[#out + 1] = string.sub(body, pos + 2, pos + 1 + len)
    pos = pos + 2 + len
  end
  return out
end
local function refresh_index(idx, now)
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  local last = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  if #last == 0 then return end
  if last[2] == 'inf' then
    redis.call('PERSIST', idx)
  else
    redis.call('PEXPIREAT', idx, string.format('%d', tonumber(last[2])))
  end
end
local function untag(member, tags, index_prefix, keep, now)
  for _, tag in ipairs(tags) do
    if keep == nil or not keep[tag] then
      local idx = index_prefix .. tag
      redis.call('ZREM', idx, member)
      refresh_index(idx, now)
    end
  end
end
`

/**
 * Helpers built on the layout's accessors. `write_entry` stores with `put(key, stored, ttl)`,
 * keeps the tags ARGV[first_tag..last_tag] and indexes KEYS[first_index..last_index].
 * `fence_holds` compares a fence hash's generations with the captured ones (fence.ts).
 */
const PRELUDE_TAIL = `
local function write_entry(key, stored, ttl, member, index_prefix, first_index, last_index, first_tag, last_tag, put)
  local now = now_ms()
  local keep = {}
  for i = first_tag, last_tag do keep[ARGV[i]] = true end
  untag(member, tags_of(key), index_prefix, keep, now)
  put(key, stored, ttl)
  local score = '+inf'
  if ttl > 0 then score = now + ttl end
  for i = first_index, last_index do
    redis.call('ZADD', KEYS[i], score, member)
    refresh_index(KEYS[i], now)
  end
end
local function precondition(key, expected)
  if expected == '' then return true end
  -- A key of another type counts as absent: it is overwritten like a missing one.
  local cur = stored_of(key)
  if expected == '-' then return not cur end
  return cur and redis.sha1hex(cur) == expected
end
local function fence_holds(fence, incarnation, clear_gen, cell, cell_gen, tagged, tag_gen)
  local f = redis.call('HMGET', fence, 'i', 'c', cell, 't')
  if (f[1] or '') ~= incarnation or (f[2] or '') ~= clear_gen or (f[3] or '') ~= cell_gen then
    return false
  end
  return not tagged or (f[4] or '') == tag_gen
end
`

/** The helpers of every entry-writing script, with `layout`'s accessors (see lua-access.ts). */
export function prelude(layout: ValueLayout): string {
  return PRELUDE_HEAD + valueAccessLua(layout) + PRELUDE_TAIL
}

/** The prelude of the string layout (plain namespaces). */
export const PRELUDE = prelude('string')

/**
 * Writes one value with its tags. KEYS[1] value key, KEYS[2..] new tag index keys.
 * ARGV: expected ('' none, '-' absent, else sha1 of the current stored value), stored value,
 * ttl ms ('0' none), entry key (index member), index prefix, new tag names (as KEYS[2..]).
 * Returns 1, or 0 when the precondition failed.
 */
export const WRITE_SCRIPT = `${PRELUDE}
if not precondition(KEYS[1], ARGV[1]) then return 0 end
write_entry(KEYS[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], 2, #KEYS, 6, #ARGV, put_stored)
return 1
`

/**
 * The script capturing the fence of one entry before its load (see fence.ts), for a layout.
 * KEYS[1] value key, KEYS[2] the bucket's fence hash. ARGV: an incarnation id to set if the
 * hash has none, the key's delete-cell field. Returns { digest ('-' absent, else sha1 of the
 * stored value), incarnation, clear generation, tag generation, cell generation } ('' for
 * unset fields).
 */
export function fenceScript(layout: ValueLayout): string {
  return `${storedOfLua(layout)}
redis.call('HSETNX', KEYS[2], 'i', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ${FENCE_IDLE_MS})
local cur = stored_of(KEYS[1])
local digest = '-'
if cur then digest = redis.sha1hex(cur) end
local f = redis.call('HMGET', KEYS[2], 'i', 'c', 't', ARGV[2])
return { digest, f[1] or '', f[2] or '', f[3] or '', f[4] or '' }
`
}

/** `fenceScript` of the string layout. */
export const FENCE_SCRIPT = fenceScript('string')

/**
 * Writes a loaded value only if nothing changed since its fence was captured: the stored
 * value has the same digest, and no delete of its cell, tag invalidation (for a tagged
 * entry) or clear of the namespace happened, and the fence hash is the same incarnation.
 * KEYS[1] value key, KEYS[2] fence hash, KEYS[3..] new tag index keys. ARGV: digest,
 * incarnation, clear gen, tag gen, cell field, cell gen, stored value, ttl ms ('0' none),
 * entry key, index prefix, tag names (as KEYS[3..]). Returns 1 when written, else 0.
 */
export const FENCED_WRITE_SCRIPT = `${PRELUDE}
if not fence_holds(KEYS[2], ARGV[2], ARGV[3], ARGV[5], ARGV[6], #KEYS > 2, ARGV[4]) then return 0 end
if not precondition(KEYS[1], ARGV[1]) then return 0 end
local ttl = tonumber(ARGV[8])
if ARGV[1] == '-' and #KEYS == 2 then
  -- The usual cold miss: nothing stored to untag, no tags to index.
  put_stored(KEYS[1], ARGV[7], ttl)
  return 1
end
write_entry(KEYS[1], ARGV[7], ttl, ARGV[9], ARGV[10], 3, #KEYS, 11, #ARGV, put_stored)
return 1
`

/**
 * The usual cold miss of the string layout, written back as cheaply as it can be: an untagged
 * load of a key that was absent when its fence was captured. Writes only if the fence hash
 * has the same incarnation, clear and delete-cell generations and the key holds no string
 * (a key of another type counts as absent and is overwritten, as everywhere). KEYS[1] value
 * key, KEYS[2] fence hash. ARGV: cell field, "<incarnation> <clear gen> <cell gen>", stored
 * value, ttl ms ('0' none). Returns 1 when written, 0 when a value is there, or, when a
 * generation changed, { incarnation, clear gen, tag gen, cell gen } as they are now.
 */
export const FENCED_CREATE_SCRIPT = `
local f = redis.call('HMGET', KEYS[2], 'i', 'c', ARGV[1], 't')
local i, c, d = f[1] or '', f[2] or '', f[3] or ''
if i .. ' ' .. c .. ' ' .. d ~= ARGV[2] then return { i, c, f[4] or '', d } end
local ttl = ARGV[4]
if ttl == '0' then
  if redis.call('SET', KEYS[1], ARGV[3], 'NX') then return 1 end
elseif redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl, 'NX') then
  return 1
end
-- Something is there: a string refuses; a key of another type is overwritten.
if redis.call('TYPE', KEYS[1])['ok'] == 'string' then return 0 end
if ttl == '0' then redis.call('SET', KEYS[1], ARGV[3]) else redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl) end
return 1
`

/**
 * Bumps one generation of a fence hash (KEYS[1]): ARGV[1] the field ('c' before a clear).
 */
export const FENCE_BUMP_SCRIPT = `
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ${FENCE_IDLE_MS})
return 1
`

/**
 * For a layout: deletes values of one bucket and drops them from their tag indexes. KEYS: value keys, then
 * the bucket's fence hash. ARGV: expected (as WRITE_SCRIPT; only with one key), index
 * prefix, entry keys (as KEYS), then each key's delete-cell field, whose generation is
 * bumped so a load that began before cannot write back. Returns the number removed, or -1
 * when the precondition failed.
 */
export function deleteScript(layout: ValueLayout): string {
  return `${prelude(layout)}
if not precondition(KEYS[1], ARGV[1]) then return -1 end
local now = now_ms()
local removed = 0
local n = #KEYS - 1
local fence = KEYS[#KEYS]
for i = 1, n do
  local key = KEYS[i]
  untag(ARGV[2 + i], tags_of(key), ARGV[2], nil, now)
  removed = removed + redis.call('UNLINK', key)
  bump_fence(fence, ARGV[2 + n + i])
end
return removed
`
}

/** `deleteScript` of the string layout. */
export const DELETE_SCRIPT = deleteScript('string')

/**
 * For a layout: invalidates tags in one bucket, at most ARGV[3] members per index per call. KEYS: tag
 * index keys, then the bucket's fence hash (its tag generation is bumped, so a tagged load
 * that began before cannot write back). ARGV: value key prefix, index prefix, batch size,
 * tag names (as KEYS).
 * A member is deleted only if its value still carries the tag (an untagged overwrite leaves
 * a stale member behind, which is dropped here). Returns { removed, more }.
 */
export function invalidateScript(layout: ValueLayout): string {
  return `${prelude(layout)}
local value_prefix, index_prefix, batch = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local removed, more = 0, 0
bump_fence(KEYS[#KEYS], 't')
for i = 1, #KEYS - 1 do
  local idx = KEYS[i]
  local tag = ARGV[3 + i]
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  local members = redis.call('ZRANGE', idx, 0, batch - 1)
  for _, member in ipairs(members) do
    local key = value_prefix .. member
    local tags = tags_of(key)
    local has = false
    for _, t in ipairs(tags) do
      if t == tag then has = true break end
    end
    redis.call('ZREM', idx, member)
    if has then
      local keep = {}
      keep[tag] = true
      untag(member, tags, index_prefix, keep, now)
      removed = removed + redis.call('UNLINK', key)
    end
  end
  if redis.call('ZCARD', idx) > 0 then more = 1 end
end
return { removed, more }
`
}

/** `invalidateScript` of the string layout. */
export const INVALIDATE_SCRIPT = invalidateScript('string')

/**
 * Gives one value a new envelope (its logical expiry rewritten) and a new expiry, only while
 * its envelope is still the one the caller read; its tag header stays (and a hash's other
 * fields), and each of its tag indexes gets the new expiry as the member's score. KEYS[1]
 * value key. ARGV: sha1 of the envelope read, new envelope, ttl ms ('0' none), entry key
 * (index member), index prefix. Returns 1 when changed, 0 when the key holds no value, -1
 * when the envelope changed.
 */
export function expireScript(layout: ValueLayout): string {
  return `${prelude(layout)}
local key = KEYS[1]
local cur = stored_of(key)
if not cur then return 0 end
local head = 0
if #cur >= 3 and string.byte(cur, 1) == 84 then
  head = 3 + string.byte(cur, 2) * 256 + string.byte(cur, 3) + 4
end
if redis.sha1hex(string.sub(cur, head + 1)) ~= ARGV[1] then return -1 end
local ttl = tonumber(ARGV[3])
put_stored(key, string.sub(cur, 1, head) .. ARGV[2], ttl)
local now = now_ms()
local score = '+inf'
if ttl > 0 then score = now + ttl end
for _, tag in ipairs(tags_of(key)) do
  local idx = ARGV[5] .. tag
  redis.call('ZADD', idx, score, ARGV[4])
  refresh_index(idx, now)
end
return 1
`
}

/** `expireScript` of the string layout. */
export const EXPIRE_SCRIPT = expireScript('string')

/**
 * Releases a lock only for its holder. KEYS[1] lock key, ARGV[1] the holder's token.
 * Returns 1 when released, 0 when the lock had expired or belongs to another holder.
 */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`

/**
 * Tries many locks of one bucket at once, without waiting. KEYS: lock keys. ARGV: the
 * holder's token, ttl ms. Returns a list of 1 (taken) or 0 (held by another), in order.
 */
export const TRY_LOCKS_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then out[i] = 1 else out[i] = 0 end
end
return out
`

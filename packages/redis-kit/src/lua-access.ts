/**
 * How the Lua scripts reach an entry's stored value (tag header + envelope), per entry
 * layout. A plain namespace keeps it in a string at the value key; a searchable namespace
 * keeps it in the field `__v` of a hash at the value key (see `search-store.ts`). Every script
 * is written once in `lua.ts` against the functions below and generated for both layouts, so
 * the layouts differ only here. A key of another type (or a hash without `__v`) reads as
 * absent and untagged in both.
 */
export type ValueLayout = 'string' | 'hash'

/** `stored_of(key)`: the stored value, or false (absent or another type). */
const STORED_OF: Record<ValueLayout, string> = {
  string: `
local function stored_of(key)
  local v = redis.pcall('GET', key)
  if type(v) ~= 'string' then return false end
  return v
end
`,
  hash: `
local function stored_of(key)
  local v = redis.pcall('HGET', key, '__v')
  if type(v) ~= 'string' then return false end
  return v
end
`,
}

/**
 * `tags_of(key)`: the tags in the stored value's header (needs `tag_header_length` and
 * `tags_in` of the prelude). The string layout reads only the header (GETRANGE).
 */
const TAGS_OF: Record<ValueLayout, string> = {
  string: `
local function tags_of(key)
  local n = tag_header_length(redis.pcall('GETRANGE', key, 0, 2))
  if n == 0 then return {} end
  return tags_in(redis.call('GETRANGE', key, 3, 2 + n))
end
`,
  hash: `
local function tags_of(key)
  local v = stored_of(key)
  local n = tag_header_length(v)
  if n == 0 then return {} end
  return tags_in(string.sub(v, 4, 3 + n))
end
`,
}

/**
 * `put_stored(key, stored, ttl)`: replaces the stored value and the key's expiry (ttl 0: none),
 * keeping a hash's other fields.
 */
const PUT_STORED: Record<ValueLayout, string> = {
  string: `
local function put_stored(key, stored, ttl)
  if ttl > 0 then redis.call('SET', key, stored, 'PX', ttl) else redis.call('SET', key, stored) end
end
`,
  hash: `
local function put_stored(key, stored, ttl)
  redis.call('HSET', key, '__v', stored)
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('PERSIST', key) end
end
`,
}

/** The Lua source of `stored_of` alone, for `layout`. */
export function storedOfLua(layout: ValueLayout): string {
  return STORED_OF[layout]
}

/** The Lua source of `stored_of`, `tags_of` and `put_stored` for `layout`. */
export function valueAccessLua(layout: ValueLayout): string {
  return STORED_OF[layout] + TAGS_OF[layout] + PUT_STORED[layout]
}

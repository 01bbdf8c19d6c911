/** The index of one TAG field: tag → keys. Tags arrive folded by core when case-insensitive. */
export class TagFieldIndex {
  readonly members = new Map<string, Set<string>>()
  /** Each key's tags, as written. */
  readonly values = new Map<string, string | readonly string[]>()

  add(key: string, value: string | readonly string[]): void {
    this.values.set(key, value)
    for (const tag of typeof value === 'string' ? [value] : value) {
      let keys = this.members.get(tag)
      if (keys === undefined) {
        keys = new Set()
        this.members.set(tag, keys)
      }
      keys.add(key)
    }
  }

  remove(key: string, value: string | readonly string[]): void {
    this.values.delete(key)
    for (const tag of typeof value === 'string' ? [value] : value) {
      const keys = this.members.get(tag)
      if (keys === undefined) continue
      keys.delete(key)
      if (keys.size === 0) this.members.delete(tag)
    }
  }

  /** Keys carrying any of `tags`. */
  keysWithAny(tags: readonly string[]): Set<string> | undefined {
    if (tags.length === 1) return this.members.get(tags[0] as string)
    const out = new Set<string>()
    for (const tag of tags) for (const key of this.members.get(tag) ?? []) out.add(key)
    return out
  }

  /** How many keys carry any of `tags` (an upper bound when they overlap). */
  countAny(tags: readonly string[]): number {
    let n = 0
    for (const tag of tags) n += this.members.get(tag)?.size ?? 0
    return n
  }

  /** Keys carrying a tag that starts with `prefix`. */
  keysWithPrefix(prefix: string): Set<string> {
    const out = new Set<string>()
    for (const [tag, keys] of this.members)
      if (tag.startsWith(prefix)) for (const k of keys) out.add(k)
    return out
  }

  /** True when `key` carries any of `tags`. */
  hasAny(key: string, tags: readonly string[]): boolean {
    for (const tag of tags) if (this.members.get(tag)?.has(key) === true) return true
    return false
  }

  clear(): void {
    this.values.clear()
    this.members.clear()
  }
}

/** A node of the recency list; also the record of one stored entry. */
export interface LruNode<E> {
  readonly owner: { evict(node: LruNode<E>): void }
  readonly key: string
  entry: E
  /** Physical expiry, epoch ms; `Infinity` for none. */
  expiresAt: number
  tags: readonly string[] | undefined
  /** Bytes charged for this entry (bytes mode), else 0. */
  weight: number
  /** Bumped on every update; `compute` uses it to detect a concurrent write. */
  version: number
  prev: LruNode<E> | undefined
  next: LruNode<E> | undefined
  linked: boolean
}

/** Doubly linked recency list: head is most recently used, tail is the eviction candidate. */
export class LruList<E> {
  #head: LruNode<E> | undefined
  #tail: LruNode<E> | undefined
  size = 0

  get tail(): LruNode<E> | undefined {
    return this.#tail
  }

  pushFront(node: LruNode<E>): void {
    node.prev = undefined
    node.next = this.#head
    if (this.#head !== undefined) this.#head.prev = node
    this.#head = node
    if (this.#tail === undefined) this.#tail = node
    node.linked = true
    this.size++
  }

  moveToFront(node: LruNode<E>): void {
    if (this.#head === node) return
    this.unlink(node)
    this.pushFront(node)
  }

  unlink(node: LruNode<E>): void {
    if (!node.linked) return
    if (node.prev !== undefined) node.prev.next = node.next
    else this.#head = node.next
    if (node.next !== undefined) node.next.prev = node.prev
    else this.#tail = node.prev
    node.prev = undefined
    node.next = undefined
    node.linked = false
    this.size--
  }

  clear(): void {
    this.#head = undefined
    this.#tail = undefined
    this.size = 0
  }
}

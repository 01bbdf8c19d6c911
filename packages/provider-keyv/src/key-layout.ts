import { createHash } from 'node:crypto'

/**
 * How cacheport keys become adapter keys. Everything user-supplied is base64url, so the key is
 * safe for memcached's text protocol (no spaces or control characters), for SQL `LIKE`, and
 * for adapters that trim keys; a key over `maxKeyBytes` is replaced by its SHA-256.
 *
 * - generation of a namespace: `{prefix}g:{ns}`
 * - entry: `{prefix}e:{ns}:{generation}:{key}`
 */
export class KeyLayout {
  readonly #prefix: string
  readonly #maxKeyBytes: number

  constructor(prefix: string, maxKeyBytes: number) {
    this.#prefix = prefix
    this.#maxKeyBytes = maxKeyBytes
  }

  /** The adapter key holding the current generation of `namespace`. */
  generationKey(namespace: string): string {
    return this.#bounded(`${this.#prefix}g:${encode(namespace)}`)
  }

  /** The adapter key of `key` in `namespace` at `generation`. */
  entryKey(namespace: string, generation: string, key: string): string {
    return this.#bounded(`${this.#prefix}e:${encode(namespace)}:${generation}:${encode(key)}`)
  }

  #bounded(key: string): string {
    if (key.length <= this.#maxKeyBytes) return key
    return `${this.#prefix}h:${createHash('sha256').update(key).digest('base64url')}`
  }
}

function encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}

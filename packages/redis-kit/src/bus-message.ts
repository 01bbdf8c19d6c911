import type { InvalidationMessage } from '@cacheport/core'

/**
 * The wire format of pub/sub invalidations: compact JSON `{origin, namespace, keys?, tags?,
 * clear?}` with `origin` first, so a process recognises its own messages by their first
 * bytes without parsing them (`OwnMessagePrefix`). Never carries values. Processes of
 * earlier versions read and write the same format.
 */

/**
 * Compact JSON of a message: absent fields and empty lists are left out.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function encodeMessage(message: InvalidationMessage): string {
  // Built by hand (origin first, see OwnMessagePrefix): this runs once per published batch.
  let out = `{"origin":${JSON.stringify(message.origin)},"namespace":${JSON.stringify(message.namespace)}`
  if (message.keys !== undefined && message.keys.length > 0) {
    out += `,"keys":${JSON.stringify(message.keys)}`
  }
  if (message.tags !== undefined && message.tags.length > 0) {
    out += `,"tags":${JSON.stringify(message.tags)}`
  }
  if (message.clear === true) out += ',"clear":true'
  return `${out}}`
}

/**
 * Parses a message received on `namespace`'s channel; `undefined` for anything malformed.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function decodeMessage(
  payload: unknown,
  namespace: string,
): InvalidationMessage | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(String(payload))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const m = parsed as Record<string, unknown>
  const { origin, keys, tags } = m
  if (typeof origin !== 'string' || m.namespace !== namespace) return undefined
  if (keys !== undefined && !isStringArray(keys)) return undefined
  if (tags !== undefined && !isStringArray(tags)) return undefined
  const message: { -readonly [F in keyof InvalidationMessage]: InvalidationMessage[F] } = {
    origin,
    namespace,
  }
  if (keys !== undefined) message.keys = keys
  if (tags !== undefined) message.tags = tags
  if (m.clear === true) message.clear = true
  return message
}

function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false
  return true
}

/**
 * The first bytes of every message one origin encodes: tells a process's own messages (which
 * pub/sub delivers back to it) from others' by a byte comparison, before any decoding.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export class OwnMessagePrefix {
  readonly #bytes: Buffer
  readonly #text: string

  constructor(origin: string) {
    this.#text = `{"origin":${JSON.stringify(origin)},`
    this.#bytes = Buffer.from(this.#text)
  }

  /** True when a raw payload (Buffer or string) starts with this origin's prefix. */
  matches(payload: unknown): boolean {
    const prefix = this.#bytes
    if (Buffer.isBuffer(payload)) {
      return (
        payload.length > prefix.length &&
        payload.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
      )
    }
    return typeof payload === 'string' && payload.startsWith(this.#text)
  }
}

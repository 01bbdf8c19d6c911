import { connect } from 'node:net'
import { connect as connectTls } from 'node:tls'

/** An error reply (`-ERR ...`) from the server. */
export class RespError extends Error {
  override readonly name = 'RespError'
}

/** A decoded RESP2 reply. Nested error replies inside arrays are kept as {@link RespError} values. */
export type RespReply = string | number | null | RespError | RespReply[]

/** Options for {@link sendCommand}. */
export interface SendCommandOptions {
  /** Defaults to `127.0.0.1`. */
  host?: string
  /** Connect + reply timeout in milliseconds. Defaults to 2000. */
  timeoutMs?: number
  /** Connect over TLS, trusting this CA (PEM). The server name checked is `host`. */
  tls?: { readonly ca: string }
  /** `AUTH` arguments sent first (`[password]` or `[user, password]`). */
  auth?: readonly string[]
}

const CRLF = '\r\n'

function encode(args: readonly string[]): Buffer {
  let out = `*${args.length}${CRLF}`
  for (const arg of args) out += `$${Buffer.byteLength(arg)}${CRLF}${arg}${CRLF}`
  return Buffer.from(out)
}

type Parsed = { value: RespReply; next: number } | undefined

/** Parses one reply starting at `offset`; `undefined` when the buffer is incomplete. */
function parse(buf: Buffer, offset: number): Parsed {
  const eol = buf.indexOf(CRLF, offset)
  if (eol < 0) return undefined
  const type = String.fromCharCode(buf[offset]!)
  const line = buf.toString('utf8', offset + 1, eol)
  const after = eol + 2
  switch (type) {
    case '+':
      return { value: line, next: after }
    case '-':
      return { value: new RespError(line), next: after }
    case ':':
      return { value: Number(line), next: after }
    case '$': {
      const len = Number(line)
      if (len < 0) return { value: null, next: after }
      if (buf.length < after + len + 2) return undefined
      return { value: buf.toString('utf8', after, after + len), next: after + len + 2 }
    }
    case '*': {
      const len = Number(line)
      if (len < 0) return { value: null, next: after }
      const items: RespReply[] = []
      let pos = after
      for (let i = 0; i < len; i++) {
        const item = parse(buf, pos)
        if (!item) return undefined
        items.push(item.value)
        pos = item.next
      }
      return { value: items, next: pos }
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`)
  }
}

/**
 * Sends one command over a fresh TCP (or TLS) connection, after `AUTH` when `auth` is given,
 * and resolves with the decoded reply (a minimal RESP2 client, enough for health checks
 * without spawning `redis-cli`). Rejects on connection errors, on timeout and on a top-level
 * error reply ({@link RespError}), the `AUTH` reply included.
 */
export function sendCommand(
  port: number,
  args: readonly string[],
  options: SendCommandOptions = {},
): Promise<RespReply> {
  const { host = '127.0.0.1', timeoutMs = 2000, tls, auth } = options
  const commands = auth ? [['AUTH', ...auth], args] : [args]
  return new Promise((resolve, reject) => {
    const socket = tls
      ? connectTls({
          host,
          port,
          ca: tls.ca,
          ...(/^[\d.]+$/.test(host) ? {} : { servername: host }),
        })
      : connect({ host, port })
    let pending = commands.length
    let buf = Buffer.alloc(0)
    let settled = false
    const finish = (err: Error | undefined, value?: RespReply) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else resolve(value ?? null)
    }
    const timer = setTimeout(
      () => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${host}:${port}`)),
      timeoutMs,
    )
    socket.on(tls ? 'secureConnect' : 'connect', () =>
      socket.write(Buffer.concat(commands.map(encode))),
    )
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      for (;;) {
        let parsed: Parsed
        try {
          parsed = parse(buf, 0)
        } catch (err) {
          finish(err as Error)
          return
        }
        if (!parsed) return
        buf = buf.subarray(parsed.next)
        pending--
        if (parsed.value instanceof RespError) finish(parsed.value)
        else if (pending === 0) finish(undefined, parsed.value)
        if (settled) return
      }
    })
    socket.on('error', (err) => finish(err))
    socket.on('close', () =>
      finish(new Error(`connection to ${host}:${port} closed before a reply`)),
    )
  })
}

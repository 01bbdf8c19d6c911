import { isIP } from 'node:net'
import { connect as connectTls, type ConnectionOptions as TlsOptions } from 'node:tls'
import {
  CacheBackendError,
  CacheError,
  CacheTimeoutError,
  CacheUnavailableError,
} from '@cacheport/core'

const UNAVAILABLE = [
  'Connection is closed',
  "Stream isn't writeable",
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTCONN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'max retries per request',
  'None of startup nodes is available',
  'Cluster isn',
  'Failed to refresh slots cache',
  'Too many Cluster redirections',
  'LOADING',
  'MASTERDOWN',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'BUSY ',
  // node-redis
  'The client is closed',
  'The client is offline',
  'Socket closed unexpectedly',
  'Disconnects client',
  'Connection timeout',
  'All the root nodes are unavailable',
]

/**
 * Maps what a Redis client throws to cacheport's typed errors: connection problems and
 * transient server states become `CacheUnavailableError`, client-side command timeouts
 * `CacheTimeoutError`, other server replies `CacheBackendError`.
 * Shared by cacheport's own packages; not part of the supported API and may change in any release.
 *
 * @internal
 */
export function toCacheError(error: unknown, operation: string): CacheError {
  if (error instanceof CacheError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (message.includes('Command timed out'))
    return new CacheTimeoutError(operation, 0, { cause: error })
  const lower = message.toLowerCase()
  if (UNAVAILABLE.some((m) => lower.includes(m.toLowerCase()))) {
    return new CacheUnavailableError(`${operation}: backend unavailable (${message})`, {
      cause: error,
    })
  }
  return new CacheBackendError(`${operation}: ${message}`, { cause: error })
}

/** Node's codes for a server certificate the client does not trust. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
])

/**
 * Names a connection failure that retrying will not fix: a refused password or user
 * (`authentication failed: ...`), a command the ACL user may not run (`permission denied:
 * ...`), or a TLS handshake the client refused (`TLS handshake failed: ...`). Returns
 * `undefined` for anything else (a plain network problem, a timeout). Never throws.
 */
export function connectFailureCause(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const { message } = error
  if (/WRONGPASS|NOAUTH|invalid username-password|invalid password/i.test(message))
    return `authentication failed: ${message}`
  if (/NOPERM/.test(message)) return `permission denied: ${message}`
  const code = (error as { code?: unknown }).code
  if (
    (typeof code === 'string' && TLS_CODES.has(code)) ||
    /certificate|self[- ]signed|SSL routines|tls/i.test(message)
  )
    return `TLS handshake failed: ${message}`
  return undefined
}

/** The event emitter surface of ioredis, iovalkey and the node-redis adapters. */
interface ErrorEvents {
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off?(event: string, listener: (...args: unknown[]) => void): unknown
}

/**
 * Runs a provider's construction while listening to the client's error events (`error`, and
 * a cluster's `node error` / `node-error`). When construction rejects with
 * `CacheUnavailableError` and the client reported an authentication, ACL or TLS failure
 * meanwhile (clients often reject `connect()` with a bare "Connection is closed"), rejects
 * instead with a `CacheUnavailableError` whose message names that cause; when the client
 * reported nothing, `probe` may find the cause itself (see {@link probeTls}). Other rejections
 * pass through unchanged.
 */
export async function namingConnectFailure<T>(
  client: unknown,
  connect: () => Promise<T>,
  probe?: () => Promise<string | undefined>,
): Promise<T> {
  const emitter = client as Partial<ErrorEvents>
  const events = ['error', 'node error', 'node-error']
  let cause: { error: Error; text: string } | undefined
  let listening = typeof emitter.on === 'function'
  const listener = (...args: unknown[]): void => {
    if (!listening) return
    for (const arg of args) {
      const text = connectFailureCause(arg)
      if (text !== undefined) cause = { error: arg as Error, text }
    }
  }
  if (listening) for (const event of events) emitter.on?.(event, listener)
  try {
    return await connect()
  } catch (error) {
    const own = connectFailureCause(error)
    if (error instanceof CacheUnavailableError && own === undefined) {
      if (cause !== undefined) {
        throw new CacheUnavailableError(`${error.message} (${cause.text})`, { cause: cause.error })
      }
      const found = await probe?.().catch(() => undefined)
      if (found !== undefined) {
        throw new CacheUnavailableError(`${error.message} (${found})`, { cause: error })
      }
    }
    throw error
  } finally {
    listening = false
    if (typeof emitter.off === 'function') for (const event of events) emitter.off(event, listener)
  }
}

/**
 * Opens one TLS connection to `host:port` with the client's TLS options and reports why the
 * handshake fails (`TLS handshake failed: ...`), or `undefined` when it succeeds, does not
 * finish within `timeoutMs`, or fails for another reason. Used to name the cause when a
 * cluster client swallows its nodes' TLS errors. Never rejects.
 */
export function probeTls(
  host: string,
  port: number,
  options: TlsOptions,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connectTls({
      ...options,
      host,
      port,
      ...(isIP(host) === 0 && options.servername === undefined ? { servername: host } : {}),
    })
    const done = (result: string | undefined) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => done(undefined), timeoutMs)
    socket.once('secureConnect', () => done(undefined))
    socket.once('error', (error) => done(connectFailureCause(error)))
  })
}

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

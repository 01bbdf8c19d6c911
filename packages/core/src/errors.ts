/**
 * Every error cacheport raises is a `CacheError` with a stable `code`. Subclasses group the
 * codes by cause so callers can `instanceof`-check a family or switch on `code`.
 */
export type CacheErrorCode =
  | 'EMPTY_KEY'
  | 'KEY_TOO_LONG'
  | 'INVALID_KEY'
  | 'INVALID_TTL'
  | 'UNDEFINED_VALUE'
  | 'INVALID_TAG'
  | 'INVALID_OPTION'
  | 'INVALID_ARGUMENT'
  | 'VALUE_TOO_LARGE'
  | 'INVALID_FIELD'
  | 'LOADER_FAILED'
  | 'INVALID_NAMESPACE'
  | 'UNKNOWN_PROVIDER'
  | 'UNKNOWN_ENCODER'
  | 'NAMESPACE_CONFLICT'
  | 'UNSUPPORTED'
  | 'DECODE_FAILED'
  | 'ENCODE_FAILED'
  | 'TIMEOUT'
  | 'UNAVAILABLE'
  | 'COMPUTE_CONFLICT'
  | 'CLOSED'
  | 'BACKEND_ERROR'
  | 'LOCK_TIMEOUT'

export interface CacheErrorOptions {
  cause?: unknown
}

/** Base class of every error raised by cacheport packages. */
export class CacheError extends Error {
  readonly code: CacheErrorCode
  constructor(code: CacheErrorCode, message: string, options?: CacheErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A key was empty, too long, or not a well-formed string. */
export class CacheKeyError extends CacheError {
  constructor(code: 'EMPTY_KEY' | 'KEY_TOO_LONG' | 'INVALID_KEY', message: string) {
    super(code, message)
  }
}

/** A TTL (or other duration) was NaN, negative, zero, non-finite or unparseable. */
export class CacheTtlError extends CacheError {
  constructor(message: string) {
    super('INVALID_TTL', message)
  }
}

/**
 * A value could not be cached: `undefined`, rejected by the encoder, over the size limit, or
 * holding a searchable field that cannot be indexed (`INVALID_FIELD`).
 */
export class CacheValueError extends CacheError {
  constructor(
    code: 'UNDEFINED_VALUE' | 'ENCODE_FAILED' | 'VALUE_TOO_LARGE' | 'INVALID_FIELD',
    message: string,
    options?: CacheErrorOptions,
  ) {
    super(code, message, options)
  }
}

/** Configuration or argument problem: unknown provider/encoder, bad option, namespace clash. */
export class CacheConfigError extends CacheError {
  constructor(
    code:
      | 'INVALID_OPTION'
      | 'INVALID_ARGUMENT'
      | 'INVALID_NAMESPACE'
      | 'INVALID_TAG'
      | 'UNKNOWN_PROVIDER'
      | 'UNKNOWN_ENCODER'
      | 'NAMESPACE_CONFLICT',
    message: string,
  ) {
    super(code, message)
  }
}

/** The provider does not declare the capability the call needs. */
export class CacheUnsupportedError extends CacheError {
  readonly capability: string
  constructor(capability: string, message: string) {
    super('UNSUPPORTED', message)
    this.capability = capability
  }
}

/**
 * Stored bytes could not be turned back into a value (corrupt, foreign, unknown encoder or
 * transformer, failed authentication). The Cache never throws this to a reader: it reports a
 * miss and emits it as an `error` event.
 */
export class CacheDecodeError extends CacheError {
  constructor(message: string, options?: CacheErrorOptions) {
    super('DECODE_FAILED', message, options)
  }
}

/** A backend call did not complete within its timeout. */
export class CacheTimeoutError extends CacheError {
  readonly timeoutMs: number
  constructor(operation: string, timeoutMs: number, options?: CacheErrorOptions) {
    super('TIMEOUT', `${operation} timed out after ${timeoutMs} ms`, options)
    this.timeoutMs = timeoutMs
  }
}

/** The backend cannot be reached (connection refused, closed, not ready). */
export class CacheUnavailableError extends CacheError {
  constructor(message: string, options?: CacheErrorOptions) {
    super('UNAVAILABLE', message, options)
  }
}

/** An optimistic `compute` lost the race more times than its retry budget allows. */
export class CacheConflictError extends CacheError {
  constructor(message: string) {
    super('COMPUTE_CONFLICT', message)
  }
}

/** The cache service or provider was closed. */
export class CacheClosedError extends CacheError {
  constructor(what = 'cache') {
    super('CLOSED', `${what} is closed`)
  }
}

/** The backend answered with an error that is neither a timeout nor unavailability (e.g. WRONGTYPE). */
export class CacheBackendError extends CacheError {
  constructor(message: string, options?: CacheErrorOptions) {
    super('BACKEND_ERROR', message, options)
  }
}

/**
 * A loader waited for the distributed lock of its key longer than the namespace's
 * `lock.waitMs`, and the namespace is configured to fail (`lock.onTimeout: 'error'`) rather
 * than load anyway.
 */
export class CacheLockTimeoutError extends CacheError {
  readonly waitMs: number
  constructor(namespace: string, key: string, waitMs: number) {
    super(
      'LOCK_TIMEOUT',
      `namespace '${namespace}': the lock of key '${key}' was not acquired within ${waitMs} ms`,
    )
    this.waitMs = waitMs
  }
}

/**
 * A loader threw something that is not an `Error` (a string, a number, `null`). The `error`
 * event carries this wrapper, with the thrown value as `cause`; callers get the thrown value
 * itself.
 */
export class CacheLoaderError extends CacheError {
  constructor(message: string, options?: CacheErrorOptions) {
    super('LOADER_FAILED', message, options)
  }
}

import { CacheConfigError } from './errors.js'

/** Facts logged with a message (the message text states them too). */
export type LogFields = Readonly<Record<string, unknown>>

/** One logging method: a self-contained message, then the same facts as fields. */
export type LogMethod = (message: string, fields: LogFields) => void

/**
 * What cacheport logs to: `warn` and `error` are required, `info` and `debug` used when
 * present. `console`, winston and pino loggers fit (pino keeps the message text; winston and
 * console also print the fields).
 */
export interface CacheLogger {
  warn: LogMethod
  error: LogMethod
  info?: LogMethod
  debug?: LogMethod
}

/** How many decode failures a namespace logs per interval before it suppresses the rest. */
export interface LogRateLimit {
  /** Lines per namespace per interval. Default 10. */
  readonly lines: number
  /** The interval, ms. Default 60,000. */
  readonly intervalMs: number
}

export const DEFAULT_LOG_RATE_LIMIT: LogRateLimit = Object.freeze({
  lines: 10,
  intervalMs: 60_000,
})

/**
 * Checks the `logger` option: `undefined` (silent) passes; anything without `warn` and `error`
 * functions, or with a non-function `info` / `debug`, throws `CacheConfigError`
 * (`INVALID_OPTION`).
 */
export function checkLogger(logger: unknown): asserts logger is CacheLogger | undefined {
  if (logger === undefined) return
  const fail = (what: string): never => {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `createCacheService options: logger ${what} (it needs warn(message, fields) and error(message, fields), and may have info and debug: console, pino and winston loggers fit)`,
    )
  }
  if (logger === null || (typeof logger !== 'object' && typeof logger !== 'function')) {
    fail(`must be an object, got ${logger === null ? 'null' : typeof logger}`)
  }
  const l = logger as Record<string, unknown>
  for (const level of ['warn', 'error'] as const) {
    if (typeof l[level] !== 'function') fail(`has no ${level} function`)
  }
  for (const level of ['info', 'debug'] as const) {
    if (l[level] !== undefined && typeof l[level] !== 'function') {
      fail(`has an ${level} that is not a function`)
    }
  }
}

/** A silent logger: the default. */
const SILENT: CacheLogger = { warn() {}, error() {} }

/**
 * The service's logger, with a per-namespace rate limit for noisy lines (decode failures): at
 * most `lines` per interval, then one "suppressed N" line when the next interval starts. A
 * logger that throws is ignored (logging must not fail a cache call).
 */
export class ServiceLog {
  readonly enabled: boolean
  readonly #logger: CacheLogger
  readonly #limit: LogRateLimit
  readonly #now: () => number
  readonly #windows = new Map<string, { start: number; lines: number; suppressed: number }>()

  constructor(
    logger: CacheLogger | undefined,
    limit: LogRateLimit = DEFAULT_LOG_RATE_LIMIT,
    now: () => number = Date.now,
  ) {
    this.enabled = logger !== undefined
    this.#logger = logger ?? SILENT
    this.#limit = limit
    this.#now = now
  }

  /** Logs at `level`, falling back to `warn` for a missing `info` and to nothing for `debug`. */
  log(level: keyof CacheLogger, message: string, fields: LogFields): void {
    if (!this.enabled) return
    const logger = this.#logger
    const method =
      level === 'info'
        ? (logger.info ?? logger.warn)
        : level === 'debug'
          ? logger.debug
          : logger[level]
    if (method === undefined) return
    try {
      method.call(logger, message, fields)
    } catch {
      // A failing logger must not fail the cache call.
    }
  }

  /** Logs a noisy line of `namespace`, within the rate limit. */
  limited(namespace: string, level: 'warn' | 'error', message: string, fields: LogFields): void {
    if (!this.enabled) return
    const now = this.#now()
    let w = this.#windows.get(namespace)
    if (w === undefined || now - w.start >= this.#limit.intervalMs) {
      if (w !== undefined && w.suppressed > 0) {
        this.log(
          level,
          `namespace '${namespace}': suppressed ${w.suppressed} similar lines in the last ${this.#limit.intervalMs} ms`,
          { namespace, suppressed: w.suppressed },
        )
      }
      w = { start: now, lines: 0, suppressed: 0 }
      this.#windows.set(namespace, w)
    }
    if (w.lines < this.#limit.lines) {
      w.lines++
      this.log(level, message, fields)
    } else {
      w.suppressed++
    }
  }
}

import type {
  ComputeOptions,
  GetEntryOptions,
  GetOrSetOptions,
  SetManyEntry,
  SetOptions,
} from './cache-types.js'
import { CacheConfigError } from './errors.js'
import { checkOptionsObject, describeOption } from './options.js'

/** Every key of an options type, listed once (the compiler checks the list is complete). */
type KeyList<T> = { readonly [K in keyof Required<T>]: true }

const SET: KeyList<SetOptions> = { ttl: true, tags: true }
const GET_OR_SET: KeyList<GetOrSetOptions> = {
  ttl: true,
  tags: true,
  negativeTtl: true,
  signal: true,
}
const SET_MANY_ENTRY: KeyList<SetManyEntry<unknown, unknown>> = {
  key: true,
  value: true,
  ttl: true,
  tags: true,
}
const COMPUTE: KeyList<ComputeOptions> = { maxRetries: true }

const SET_NAMES = Object.keys(SET)
const GET_OR_SET_NAMES = Object.keys(GET_OR_SET)
const SET_MANY_ENTRY_NAMES = Object.keys(SET_MANY_ENTRY)
const COMPUTE_NAMES = Object.keys(COMPUTE)
const COMPUTE_SET_NAMES = ['action', 'value', 'ttl', 'tags']
const COMPUTE_OTHER_NAMES = ['action']

/** Throws `CacheConfigError` (`INVALID_ARGUMENT`) naming the method and argument. */
function refuse(method: string, argument: string, message: string): never {
  throw new CacheConfigError('INVALID_ARGUMENT', `${method}(): ${argument} ${message}`)
}

/** Throws `CacheConfigError` (`INVALID_ARGUMENT`) unless `value` is an array. */
export function checkList(value: unknown, method: string, argument: string): void {
  if (!Array.isArray(value))
    refuse(method, argument, `must be an array, got ${describeOption(value)}`)
}

/**
 * Checks a list of keys and encodes each with `encode` (the facade's key check, which throws
 * its typed errors). Throws `CacheConfigError` (`INVALID_ARGUMENT`) unless `keys` is an array.
 */
export function checkKeyList<K>(
  keys: readonly K[],
  method: string,
  encode: (key: K) => string,
): string[] {
  checkList(keys, method, 'keys')
  return keys.map((key) => encode(key))
}

/** Throws `CacheConfigError` (`INVALID_ARGUMENT`) unless `value` is a function. */
export function checkFunction(value: unknown, method: string, argument: string): void {
  if (typeof value !== 'function') {
    refuse(method, argument, `must be a function, got ${describeOption(value)}`)
  }
}

/**
 * Checks the options of `set` (`ttl`, `tags`). Throws `CacheConfigError` (`INVALID_OPTION`)
 * for a non-object or an unknown key, naming the closest known one.
 */
export function checkSetOptions(options: unknown, method = 'set'): void {
  if (options !== undefined) checkOptionsObject(options, SET_NAMES, `${method}() options`)
}

/** Checks the options of `getOrSet`/`getOrSetMany` (`ttl`, `tags`, `negativeTtl`, `signal`). */
export function checkGetOrSetOptions(options: unknown, method: string): void {
  if (options === undefined) return
  checkOptionsObject(options, GET_OR_SET_NAMES, `${method}() options`)
  checkSignalOption((options as { signal?: unknown }).signal, method)
}

/** Throws `CacheConfigError` (`INVALID_OPTION`) unless `signal` is an `AbortSignal` or absent. */
export function checkSignalOption(signal: unknown, method: string): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `${method}() options: signal must be an AbortSignal, got ${describeOption(signal)}`,
    )
  }
}

/** Checks one `setMany` entry (`key`, `value`, `ttl`, `tags`); `index` names it. */
export function checkSetManyEntry(entry: unknown, index: number): void {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    refuse(
      'setMany',
      `entries[${index}]`,
      `must be { key, value, ttl?, tags? }, got ${describeOption(entry)}`,
    )
  }
  checkOptionsObject(entry, SET_MANY_ENTRY_NAMES, `setMany() entries[${index}]`)
}

/** Checks what a compute callback returned: `{ action: 'set', value, ttl?, tags? }`, `delete` or `keep`. */
export function checkComputeDecision(decision: unknown, k: string): void {
  const action = (decision as { action?: unknown } | null | undefined)?.action
  if (action !== 'set' && action !== 'delete' && action !== 'keep') {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `compute callback for key '${k}' must return { action: 'set' | 'delete' | 'keep' }`,
    )
  }
  checkOptionsObject(
    decision,
    action === 'set' ? COMPUTE_SET_NAMES : COMPUTE_OTHER_NAMES,
    `compute callback result for key '${k}'`,
  )
}

/**
 * Checks what a bulk loader returned: a Map, or an iterable of `[key, value]` pairs. Throws
 * `CacheConfigError` (`INVALID_ARGUMENT`) naming the loader.
 */
export function checkBulkResult(result: unknown): void {
  const iterable =
    result !== null &&
    typeof result === 'object' &&
    typeof (result as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  if (!iterable) {
    refuse(
      'getOrSetMany',
      'the bulk loader',
      `must return a Map or an iterable of [key, value] pairs, got ${describeOption(result)}`,
    )
  }
}

/** Checks one pair a bulk loader produced. */
export function checkBulkPair(pair: unknown): void {
  if (!Array.isArray(pair) || pair.length !== 2) {
    refuse(
      'getOrSetMany',
      'the bulk loader',
      `must produce [key, value] pairs, got ${describeOption(pair)}`,
    )
  }
}

const GET_ENTRY: KeyList<GetEntryOptions> = { countAsRead: true }
const GET_ENTRY_NAMES = Object.keys(GET_ENTRY)

/** Checks the options of `getEntry` (`countAsRead`). */
export function checkGetEntryOptions(options: unknown): void {
  if (options === undefined) return
  checkOptionsObject(options, GET_ENTRY_NAMES, 'getEntry() options')
  const count = (options as GetEntryOptions).countAsRead
  if (count !== undefined && typeof count !== 'boolean') {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `getEntry() options: countAsRead must be a boolean, got ${describeOption(count)}`,
    )
  }
}

/** Checks the `ttl` argument of `expire`: a duration or `null` (no expiry), never missing. */
export function checkExpireTtl(ttl: unknown): void {
  if (ttl === undefined) {
    refuse(
      'expire',
      'ttl',
      "is required: a duration (ms or a string like '10m'), or null for no expiry",
    )
  }
}

/** Checks the options of `compute` or a compute variant (`maxRetries`), naming the method. */
export function checkComputeVariantOptions(options: unknown, method: string): void {
  if (options !== undefined) checkOptionsObject(options, COMPUTE_NAMES, `${method}() options`)
}

/**
 * The retry budget of a compute call: `options.maxRetries`, else the namespace's
 * `computeRetries`. Throws `CacheConfigError` (`INVALID_OPTION`) unless it is an integer
 * >= 0; the message names `variant` (computeIfAbsent, computeIfPresent) when given.
 */
export function computeRetryBudget(
  options: ComputeOptions | undefined,
  fallback: number,
  variant?: string,
): number {
  const maxRetries = options?.maxRetries ?? fallback
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    const where = variant === undefined ? '' : `${variant}() options: `
    throw new CacheConfigError(
      'INVALID_OPTION',
      `${where}maxRetries must be an integer >= 0, got ${maxRetries}`,
    )
  }
  return maxRetries
}

/**
 * Checks a loader and its options (`getOrSet`, `getOrSetMany`, `refresh`, `refreshMany`):
 * throws `CacheConfigError` for a bad loader or option, the TTL and tag errors of `policy`,
 * and `signal.reason` when the signal already aborted.
 */
export function checkLoadCall(
  loader: unknown,
  options: GetOrSetOptions | undefined,
  method: string,
  policy: { checkCallOptions(options: GetOrSetOptions): void },
): void {
  checkFunction(loader, method, 'loader')
  if (options === undefined) return
  checkGetOrSetOptions(options, method)
  policy.checkCallOptions(options)
  if (options.signal?.aborted) throw options.signal.reason
}

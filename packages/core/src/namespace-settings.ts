import type { BreakerSettings } from './breaker.js'
import { parseDuration, resolveTtl } from './duration.js'
import type { EncodingRegistry } from './encoding-registry.js'
import { isValidPartId } from './envelope.js'
import { CacheConfigError } from './errors.js'
import { DEFAULT_MAX_KEY_BYTES, stringKeys } from './keys.js'
import type { NamespaceDefaults, NamespaceOptions } from './namespace-options.js'
import { checkKnownKeys, checkOptionsObject } from './options.js'
import type { Encoder, KeyCodec, Transformer } from './ports.js'
import { resolveSearchSettings, type SearchSettings } from './search/schema.js'

/** The first level of a multilevel namespace. */
export interface L1Settings {
  readonly provider: string
  /** Longest time an entry stays in L1, ms (`undefined`: as long as in L2). */
  readonly maxTtlMs: number | undefined
  /** Which L2 hits are copied into L1. */
  readonly admit: 'repeated' | 'always'
}

/** The distributed stampede lock of a namespace. */
export interface LockSettings {
  /** The lock expires by itself after this long, ms. */
  readonly ttlMs: number
  /** How long a caller waits for the lock, ms. */
  readonly waitMs: number
  readonly onTimeout: 'load' | 'error'
}

/** Grace (stale-while-revalidate) settings. */
export interface GraceSettings {
  /** How long after logical expiry a value may still be served stale, ms. */
  readonly graceMs: number
  /** How long a caller holding a stale value waits for the refresh before taking it, ms. */
  readonly softTimeoutMs: number
  /** After a failed refresh, how long the stale value is served before the next try, ms. */
  readonly backoffMs: number
}

/**
 * One namespace's options, resolved once: defaults applied, durations in ms, every value
 * checked. The service compares two of them to detect a namespace reopened differently, and
 * the cache reads its settings from here; there is no other shape of these options.
 */
export interface NamespaceSettings {
  readonly provider: string
  /** Logical TTL, ms (`undefined`: entries do not expire). */
  readonly ttlMs: number | undefined
  readonly negativeTtlMs: number | undefined
  readonly jitter: number
  readonly maxKeyBytes: number
  readonly computeRetries: number
  /** On a failed provider read, `getOrSet`/`getOrSetMany` run the loader. */
  readonly loaderFallback: boolean
  readonly keyCodec: KeyCodec<unknown>
  readonly encoder: Encoder | EncodingRegistry | undefined
  readonly transformers: readonly Transformer[] | undefined
  readonly l1: L1Settings | undefined
  /** Multilevel namespaces only: keep L1 coherent through the provider's bus. */
  readonly bus: boolean
  readonly lock: LockSettings | undefined
  readonly grace: GraceSettings | undefined
  /** A loader that runs longer than this (no stale value to serve) fails the call, ms. */
  readonly hardTimeoutMs: number | undefined
  /** XFetch refresh-ahead; `beta` > 1 refreshes earlier. */
  readonly refreshAhead: { readonly beta: number } | undefined
  readonly breaker: BreakerSettings | undefined
  /** The searchable schema, when the namespace has one. */
  readonly search: SearchSettings | undefined
}

/**
 * Resolves a namespace's options over the service defaults. `checkProvider` throws for a
 * provider name the service does not know. Throws `CacheConfigError` (`INVALID_OPTION`,
 * `UNKNOWN_PROVIDER`) or `CacheTtlError` naming the option.
 */
export function resolveNamespaceSettings(
  name: string,
  options: NamespaceOptions<unknown>,
  defaults: NamespaceDefaults,
  defaultProvider: string,
  checkProvider: (provider: string) => void,
): NamespaceSettings {
  const bad = (message: string): never => {
    throw new CacheConfigError('INVALID_OPTION', `namespace '${name}': ${message}`)
  }
  checkOptionsObject(options, NAMESPACE_OPTION_NAMES, `namespace '${name}' options`)
  const provider = options.provider ?? defaultProvider
  checkProvider(provider)
  const jitter = options.jitter ?? defaults.jitter ?? 0.1
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter < 1)) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `jitter must be a fraction in [0, 1), got ${String(jitter)}`,
    )
  }
  const maxKeyBytes = options.maxKeyBytes ?? defaults.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES
  if (!Number.isInteger(maxKeyBytes) || maxKeyBytes < 1) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `maxKeyBytes must be a positive integer, got ${String(maxKeyBytes)}`,
    )
  }
  const computeRetries = options.computeRetries ?? defaults.computeRetries ?? 10
  if (!Number.isInteger(computeRetries) || computeRetries < 0) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `computeRetries must be an integer >= 0, got ${String(computeRetries)}`,
    )
  }
  const loaderFallback = options.loaderFallback ?? defaults.loaderFallback ?? true
  if (typeof loaderFallback !== 'boolean') bad('loaderFallback must be a boolean')
  const keyCodec = options.keyCodec ?? (stringKeys as KeyCodec<unknown>)
  if (typeof keyCodec.encode !== 'function' || typeof keyCodec.decode !== 'function') {
    bad('keyCodec needs encode() and decode()')
  }
  for (const t of options.transformers ?? []) checkTransformer(t)
  const l1 = resolveL1(options, provider, bad, checkProvider)
  if (options.bus !== undefined && typeof options.bus !== 'boolean') bad('bus must be a boolean')
  return {
    provider,
    ttlMs: resolveTtl(options.ttl, resolveTtl(defaults.ttl, undefined, 'ttl'), 'ttl'),
    negativeTtlMs: resolveTtl(
      options.negativeTtl,
      resolveTtl(defaults.negativeTtl, undefined, 'negativeTtl'),
      'negativeTtl',
    ),
    jitter,
    maxKeyBytes,
    computeRetries,
    loaderFallback,
    keyCodec,
    encoder: options.encoder,
    transformers: options.transformers,
    l1,
    bus: l1 !== undefined && options.bus !== false,
    lock: resolveLock(options, bad),
    grace: resolveGrace(options),
    hardTimeoutMs: resolveTtl(options.hardTimeout, undefined, 'hardTimeout'),
    refreshAhead: resolveRefreshAhead(options, bad),
    breaker: resolveBreaker(options, bad),
    search: resolveSearchSettings(name, options.search),
  }
}

type Refuse = (message: string) => never

/** Every key of an options type, listed once (the compiler checks the list is complete). */
type KeyList<T> = { readonly [K in keyof Required<T>]: true }

const DEFAULTS: KeyList<NamespaceDefaults> = {
  ttl: true,
  negativeTtl: true,
  jitter: true,
  maxKeyBytes: true,
  computeRetries: true,
  loaderFallback: true,
}

const NAMESPACE: KeyList<NamespaceOptions<unknown>> = {
  ...DEFAULTS,
  provider: true,
  keyCodec: true,
  encoder: true,
  transformers: true,
  l1: true,
  bus: true,
  lock: true,
  grace: true,
  softTimeout: true,
  hardTimeout: true,
  graceBackoff: true,
  refreshAhead: true,
  breaker: true,
  search: true,
}

/** The option names of `defaults` (every namespace inherits them). */
export const DEFAULTS_OPTION_NAMES: readonly string[] = Object.keys(DEFAULTS)
/** The option names of `namespace()`. */
export const NAMESPACE_OPTION_NAMES: readonly string[] = Object.keys(NAMESPACE)

/** `true` → `{}`, `false`/`undefined` → `undefined`, an object → itself. */
function expand<T extends object>(option: boolean | T | undefined): T | undefined {
  return option === true ? ({} as T) : option === false || option === undefined ? undefined : option
}

function resolveL1(
  options: NamespaceOptions<unknown>,
  provider: string,
  bad: Refuse,
  checkProvider: (provider: string) => void,
): L1Settings | undefined {
  const l1 = typeof options.l1 === 'string' ? { provider: options.l1 } : options.l1
  if (l1 === undefined) return undefined
  if (l1 === null || typeof l1 !== 'object' || typeof l1.provider !== 'string') {
    bad('l1 must be a provider name or { provider, maxTtl?, admit? }')
  }
  checkKnownKeys(
    l1 as object as Record<string, unknown>,
    ['provider', 'maxTtl', 'admit'],
    'namespace options',
    'l1.',
  )
  checkProvider(l1.provider)
  if (l1.provider === provider) bad(`l1 and the namespace's provider are both '${provider}'`)
  const admit = l1.admit ?? 'repeated'
  if (admit !== 'repeated' && admit !== 'always') {
    bad(`l1.admit must be 'repeated' or 'always', got ${JSON.stringify(admit)}`)
  }
  return {
    provider: l1.provider,
    maxTtlMs: resolveTtl(l1.maxTtl, undefined, 'l1.maxTtl'),
    admit,
  }
}

function resolveLock(options: NamespaceOptions<unknown>, bad: Refuse): LockSettings | undefined {
  const lock = expand(options.lock)
  if (lock === undefined) return undefined
  if (lock === null || typeof lock !== 'object') {
    bad('lock must be a boolean or { ttl?, wait?, onTimeout? }')
  }
  checkKnownKeys(
    lock as object as Record<string, unknown>,
    ['ttl', 'wait', 'onTimeout'],
    'namespace options',
    'lock.',
  )
  const onTimeout = lock.onTimeout ?? 'load'
  if (onTimeout !== 'load' && onTimeout !== 'error') bad(`lock.onTimeout must be 'load' or 'error'`)
  return {
    ttlMs: parseDuration(lock.ttl ?? 30_000, 'lock.ttl'),
    waitMs: lock.wait === 0 ? 0 : parseDuration(lock.wait ?? 10_000, 'lock.wait'),
    onTimeout,
  }
}

function resolveGrace(options: NamespaceOptions<unknown>): GraceSettings | undefined {
  const graceMs = resolveTtl(options.grace, undefined, 'grace')
  // Checked even without grace, so a bad value never waits for grace to be turned on.
  const softTimeoutMs =
    options.softTimeout === undefined || options.softTimeout === 0
      ? 0
      : parseDuration(options.softTimeout, 'softTimeout')
  const backoffMs = parseDuration(options.graceBackoff ?? 10_000, 'graceBackoff')
  return graceMs === undefined ? undefined : { graceMs, softTimeoutMs, backoffMs }
}

function resolveRefreshAhead(
  options: NamespaceOptions<unknown>,
  bad: Refuse,
): { readonly beta: number } | undefined {
  const refresh = expand(options.refreshAhead)
  if (refresh === undefined) return undefined
  if (refresh === null || typeof refresh !== 'object') {
    bad('refreshAhead must be a boolean or { beta? }')
  }
  checkKnownKeys(
    refresh as object as Record<string, unknown>,
    ['beta'],
    'namespace options',
    'refreshAhead.',
  )
  const beta = refresh.beta ?? 1
  if (!(typeof beta === 'number' && beta > 0 && Number.isFinite(beta))) {
    bad(`refreshAhead.beta must be a finite number > 0, got ${String(beta)}`)
  }
  return { beta }
}

function resolveBreaker(
  options: NamespaceOptions<unknown>,
  bad: Refuse,
): BreakerSettings | undefined {
  const breaker = expand(options.breaker)
  if (breaker === undefined) return undefined
  if (breaker === null || typeof breaker !== 'object') {
    bad('breaker must be a boolean or { failures?, cooldown? }')
  }
  checkKnownKeys(
    breaker as object as Record<string, unknown>,
    ['failures', 'cooldown'],
    'namespace options',
    'breaker.',
  )
  const failures = breaker.failures ?? 5
  if (!(Number.isInteger(failures) && failures >= 1)) {
    bad(`breaker.failures must be an integer >= 1, got ${String(failures)}`)
  }
  return { failures, cooldownMs: parseDuration(breaker.cooldown ?? 10_000, 'breaker.cooldown') }
}

/** Throws `CacheConfigError` unless `t` looks like a `Transformer`. */
export function checkTransformer(t: Transformer): void {
  if (
    t === null ||
    typeof t !== 'object' ||
    typeof t.id !== 'string' ||
    typeof t.encode !== 'function' ||
    typeof t.decode !== 'function' ||
    typeof t.priority !== 'number' ||
    !Number.isFinite(t.priority)
  ) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      'a transformer needs an id, a finite priority, encode() and decode()',
    )
  }
  if (!isValidPartId(t.id)) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `transformer id '${t.id}' must be 1-255 printable ASCII characters (it is written into every entry)`,
    )
  }
}

/**
 * The name of the first setting in which `a` and `b` differ (`lock.ttlMs`, ...), or
 * `undefined` when they are the same. Nested settings and lists compare by their members.
 */
export function differingSetting(a: NamespaceSettings, b: NamespaceSettings): string | undefined {
  return differing(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>)
}

function differing(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
  path = '',
): string | undefined {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key]
    const y = b[key]
    if (x === y) continue
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) return path + key
    } else if (isNested(path + key) && isPlainSettings(x) && isPlainSettings(y)) {
      const inner = differing(x, y, `${path}${key}.`)
      if (inner !== undefined) return inner
    } else {
      return path + key
    }
  }
  return undefined
}

/** Settings that are groups of values (compared member by member), not objects to compare by identity. */
const NESTED: ReadonlySet<string> = new Set(['l1', 'lock', 'grace', 'refreshAhead', 'breaker'])

/** True for a nested group: one of `NESTED`, or anything inside `search` (its schema, its fields). */
function isNested(path: string): boolean {
  return NESTED.has(path) || path === 'search' || path.startsWith('search.')
}

function isPlainSettings(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
  )
}

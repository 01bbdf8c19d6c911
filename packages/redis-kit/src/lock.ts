import { randomBytes } from 'node:crypto'
import {
  CacheConfigError,
  type DistributedLock,
  type LockAcquireOptions,
  type LockHandle,
} from '@cacheport/core'
import type { RedisCommands } from './client.js'
import type { Deadlines } from './deadlines.js'
import type { KeyLayout } from './layout.js'
import { RELEASE_SCRIPT, TRY_LOCKS_SCRIPT } from './lua.js'
import { retryOnTopologyChange } from './retry.js'
import { LuaScript } from './scripts.js'

/** What the lock shares with its provider. */
export interface RedisLockContext {
  readonly client: RedisCommands
  readonly deadlines: Deadlines
  /** Bounds one SET NX. */
  readonly operationTimeoutMs: number
  /** Bounds one release script. */
  readonly atomicTimeoutMs: number
  readonly layoutOf: (namespace: string) => KeyLayout
  readonly retryTopology: boolean
  readonly refreshTopology: (() => Promise<void>) | undefined
  readonly checkOpen: () => void
}

const RELEASE = new LuaScript(RELEASE_SCRIPT)
const TRY_LOCKS = new LuaScript(TRY_LOCKS_SCRIPT)

/** First pause between attempts of a waiting acquirer, ms; it doubles up to `MAX_PAUSE_MS`. */
const FIRST_PAUSE_MS = 5
const MAX_PAUSE_MS = 50

/**
 * A distributed lock per (namespace, key): `SET <prefix>l{<ns>:<b>}<key> <token> NX PX ttl`
 * with a random token, released by a compare-and-delete script, so only the holder can free
 * it and a holder that dies frees it after `ttlMs`. The lock key shares the value's hash slot,
 * so every command is single-key and cluster-safe. A waiting acquirer polls with full-jitter
 * backoff (pauses drawn up to 5 ms, growing to 50 ms) until `waitMs` runs out or the signal
 * aborts.
 */
export class RedisLock implements DistributedLock {
  readonly #c: RedisLockContext

  constructor(context: RedisLockContext) {
    this.#c = context
  }

  /**
   * Resolves to a handle, or `undefined` when the lock is still held after `waitMs` or the
   * signal aborted. Throws `CacheConfigError` for a bad namespace or options; rejects with
   * `CacheUnavailableError` / `CacheTimeoutError` / `CacheBackendError` when the backend fails.
   */
  async acquire(
    namespace: string,
    key: string,
    options: LockAcquireOptions,
  ): Promise<LockHandle | undefined> {
    this.#c.checkOpen()
    const { ttlMs, waitMs, signal } = checkOptions(key, options)
    const lockKey = this.#c.layoutOf(namespace).lockKey(key)
    const token = randomBytes(16).toString('base64url')
    const deadline = performance.now() + waitMs
    let ceiling = FIRST_PAUSE_MS
    for (;;) {
      if (signal?.aborted) return undefined
      if (await this.#trySet(lockKey, token, ttlMs)) {
        const handle = new RedisLockHandle(namespace, key, lockKey, token, this.#c)
        if (signal?.aborted) {
          // The caller stopped waiting while the SET was in flight: give the lock back.
          handle.release().catch(() => undefined)
          return undefined
        }
        return handle
      }
      const remaining = deadline - performance.now()
      if (remaining <= 0) return undefined
      const pause = Math.min(remaining, Math.random() * ceiling)
      ceiling = Math.min(ceiling * 2, MAX_PAUSE_MS)
      if (!(await pauseUnlessAborted(pause, signal))) return undefined
    }
  }

  /**
   * Tries the locks of `keys` once each, without waiting: one script per hash slot (bucket).
   * Resolves to a handle per key, `undefined` where another holder has it. Throws
   * `CacheConfigError` for bad options; rejects like `acquire` when the backend fails.
   */
  async acquireMany(
    namespace: string,
    keys: readonly string[],
    options: { readonly ttlMs: number },
  ): Promise<(LockHandle | undefined)[]> {
    this.#c.checkOpen()
    const { ttlMs } = checkOptions(keys[0] ?? '', { ttlMs: options?.ttlMs, waitMs: 0 })
    for (const key of keys) checkOptions(key, { ttlMs, waitMs: 0 })
    const layout = this.#c.layoutOf(namespace)
    const token = randomBytes(16).toString('base64url')
    const byBucket = new Map<number, number[]>()
    keys.forEach((key, i) => {
      const b = layout.bucket(key)
      const list = byBucket.get(b)
      if (list === undefined) byBucket.set(b, [i])
      else list.push(i)
    })
    const out: (LockHandle | undefined)[] = new Array(keys.length).fill(undefined)
    const settled = await Promise.allSettled(
      [...byBucket.values()].map(async (indexes) => {
        const lockKeys = indexes.map((i) => layout.lockKey(keys[i] as string))
        const send = () => TRY_LOCKS.run(this.#c.client, lockKeys, [token, ttlMs])
        const work = this.#c.retryTopology
          ? retryOnTopologyChange(send, this.#c.refreshTopology)
          : send()
        const taken = (await this.#c.deadlines.bound(
          work,
          this.#c.atomicTimeoutMs,
          'lock',
        )) as unknown[]
        indexes.forEach((i, j) => {
          if (Number(taken[j]) === 1) {
            const key = keys[i] as string
            out[i] = new RedisLockHandle(namespace, key, lockKeys[j] as string, token, this.#c)
          }
        })
      }),
    )
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed !== undefined) {
      // Give back what the other slots granted before reporting the failure.
      for (const handle of out) handle?.release().catch(() => undefined)
      throw failed.reason
    }
    return out
  }

  #trySet(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const send = () => this.#c.client.set(lockKey, token, 'PX', ttlMs, 'NX')
    const work = this.#c.retryTopology
      ? retryOnTopologyChange(send, this.#c.refreshTopology)
      : send()
    return this.#c.deadlines.bound(work, this.#c.operationTimeoutMs, 'lock', (r) => r === 'OK')
  }
}

class RedisLockHandle implements LockHandle {
  readonly namespace: string
  readonly key: string
  readonly #lockKey: string
  readonly #token: string
  readonly #c: RedisLockContext

  constructor(
    namespace: string,
    key: string,
    lockKey: string,
    token: string,
    context: RedisLockContext,
  ) {
    this.namespace = namespace
    this.key = key
    this.#lockKey = lockKey
    this.#token = token
    this.#c = context
  }

  release(): Promise<boolean> {
    const send = () => RELEASE.run(this.#c.client, [this.#lockKey], [this.#token])
    const work = this.#c.retryTopology
      ? retryOnTopologyChange(send, this.#c.refreshTopology)
      : send()
    return this.#c.deadlines.bound(work, this.#c.atomicTimeoutMs, 'unlock', (r) => Number(r) === 1)
  }
}

/** Validates acquire's arguments; throws `CacheConfigError('INVALID_OPTION')`. */
function checkOptions(
  key: string,
  options: LockAcquireOptions,
): { ttlMs: number; waitMs: number; signal: AbortSignal | undefined } {
  if (typeof key !== 'string') {
    throw new CacheConfigError('INVALID_OPTION', `lock key must be a string, got ${typeof key}`)
  }
  if (typeof options !== 'object' || options === null) {
    throw new CacheConfigError('INVALID_OPTION', 'lock options { ttlMs, waitMs } are required')
  }
  const { ttlMs, waitMs, signal } = options
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `lock ttlMs must be a positive finite number of ms, got ${String(ttlMs)}`,
    )
  }
  if (typeof waitMs !== 'number' || !Number.isFinite(waitMs) || waitMs < 0) {
    throw new CacheConfigError(
      'INVALID_OPTION',
      `lock waitMs must be a finite number of ms >= 0, got ${String(waitMs)}`,
    )
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new CacheConfigError('INVALID_OPTION', 'lock signal must be an AbortSignal')
  }
  return { ttlMs: Math.ceil(ttlMs), waitMs, signal }
}

/** Waits `ms`; resolves `false` as soon as `signal` aborts (or had aborted), else `true`. */
function pauseUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

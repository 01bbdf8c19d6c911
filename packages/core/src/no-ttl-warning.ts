import type { ServiceLog } from './logger.js'
import type { NamespaceDefaults } from './namespace-options.js'

/** The code of the process warning for a namespace whose entries never expire by default. */
export const NO_TTL_WARNING_CODE = 'CACHEPORT_NO_TTL'

let warned = false

/**
 * cacheport has no default TTL: a namespace opened with no `ttl` (and no `defaults.ttl`)
 * writes entries that never expire. That is said once per process, as a Node process warning
 * (`process.on('warning')`, printed to stderr by default; type `CacheportWarning`, code
 * `CACHEPORT_NO_TTL`) and on the service logger. Giving `ttl: null` says "no expiry" on
 * purpose and is not warned about. Never throws.
 */
export function warnOnceIfNoTtl(
  namespace: string,
  ttl: NamespaceDefaults['ttl'],
  defaults: NamespaceDefaults,
  log: ServiceLog,
): void {
  if (warned || ttl !== undefined || defaults.ttl !== undefined) return
  warned = true
  const message = `namespace '${namespace}' has no TTL, so its entries never expire: give it a ttl (or defaults.ttl on the service), or ttl: null to keep entries on purpose. cacheport has no default TTL; this is said once per process.`
  log.log('warn', message, { namespace })
  process.emitWarning(message, { type: 'CacheportWarning', code: NO_TTL_WARNING_CODE })
}

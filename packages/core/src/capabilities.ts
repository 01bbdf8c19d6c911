import { CacheUnsupportedError } from './errors.js'
import type { CacheProvider, CapabilityName, DistributedLock, InvalidationBus } from './ports.js'

/** Throws `CacheUnsupportedError` unless `provider` declares `capability`. */
export function requireCapability(provider: CacheProvider, capability: CapabilityName): void {
  if (provider.capabilities[capability] !== true) {
    throw new CacheUnsupportedError(
      capability,
      `provider '${provider.kind}' does not declare the '${capability}' capability`,
    )
  }
}

interface OptionalPorts {
  bus: InvalidationBus
  lock: DistributedLock
}

/**
 * Returns one of a provider's optional ports (`bus`, `lock`). Throws
 * `CacheUnsupportedError` when the provider does not declare it, or declares it without
 * providing it.
 */
export function providerPort<P extends keyof OptionalPorts>(
  provider: CacheProvider,
  port: P,
): OptionalPorts[P] {
  requireCapability(provider, port)
  const value = provider[port] as OptionalPorts[P] | undefined
  if (value === undefined) {
    throw new CacheUnsupportedError(
      port,
      `provider '${provider.kind}' declares '${port}' but provides no ${port}`,
    )
  }
  return value
}

import {
  type BulkLoaderContext,
  type LoaderContext,
  NOT_FOUND,
  type NotFound,
} from '../cache-types.js'
import { type Duration, resolveTtl } from '../duration.js'

/** What a loader said about the value it produced (TTL, tags, skip). */
class LoaderSettings {
  readonly #control: { readonly signal: AbortSignal }
  ttl: Duration | null | undefined
  ttlSet = false
  tags: readonly string[] | undefined
  skipped = false

  /** `control.signal` is read only when the loader reads `signal` (it may be built then). */
  constructor(control: { readonly signal: AbortSignal }) {
    this.#control = control
  }

  get signal(): AbortSignal {
    return this.#control.signal
  }

  setTtl(ttl: Duration | null): void {
    resolveTtl(ttl, undefined)
    this.ttl = ttl
    this.ttlSet = true
  }

  setTags(tags: readonly string[]): void {
    this.tags = tags
  }

  skipCache(): void {
    this.skipped = true
  }
}

/** The context a single-key loader receives. */
export class SingleLoaderContext<K> extends LoaderSettings implements LoaderContext<K> {
  readonly key: K
  constructor(key: K, control: { readonly signal: AbortSignal }) {
    super(control)
    this.key = key
  }

  notFound(): NotFound {
    return NOT_FOUND
  }
}

/** The context a bulk loader receives. */
export class BulkLoaderSettings extends LoaderSettings implements BulkLoaderContext {}

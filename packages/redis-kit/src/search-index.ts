import {
  CacheTimeoutError,
  CacheUnavailableError,
  type NormalizedSearchQuery,
  type StoreSearchResult,
  type StoreSearchSchema,
} from '@cacheport/core'
import type { RedisArg, RedisCommands } from './client.js'
import type { KeyLayout } from './layout.js'
import { movedTarget } from './link.js'
import { nodeAddress, requireRediSearch, sendModuleCommand } from './search-module.js'
import { compileQuery, searchArgs } from './search-query.js'
import { orderHits, parseSearchReply, type RawHit, similarity } from './search-reply.js'
import { ensureIndexOn, isUnknownIndex, type SearchIndexDefinition } from './search-schema.js'
import { stripTagHeader } from './tag-header.js'

/** What the index of one namespace needs from its provider. */
export interface RedisSearchIndexContext {
  readonly layout: KeyLayout
  /** The index name on the server (clusters add a `{<ns>:<bucket>}` hash tag per bucket). */
  readonly name: string
  readonly schema: StoreSearchSchema
  /** Nodes holding data: the server, or every primary of a cluster. */
  readonly dataNodes: () => Promise<readonly RedisCommands[]>
  /** Reloads a cluster client's slot map (after a MOVED pointing at an unknown node). */
  readonly refreshTopology: (() => Promise<void>) | undefined
  /** How long creating an index may wait for its scan of existing entries, ms. */
  readonly scanWaitMs: number
}

/** Server-side TIMEOUT beyond the client's deadline: the client gives up first, never the server. */
const SERVER_TIMEOUT_MARGIN_MS = 1_000
/** Redirections followed per command before giving up. */
const MAX_REDIRECTS = 5

/**
 * The RediSearch index of one searchable namespace.
 *
 * On a standalone server it is one index, `<name>`, over the namespace's value keys. On a
 * cluster without the coordinator, each node indexes only its own keys, and RediSearch treats
 * an index name as a key: a node refuses (MOVED) a command on an index whose name hashes to a
 * slot it does not serve. So there is one index per bucket, `<name>{<ns>:<b>}` over the keys
 * `<prefix>v{<ns>:<b>}`: the index name and the keys it covers share a hash slot, and the index
 * lives where its keys live. A query goes to every bucket's index (on the node that MOVED
 * replies and successes taught), and the replies are merged here: each index is asked for
 * `offset + limit` hits (for a vector query, its k nearest), the hits are ordered as one index
 * would order them, and the page is cut after the merge; `total` is the sum of the totals.
 *
 * A node that answers "unknown index" (a bucket that moved to it in a slot migration, a new
 * primary) gets the index created there, then the query is sent again. The node a bucket left
 * keeps an index with no documents (RediSearch would refuse to drop it there: the name is no
 * longer its slot's); it fills again if the bucket comes back.
 */
export class RedisSearchIndex {
  readonly #c: RedisSearchIndexContext
  /** Per bucket: the index name and definition. */
  readonly #units: SearchIndexDefinition[]
  /** Per bucket: the address of the node that served it last. */
  readonly #owners = new Map<number, string>()
  /** Per node address: the module check once started; dropped when it fails. */
  readonly #modules = new Map<string, Promise<void>>()
  /** Per `bucket@address`: the index check once started; dropped when it fails. */
  readonly #created = new Map<string, Promise<void>>()

  constructor(context: RedisSearchIndexContext) {
    this.#c = context
    const { layout } = context
    this.#units = Array.from({ length: layout.buckets }, (_, b) => ({
      name: layout.buckets === 1 ? context.name : `${context.name}{${layout.namespace}:${b}}`,
      keyPrefix: layout.buckets === 1 ? layout.valueKeysPrefix : layout.valuePrefix(b),
      schema: context.schema,
    }))
  }

  /** The index name on the server (without a cluster's per-bucket hash tag). */
  get name(): string {
    return this.#c.name
  }

  /**
   * Makes sure every data node has RediSearch 2.4 and every bucket's index exists where the
   * bucket lives. Rejects with `CacheUnsupportedError` (module missing, naming the node) or
   * `CacheConfigError` (an index of that name with another schema).
   */
  async ensure(): Promise<void> {
    const nodes = await this.#c.dataNodes()
    await Promise.all(nodes.map((node) => this.#moduleOn(node)))
    await Promise.all(this.#units.map((_, b) => this.#onBucket(b, () => Promise.resolve())))
  }

  #moduleOn(node: RedisCommands): Promise<void> {
    const address = nodeAddress(node)
    let check = this.#modules.get(address)
    if (check === undefined) {
      check = requireRediSearch(node)
      this.#modules.set(address, check)
      check.catch(() => {
        if (this.#modules.get(address) === check) this.#modules.delete(address)
      })
    }
    return check
  }

  #indexOn(node: RedisCommands, bucket: number, again: boolean): Promise<void> {
    const id = `${bucket}@${nodeAddress(node)}`
    let check = again ? undefined : this.#created.get(id)
    if (check === undefined) {
      const unit = this.#units[bucket] as SearchIndexDefinition
      check = this.#moduleOn(node).then(() => ensureIndexOn(node, unit, this.#c.scanWaitMs))
      this.#created.set(id, check)
      check.catch(() => {
        if (this.#created.get(id) === check) this.#created.delete(id)
      })
    }
    return check
  }

  /**
   * Runs `send` on the node serving `bucket`, once its index is there: follows MOVED replies
   * (remembering the owner), creates the index on a node that does not know it, and reloads
   * the slot map when a reply names a node the client does not know yet.
   */
  async #onBucket<T>(bucket: number, send: (node: RedisCommands) => Promise<T>): Promise<T> {
    let nodes = await this.#c.dataNodes()
    if (nodes.length === 0) {
      throw new CacheUnavailableError(
        'search: the cluster client knows no primary (not connected?)',
      )
    }
    let refreshed = false
    let recreated = false
    for (let attempt = 0; ; attempt++) {
      const owner = this.#owners.get(bucket)
      const node =
        nodes.find((n) => nodeAddress(n) === owner) ??
        (nodes[bucket % nodes.length] as RedisCommands)
      try {
        await this.#indexOn(node, bucket, false)
        const result = await send(node)
        this.#owners.set(bucket, nodeAddress(node))
        return result
      } catch (error) {
        if (attempt >= MAX_REDIRECTS) throw error
        const moved = movedTarget(error)
        if (moved !== undefined) {
          const address = `${moved.host}:${moved.port}`
          this.#owners.set(bucket, address)
          if (!nodes.some((n) => nodeAddress(n) === address)) {
            if (refreshed || this.#c.refreshTopology === undefined) throw error
            refreshed = true
            await this.#c.refreshTopology()
            nodes = await this.#c.dataNodes()
          }
          continue
        }
        if (error instanceof Error && error.message.startsWith('ASK ')) {
          // The bucket's slot is being migrated: wait for the move to finish.
          await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)))
          continue
        }
        if (isUnknownIndex(error) && !recreated) {
          recreated = true
          await this.#indexOn(node, bucket, true)
          continue
        }
        throw error
      }
    }
  }

  /** Runs `query` over every bucket's index and merges the answers (see the class comment). */
  async search(query: NormalizedSearchQuery): Promise<StoreSearchResult<Uint8Array>> {
    const schema = this.#c.schema
    const compiled = compileQuery(schema, query)
    if (compiled.never) return { total: 0, hits: [] }
    const vector = query.vector
    const single = this.#units.length === 1
    const from = vector === undefined && single ? query.offset : 0
    const count =
      vector !== undefined
        ? vector.k
        : single || query.limit === 0
          ? query.limit
          : query.offset + query.limit
    const withScores = vector === undefined && compiled.hasText
    const replies = await Promise.all(
      this.#units.map((unit, b) => {
        const args = searchArgs({
          index: unit.name,
          compiled,
          query,
          from,
          count,
          serverTimeoutMs: query.timeoutMs + SERVER_TIMEOUT_MARGIN_MS,
        })
        return this.#onBucket(b, async (node) =>
          parseSearchReply(await searchOn(node, args), {
            withScores,
            sortField: query.sort?.field,
            node: b,
          }),
        )
      }),
    )
    let total: number
    let page: RawHit[]
    if (vector !== undefined) {
      const spec = schema[vector.field]
      const metric = spec?.type === 'vector' ? spec.distance : 'cosine'
      let nearest: RawHit[] = replies
        .flatMap((r) => r.hits)
        .filter((hit) => hit.stored !== undefined)
        .map((hit) => ({ ...hit, score: similarity(hit.score ?? Number.NaN, metric) }))
      nearest = orderHits(nearest, { ...query, sort: undefined }, schema, true).slice(0, vector.k)
      const minScore = vector.minScore
      if (minScore !== undefined) nearest = nearest.filter((h) => (h.score ?? 0) >= minScore)
      if (query.sort !== undefined) nearest = orderHits(nearest, query, schema, false)
      total = nearest.length
      page = nearest.slice(query.offset, query.offset + query.limit)
    } else if (single) {
      const reply = replies[0] as (typeof replies)[number]
      total = reply.total - reply.gone
      page = reply.hits
    } else {
      total = replies.reduce((sum, r) => sum + r.total - r.gone, 0)
      const merged = orderHits(
        replies.flatMap((r) => r.hits),
        query,
        schema,
        compiled.hasText,
      )
      page = merged.slice(query.offset, query.offset + query.limit)
    }
    const layout = this.#c.layout
    const prefix = layout.valueKeysPrefix
    const scored = vector !== undefined || compiled.hasText
    return {
      total,
      hits: page
        .filter((hit) => hit.id.startsWith(prefix))
        .map((hit) => ({
          key: layout.entryKeyOf(hit.id),
          entry: hit.stored === undefined ? undefined : stripTagHeader(hit.stored),
          ...(scored && hit.score !== undefined ? { score: hit.score } : {}),
        })),
    }
  }
}

/** One FT.SEARCH; RediSearch's own timeout becomes `CacheTimeoutError`. */
async function searchOn(node: RedisCommands, args: readonly RedisArg[]): Promise<unknown> {
  try {
    return await sendModuleCommand(node, 'FT.SEARCH', args)
  } catch (error) {
    if (error instanceof Error && /timeout limit/i.test(error.message)) {
      throw new CacheTimeoutError('search', 0, { cause: error })
    }
    throw error
  }
}

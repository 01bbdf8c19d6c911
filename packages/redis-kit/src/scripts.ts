import { createHash } from 'node:crypto'
import type { RedisArg, RedisCommands } from './client.js'

/** A Lua script called by EVALSHA, falling back to EVAL (which also loads it) on NOSCRIPT. */
export class LuaScript {
  readonly source: string
  readonly sha: string

  constructor(source: string) {
    this.source = source
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  /** Runs the script on `client`. Errors other than NOSCRIPT propagate unchanged. */
  run(client: RedisCommands, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown> {
    return client.evalsha(this.sha, keys.length, ...keys, ...args).catch((error: unknown) => {
      if (!isNoScript(error)) throw error
      return client.eval(this.source, keys.length, ...keys, ...args)
    })
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

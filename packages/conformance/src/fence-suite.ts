import type { LiveEntry, MaybePromise, Store } from '@cacheport/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PortConformanceContext } from './ports-suite.js'

/** An entry of the store's kind that tells `n` apart. */
function entryOf(store: Store<unknown>, n: number): unknown {
  if (store.kind === 'bytes') return new Uint8Array([1, n, 2, n])
  const live: LiveEntry = {
    value: n,
    createdAt: 1,
    expiresAt: undefined,
    staleUntil: undefined,
    negative: false,
  }
  return live
}

function sameEntry(store: Store<unknown>, found: unknown, n: number): boolean {
  if (store.kind === 'bytes') {
    return found instanceof Uint8Array && Buffer.from(found).equals(Buffer.from([1, n, 2, n]))
  }
  return (found as LiveEntry | undefined)?.value === n
}

/**
 * The optional conditional write-back (`Store.fence` + `Store.setIfUnchanged`): both or
 * neither; when present, a write-back captured before another process's set, delete, tag
 * invalidation or clear is refused, and one with nothing in between is written.
 */
export function describeFenceConformance(
  context: PortConformanceContext & { readonly tags: boolean; readonly declared: boolean },
): void {
  describe('conditional write-back (fence)', () => {
    let peer: { openStore: (o: { namespace: string }) => Store<unknown>; close(): Promise<void> }
    beforeAll(async () => {
      peer = (await context.createPeer()) as typeof peer
    })
    afterAll(async () => {
      if (peer !== context.provider()) await peer.close()
    })

    /** A store of a fresh namespace here and on the peer ("another process"). */
    const pair = (label: string) => {
      const namespace = context.freshName(label)
      return {
        here: context.provider().openStore({ namespace }) as Store<unknown>,
        there: peer.openStore({ namespace }),
      }
    }
    const write = (
      store: Store<unknown>,
      key: string,
      n: number,
      fence: string,
      tags?: string[],
    ): MaybePromise<boolean> =>
      store.setIfUnchanged!(key, entryOf(store, n), fence, { ttl: context.ttlMs, tags })

    it(`has fence and setIfUnchanged ${context.declared ? 'both, as declared' : 'neither, as declared'}`, () => {
      const { here } = pair('pairing')
      expect(here.fence !== undefined).toBe(context.declared)
      expect(here.setIfUnchanged !== undefined).toBe(context.declared)
    })
    if (!context.declared) return

    it('writes back when nothing changed, and over a value present at the fence', async () => {
      const { here } = pair('quiet')
      expect(await write(here, 'k', 1, await here.fence!('k'))).toBe(true)
      expect(sameEntry(here, await here.get('k'), 1)).toBe(true)
      expect(await write(here, 'k', 2, await here.fence!('k'))).toBe(true)
      expect(sameEntry(here, await here.get('k'), 2)).toBe(true)
    })

    it('refuses after another process set the key, and keeps its value', async () => {
      const { here, there } = pair('set')
      const fence = await here.fence!('k')
      await there.set('k', entryOf(there, 7), { ttl: context.ttlMs })
      expect(await write(here, 'k', 1, fence)).toBe(false)
      expect(sameEntry(here, await here.get('k'), 7)).toBe(true)
    })

    it('refuses after another process deleted the key, even when it was absent', async () => {
      const { here, there } = pair('delete')
      const fence = await here.fence!('k')
      await there.delete('k')
      expect(await write(here, 'k', 1, fence)).toBe(false)
      expect(await here.get('k')).toBeUndefined()
      // A fence captured after the delete writes.
      expect(await write(here, 'k', 2, await here.fence!('k'))).toBe(true)
    })

    if (context.tags)
      it('refuses a tagged write-back after a tag invalidation, not an untagged one', async () => {
        const { here, there } = pair('tags')
        const tagged = await here.fence!('a')
        const untagged = await here.fence!('b')
        await there.invalidateTags(['t'])
        expect(await write(here, 'a', 1, tagged, ['t'])).toBe(false)
        expect(await write(here, 'b', 1, untagged)).toBe(true)
        expect(await here.get('a')).toBeUndefined()
      })

    /**
     * Fences taken with `absent` (the caller just read the keys as absent), after the store
     * has written back keys of its own, when a store may answer them from what it learned.
     */
    const absentFences = async (here: Store<unknown>, keys: readonly string[]) => {
      for (let i = 0; i < 300; i++) {
        const key = `warm-${i}`
        expect(await write(here, key, 1, await here.fence!(key, { absent: true }))).toBe(true)
      }
      return Promise.all(keys.map((key) => here.fence!(key, { absent: true })))
    }
    const absentKeys = Array.from({ length: 20 }, (_, i) => `cold-${i}`)

    it('with `absent`: writes back when nothing changed', async () => {
      const { here } = pair('absent-quiet')
      const fences = await absentFences(here, absentKeys)
      const written = await Promise.all(absentKeys.map((k, i) => write(here, k, 1, fences[i]!)))
      expect(written).toEqual(absentKeys.map(() => true))
      for (const k of absentKeys) expect(sameEntry(here, await here.get(k), 1)).toBe(true)
    })

    for (const change of ['set', 'delete', 'clear', ...(context.tags ? ['tags'] : [])]) {
      it(`with \`absent\`: refuses every write-back after another process's ${change}`, async () => {
        const { here, there } = pair(`absent-${change}`)
        const fences = await absentFences(here, absentKeys)
        if (change === 'set') {
          for (const k of absentKeys) await there.set(k, entryOf(there, 7), { ttl: context.ttlMs })
        } else if (change === 'delete') {
          await there.deleteMany(absentKeys)
        } else if (change === 'clear') {
          await there.clear()
        } else {
          await there.invalidateTags(['t'])
        }
        const tags = change === 'tags' ? ['t'] : undefined
        const written = await Promise.all(
          absentKeys.map((k, i) => write(here, k, 1, fences[i]!, tags)),
        )
        expect(written).toEqual(absentKeys.map(() => false))
        for (const k of absentKeys) {
          const found = await here.get(k)
          if (change === 'set') expect(sameEntry(here, found, 7)).toBe(true)
          else expect(found).toBeUndefined()
        }
      })
    }

    it('refuses after another process cleared the namespace', async () => {
      const { here, there } = pair('clear')
      const fence = await here.fence!('k')
      await there.clear()
      expect(await write(here, 'k', 1, fence)).toBe(false)
      expect(await here.get('k')).toBeUndefined()
    })
  })
}

import { hash } from 'node:crypto'

/** One member of a {@link HashRing}: a name (hashed into its points) and a weight. */
export interface RingMember {
  readonly name: string
  readonly weight: number
}

/** Options of {@link HashRing}. */
export interface HashRingOptions {
  /** Virtual nodes (ring points) of a member of weight 100; a member gets `weight / 100` of it. */
  readonly virtualNodesPer100: number
}

/**
 * Where a string lands on the ring: the first 48 bits of its SHA-256 (an exact integer in a
 * double). SHA-256 because node:crypto has it everywhere (MD5 and SHA-1 are refused in FIPS
 * mode) and, for keys this short, it costs what MD5 costs (about 1 µs).
 */
export function ringPosition(text: string): number {
  return hash('sha256', text, 'buffer').readUIntBE(0, 6)
}

/** The ring input of a key: its namespace (length-prefixed, so no two pairs collide) and key. */
export function ringInput(namespace: string, key: string): string {
  return `${namespace.length}:${namespace}:${key}`
}

/**
 * A weighted consistent-hash ring. Each member owns `round(weight × virtualNodesPer100 / 100)`
 * points, at the positions of `name#0`, `name#1`, ...; a key belongs to the member owning the
 * first point at or after the key's position (wrapping around). A member's points depend on
 * its name and weight only, so adding a member moves keys only to it, and removing one moves
 * only its keys. Equal positions are ordered by member name, so every process builds the same
 * ring from the same members in any order.
 */
export class HashRing {
  /** Point positions, ascending. */
  readonly #positions: Float64Array
  /** The member index owning each point. */
  readonly #owners: Uint32Array

  /** Builds the ring. Throws `RangeError` when a member would get no point. */
  constructor(members: readonly RingMember[], options: HashRingOptions) {
    const points: { position: number; owner: number; name: string }[] = []
    members.forEach((member, owner) => {
      const count = Math.round((member.weight * options.virtualNodesPer100) / 100)
      if (count < 1) throw new RangeError(`ring member '${member.name}' gets no virtual node`)
      for (let i = 0; i < count; i++) {
        points.push({ position: ringPosition(`${member.name}#${i}`), owner, name: member.name })
      }
    })
    points.sort(
      (a, b) => a.position - b.position || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    )
    this.#positions = Float64Array.from(points, (p) => p.position)
    this.#owners = Uint32Array.from(points, (p) => p.owner)
  }

  /** How many points the ring holds. */
  get size(): number {
    return this.#positions.length
  }

  /** The index (in the constructor's `members`) of the member owning `position`. */
  ownerOf(position: number): number {
    const positions = this.#positions
    let low = 0
    let high = positions.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if ((positions[middle] as number) < position) low = middle + 1
      else high = middle
    }
    return this.#owners[low === positions.length ? 0 : low] as number
  }

  /** The index of the member owning `key` of `namespace`. */
  memberOf(namespace: string, key: string): number {
    return this.ownerOf(ringPosition(ringInput(namespace, key)))
  }
}

import { HashRing, type RingMember, ringInput, ringPosition } from '@cacheport/provider-sharded'
import { describe, expect, it } from 'vitest'

const KEYS = 100_000
const NAMESPACE = 'products'
/** The position of every test key, hashed once for the whole file. */
const positions = Array.from({ length: KEYS }, (_, i) =>
  ringPosition(ringInput(NAMESPACE, `p:${i}`)),
)

function owners(ring: HashRing, members: readonly RingMember[]): string[] {
  return positions.map((position) => (members[ring.ownerOf(position)] as RingMember).name)
}

function shares(names: readonly string[], members: readonly RingMember[]): Map<string, number> {
  const counts = new Map<string, number>(members.map((m) => [m.name, 0]))
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1)
  return counts
}

function table(members: readonly RingMember[], counts: Map<string, number>): string {
  const total = members.reduce((sum, m) => sum + m.weight, 0)
  return members
    .map((m) => {
      const share = (counts.get(m.name) ?? 0) / KEYS
      const expected = m.weight / total
      return `${m.name} weight ${m.weight}: ${(share * 100).toFixed(2)}% of keys, expected ${(expected * 100).toFixed(2)}% (${((share / expected - 1) * 100).toFixed(1)}%)`
    })
    .join('\n')
}

const weighted: RingMember[] = [
  { name: 'redis-1', weight: 100 },
  { name: 'redis-2', weight: 200 },
  { name: 'redis-3', weight: 300 },
]

describe('weighted consistent hash ring', () => {
  it('gives each node its weighted share of 100k keys within ±10% (default 1,000 virtual nodes per weight 100)', () => {
    const ring = new HashRing(weighted, { virtualNodesPer100: 1000 })
    expect(ring.size).toBe(6000)
    const counts = shares(owners(ring, weighted), weighted)
    console.log(`distribution, 1,000 virtual nodes per weight 100:\n${table(weighted, counts)}`)
    for (const m of weighted) {
      const expected = (KEYS * m.weight) / 600
      expect(Math.abs((counts.get(m.name) as number) / expected - 1)).toBeLessThan(0.1)
    }
  })

  it("measures go-zero's 100 virtual nodes per weight 100 over 100 rings: often outside ±10%", () => {
    // Exact shares from arc lengths (no key sampling), for 100 differently named rings.
    const worst = (virtualNodesPer100: number): number[] =>
      Array.from({ length: 100 }, (_, t) => {
        const members = [1, 2, 3].map((w) => ({ name: `ring${t}-node${w}`, weight: 100 * w }))
        const ring = new HashRing(members, { virtualNodesPer100 })
        const arcs = arcShares(ring, members)
        return Math.max(
          ...members.map((m, i) => Math.abs((arcs[i] as number) / (m.weight / 600) - 1)),
        )
      })
    const outside = (errors: number[]) => errors.filter((e) => e > 0.1).length / errors.length
    const goZero = worst(100)
    const ours = worst(1000)
    console.log(
      `rings (of 100) with a node more than 10% off its weighted share: ${(outside(goZero) * 100).toFixed(1)}% at 100 virtual nodes per weight 100 (worst ${(Math.max(...goZero) * 100).toFixed(1)}%), ${(outside(ours) * 100).toFixed(1)}% at 1,000 (worst ${(Math.max(...ours) * 100).toFixed(1)}%)`,
    )
    expect(outside(goZero)).toBeGreaterThan(0.15)
    expect(outside(ours)).toBeLessThan(0.03)
  })

  it('moves about 1/(N+1) of the keys when a node is added, every one of them to the new node', () => {
    for (const [before, added] of [
      [
        [
          { name: 'redis-1', weight: 100 },
          { name: 'redis-2', weight: 100 },
          { name: 'redis-3', weight: 100 },
        ],
        { name: 'redis-4', weight: 100 },
      ],
      [weighted, { name: 'redis-4', weight: 100 }],
    ] as const) {
      const after = [...before, added]
      const was = owners(new HashRing(before, { virtualNodesPer100: 1000 }), before)
      const now = owners(new HashRing(after, { virtualNodesPer100: 1000 }), after)
      let moved = 0
      let elsewhere = 0
      for (let i = 0; i < KEYS; i++) {
        if (was[i] === now[i]) continue
        moved++
        if (now[i] !== added.name) elsewhere++
      }
      const total = after.reduce((sum, m) => sum + m.weight, 0)
      const expected = added.weight / total
      console.log(
        `adding ${added.name} (weight ${added.weight}) to weights ${before.map((m) => m.weight).join('/')}: ${moved} of ${KEYS} keys moved (${((moved / KEYS) * 100).toFixed(2)}%, expected ${(expected * 100).toFixed(2)}%), ${elsewhere} moved anywhere but the new node`,
      )
      expect(elsewhere).toBe(0)
      expect(Math.abs(moved / KEYS / expected - 1)).toBeLessThan(0.1)
    }
  })

  it('removing a node moves only its keys', () => {
    const before = weighted
    const after = weighted.slice(0, 2)
    const was = owners(new HashRing(before, { virtualNodesPer100: 1000 }), before)
    const now = owners(new HashRing(after, { virtualNodesPer100: 1000 }), after)
    let movedFromKept = 0
    for (let i = 0; i < KEYS; i++) if (was[i] !== 'redis-3' && now[i] !== was[i]) movedFromKept++
    expect(movedFromKept).toBe(0)
    expect(now.filter((name) => name === 'redis-3')).toEqual([])
  })

  it('builds the same ring from the members in any order', () => {
    const ring = new HashRing(weighted, { virtualNodesPer100: 100 })
    const reversed = [...weighted].reverse()
    const other = new HashRing(reversed, { virtualNodesPer100: 100 })
    for (let i = 0; i < 5000; i++) {
      const position = positions[i] as number
      expect((reversed[other.ownerOf(position)] as RingMember).name).toBe(
        (weighted[ring.ownerOf(position)] as RingMember).name,
      )
    }
  })

  it('routes by namespace and key: the same key of two namespaces may live on different nodes', () => {
    const ring = new HashRing(weighted, { virtualNodesPer100: 1000 })
    let differ = 0
    for (let i = 0; i < 1000; i++)
      if (ring.memberOf('a', `k${i}`) !== ring.memberOf('b', `k${i}`)) differ++
    expect(differ).toBeGreaterThan(300)
    expect(ringInput('a:b', 'c')).not.toBe(ringInput('a', 'b:c'))
  })
})

/** Each member's exact share of the ring, from the arcs its points close. */
function arcShares(ring: HashRing, members: readonly RingMember[]): number[] {
  const span = 2 ** 48
  // The ring keeps its points private: 20,000 evenly spaced probes measure each arc's share.
  const out = members.map(() => 0)
  const probes = 20_000
  for (let i = 0; i < probes; i++) out[ring.ownerOf(Math.floor(((i + 0.5) * span) / probes))]++
  return out.map((count) => count / probes)
}

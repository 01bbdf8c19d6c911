import {
  AWKWARD_KEYS,
  allBytes,
  conformanceEncoder,
  createManualClock,
  runEncoderConformance,
  runTransformerConformance,
  seededBytes,
} from '@cacheport/conformance'
import type { Transformer } from '@cacheport/core'
import { describe, expect, it } from 'vitest'

// The kit's own reference implementations run the kit: a broken suite would fail here first.
runEncoderConformance({
  name: 'conformance-json (the kit’s own test encoder)',
  encoder: conformanceEncoder,
  roundTrip: [['bytes inside an object', { bin: allBytes() }]],
  corrupt: [
    ['truncated JSON', Buffer.from('{"a":')],
    ['invalid UTF-8', new Uint8Array([0x22, 0xff, 0xfe, 0x22])],
    ['empty input', new Uint8Array(0)],
  ],
  unencodable: [['a BigInt', 1n]],
})

/** XOR with a key bound to namespace and key: a reference "encryption" for the suite. */
const boundXor: Transformer = {
  id: 'test-bound-xor',
  priority: 200,
  encode: (bytes, ctx) => {
    const mask = checksum(`${ctx.namespace}/${ctx.key}`)
    const out = new Uint8Array(bytes.byteLength + 1)
    out[0] = mask
    for (let i = 0; i < bytes.byteLength; i++) out[i + 1] = (bytes[i] as number) ^ mask
    return { bytes: out }
  },
  decode: (bytes, _param, ctx) => {
    const mask = checksum(`${ctx.namespace}/${ctx.key}`)
    if (bytes[0] !== mask) throw new Error('bound to another key')
    return bytes.subarray(1).map((b) => b ^ mask)
  },
}

function checksum(text: string): number {
  let h = 7
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) & 0xff
  return h
}

runTransformerConformance({
  name: 'bound XOR (reference transformer)',
  transformer: boundXor,
  bindsContext: true,
  corrupt: [['bytes under the wrong mask', { bytes: new Uint8Array([0, 1, 2]) }]],
})

describe('kit helpers', () => {
  it('the manual clock moves only when told, and never backwards', () => {
    const clock = createManualClock(1000)
    expect(clock.now()).toBe(1000)
    clock.advance(250)
    expect(clock.now()).toBe(1250)
    expect(() => clock.advance(-1)).toThrow(RangeError)
  })

  it('seeded bytes are deterministic and differ by seed', () => {
    expect(Buffer.from(seededBytes(64, 1)).equals(Buffer.from(seededBytes(64, 1)))).toBe(true)
    expect(Buffer.from(seededBytes(64, 1)).equals(Buffer.from(seededBytes(64, 2)))).toBe(false)
  })

  it('the awkward keys are distinct, well-formed and include glob, hash-tag and control characters', () => {
    expect(new Set(AWKWARD_KEYS).size).toBe(AWKWARD_KEYS.length)
    for (const k of AWKWARD_KEYS)
      expect((k as string & { isWellFormed(): boolean }).isWellFormed()).toBe(true)
    expect(AWKWARD_KEYS.some((k) => k.includes('*'))).toBe(true)
    expect(AWKWARD_KEYS.some((k) => k.includes('{'))).toBe(true)
    expect(AWKWARD_KEYS.some((k) => k.includes('\u0000'))).toBe(true)
  })
})

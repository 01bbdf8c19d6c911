import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isNativeAccelerationEnabled } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { cborEncoder } from '../src/index.js'

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url))

/**
 * Values whose strings take every path of cbor-x's string reader: short ASCII (read in JS),
 * long and non-ASCII text (read by the native extension when present), and object keys.
 */
const SCRIPT_VALUES = `[
  { id: 1, name: 'lamp', at: new Date(1700000000123), tags: ['a', 'b'] },
  Array.from({ length: 50 }, (_, i) => ({ i, text: 'Zürich 東京 🚀 ' + 'x'.repeat(i * 7), big: 2n ** BigInt(i * 3) })),
  { map: new Map([[1, { k: 'v' }], ['ü', new Set([1n, -0, Number.NaN])]]), bytes: new Uint8Array([0, 255]), u: [undefined] },
  'plain string '.repeat(40),
]`

/** Runs in a child process: encodes and decodes the values, reports bytes and checks. */
const SCRIPT = `
import { isDeepStrictEqual } from 'node:util'
import { isNativeAccelerationEnabled } from 'cbor-x'
const { cborEncoder } = await import(process.env.ENCODER_DIST)
const values = ${SCRIPT_VALUES}
const out = { native: isNativeAccelerationEnabled, modes: {} }
for (const records of [false, true]) {
  const enc = cborEncoder({ records })
  const parentBytes = JSON.parse(process.env.PARENT_BYTES)[enc.id]
  out.modes[enc.id] = values.map((value, i) => {
    const bytes = enc.encode(value)
    return {
      hex: Buffer.from(bytes).toString('hex'),
      roundTrips: isDeepStrictEqual(enc.decode(bytes), value),
      readsParent: isDeepStrictEqual(enc.decode(Buffer.from(parentBytes[i], 'hex')), value),
    }
  })
}
process.stdout.write(JSON.stringify(out))
`

/** The same values as the child script builds, from the same source text. */
const values = new Function(`return ${SCRIPT_VALUES}`)() as unknown[]

function parentBytes(): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const records of [false, true]) {
    const enc = cborEncoder({ records })
    out[enc.id] = values.map((v) => Buffer.from(enc.encode(v)).toString('hex'))
  }
  return out
}

interface ChildReport {
  native: boolean
  modes: Record<string, { hex: string; roundTrips: boolean; readsParent: boolean }[]>
}

function runChild(disableNative: boolean): ChildReport {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ENCODER_DIST: pathToFileURL(DIST).href,
    PARENT_BYTES: JSON.stringify(parentBytes()),
  }
  if (disableNative) env.CBOR_NATIVE_ACCELERATION_DISABLED = 'true'
  else delete env.CBOR_NATIVE_ACCELERATION_DISABLED
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env,
    encoding: 'utf8',
    timeout: 30_000,
  })
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as ChildReport
}

describe('cbor-x native extension (cbor-extract)', () => {
  it('is present and used in this process', () => {
    expect(isNativeAccelerationEnabled).toBe(true)
  })

  it('dist is built (the child processes import it)', () => {
    expect(existsSync(DIST), 'run `npm run build` first').toBe(true)
  })

  for (const disableNative of [true, false]) {
    const label = disableNative ? 'disabled' : 'enabled'
    it(`gives identical bytes and round trips with the extension ${label} (child process)`, () => {
      const report = runChild(disableNative)
      expect(report.native).toBe(!disableNative)
      const expected = parentBytes()
      for (const id of ['cbor', 'cbor-rec']) {
        const modes = report.modes[id]
        expect(modes).toHaveLength(values.length)
        modes?.forEach((m, i) => {
          expect(m.hex, `${id} value ${i}`).toBe(expected[id]?.[i])
          expect(m.roundTrips, `${id} value ${i} round trip`).toBe(true)
          expect(m.readsParent, `${id} value ${i} reads the parent's bytes`).toBe(true)
        })
      }
    })
  }
})

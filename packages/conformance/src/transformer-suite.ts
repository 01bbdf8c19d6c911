import type { TransformContext, Transformer } from '@cacheport/core'
import { describe, expect, it } from 'vitest'
import type { Case } from './encoder-suite.js'
import { allBytes, seededBytes } from './fixtures.js'

/** Options of `runTransformerConformance`. */
export interface TransformerConformanceOptions {
  /** Suite title. */
  readonly name: string
  readonly transformer: Transformer
  /** Extra inputs to round-trip. */
  readonly inputs?: readonly Case<Uint8Array>[]
  /** Bytes `decode` must refuse (throw or reject), with the parameter to pass. */
  readonly corrupt?: readonly Case<{ bytes: Uint8Array; param?: Uint8Array }>[]
  /** True when the output is bound to the namespace and key (e.g. AEAD associated data). */
  readonly bindsContext?: boolean
}

const context: TransformContext = { namespace: 'conformance', key: 'some:key' }

function repetitive(size: number): Uint8Array {
  const text = '{"id":123,"name":"cacheport","tags":["a","b"],"active":true},'
  return Buffer.from(text.repeat(Math.ceil(size / text.length)).slice(0, size))
}

/** Inputs every transformer must round-trip. */
export const TRANSFORMER_INPUTS: readonly Case<Uint8Array>[] = [
  ['empty input', new Uint8Array(0)],
  ['one byte', new Uint8Array([7])],
  ['every byte value', allBytes()],
  ['64 KiB of random bytes', seededBytes(64 * 1024)],
  ['1 MiB of repetitive JSON', repetitive(1024 * 1024)],
]

async function roundTrip(t: Transformer, input: Uint8Array, ctx = context): Promise<Uint8Array> {
  const result = await t.encode(input, ctx)
  if (result === null) return input
  return t.decode(result.bytes, result.param, ctx)
}

/**
 * Registers the transformer conformance suite: id and priority, round-trips (including
 * pass-through when the transformer skips an input), isolation from later mutation of the
 * input, optional binding to the key, and the corrupt table.
 */
export function runTransformerConformance(options: TransformerConformanceOptions): void {
  const t = options.transformer
  describe(`transformer conformance: ${options.name}`, () => {
    it('has a stable id and a finite priority', () => {
      expect(t.id).toMatch(/^[\x21-\x7e]{1,255}$/)
      expect(Number.isFinite(t.priority)).toBe(true)
    })

    for (const [label, input] of [...TRANSFORMER_INPUTS, ...(options.inputs ?? [])]) {
      it(`round-trips ${label}`, async () => {
        const copy = Uint8Array.from(input)
        const back = await roundTrip(t, input)
        expect(Buffer.from(back).equals(Buffer.from(copy))).toBe(true)
        expect(Buffer.from(input).equals(Buffer.from(copy))).toBe(true)
      })
    }

    it('keeps parameters within 255 bytes', async () => {
      const result = await t.encode(repetitive(4096), context)
      if (result?.param !== undefined) expect(result.param.byteLength).toBeLessThanOrEqual(255)
      expect(result === null || result.bytes instanceof Uint8Array).toBe(true)
    })

    it('does not alias its output to an input the caller may reuse', async () => {
      const input = repetitive(8192)
      const result = await t.encode(input, context)
      if (result === null) return
      const expected = Uint8Array.from(input)
      input.fill(0)
      const back = await t.decode(result.bytes, result.param, context)
      expect(Buffer.from(back).equals(Buffer.from(expected))).toBe(true)
    })

    if (options.bindsContext === true) {
      it('refuses to decode under another key or namespace', async () => {
        const result = await t.encode(repetitive(1000), context)
        expect(result).not.toBeNull()
        const r = result!
        await expect(
          Promise.resolve().then(() => t.decode(r.bytes, r.param, { ...context, key: 'other' })),
        ).rejects.toThrow()
        await expect(
          Promise.resolve().then(() =>
            t.decode(r.bytes, r.param, { ...context, namespace: 'other' }),
          ),
        ).rejects.toThrow()
      })
    }

    for (const [label, { bytes, param }] of options.corrupt ?? []) {
      it(`refuses to decode ${label}`, async () => {
        await expect(
          Promise.resolve().then(() => t.decode(bytes, param, context)),
        ).rejects.toThrow()
      })
    }
  })
}

import type { Encoder } from '@cacheport/core'
import { describe, expect, it } from 'vitest'

/** A labelled case of a table. */
export type Case<T> = readonly [label: string, value: T]

/** Options of `runEncoderConformance`. */
export interface EncoderConformanceOptions {
  /** Suite title. */
  readonly name: string
  readonly encoder: Encoder
  /** Values beyond plain JSON the encoder promises to round-trip (compared with `toEqual`). */
  readonly roundTrip?: readonly Case<unknown>[]
  /** Bytes the encoder must refuse to decode (it must throw, never return a value). */
  readonly corrupt?: readonly Case<Uint8Array>[]
  /** Values the encoder must refuse to encode (it must throw). */
  readonly unencodable?: readonly Case<unknown>[]
  /**
   * Bytes `decodeVerified` (when the encoder has it) must still refuse: what `encode` never
   * writes, as opposed to corruption the envelope's checksum catches first. Defaults to
   * `corrupt`.
   */
  readonly corruptVerified?: readonly Case<Uint8Array>[]
}

/** Plain values every encoder must round-trip exactly. */
export const PLAIN_VALUES: readonly Case<unknown>[] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['zero', 0],
  ['integer', 42],
  ['negative', -7],
  ['float', 0.1 + 0.2],
  ['max safe integer', Number.MAX_SAFE_INTEGER],
  ['empty string', ''],
  ['string', 'hello'],
  ['unicode string', 'Zürich 東京 🚀 \u0000 \u2028'],
  ['empty array', []],
  ['array', [1, 'two', null, true]],
  ['empty object', {}],
  ['object', { a: 1, b: 'two', c: null }],
  ['nested', { list: [{ deep: [1, [2, [3]]] }], map: { 'key with spaces': { é: true } } }],
]

/**
 * Registers the encoder conformance suite: stable id, plain values plus the given round-trip
 * table, byte output, decode of foreign copies, `encodeText` (when the encoder has it) against
 * `encode`, `decodeVerified` (when it has that) against `decode`, and the corrupt and
 * unencodable tables.
 */
export function runEncoderConformance(options: EncoderConformanceOptions): void {
  const { encoder } = options
  describe(`encoder conformance: ${options.name}`, () => {
    it('has a stable printable ASCII id of 1-255 characters', () => {
      expect(encoder.id).toMatch(/^[\x21-\x7e]{1,255}$/)
    })

    for (const [label, value] of [...PLAIN_VALUES, ...(options.roundTrip ?? [])]) {
      it(`round-trips ${label}`, () => {
        const bytes = encoder.encode(value)
        expect(bytes).toBeInstanceOf(Uint8Array)
        expect(encoder.decode(bytes)).toEqual(value)
        // A reader gets its bytes from a network buffer: decode must not rely on the
        // original object or on a whole, unshared ArrayBuffer.
        const padded = new Uint8Array(bytes.byteLength + 16)
        padded.set(bytes, 8)
        expect(encoder.decode(padded.subarray(8, 8 + bytes.byteLength))).toEqual(value)
      })
    }

    const encodeText = encoder.encodeText?.bind(encoder)
    if (encodeText !== undefined) {
      for (const [label, value] of [...PLAIN_VALUES, ...(options.roundTrip ?? [])]) {
        it(`encodeText gives the UTF-8 text of encode for ${label}`, () => {
          const text = encodeText(value)
          expect(typeof text).toBe('string')
          expect(Buffer.from(text, 'utf8').equals(Buffer.from(encoder.encode(value)))).toBe(true)
        })
      }
    }

    const verified = encoder.decodeVerified?.bind(encoder)
    if (verified !== undefined) {
      for (const [label, value] of [...PLAIN_VALUES, ...(options.roundTrip ?? [])]) {
        it(`decodeVerified reads ${label} in place, inside a larger buffer`, () => {
          const bytes = encoder.encode(value)
          const padded = new Uint8Array(bytes.byteLength + 16)
          padded.set(bytes, 8)
          expect(verified(padded, 8, 8 + bytes.byteLength)).toEqual(value)
          const buffer = Buffer.alloc(bytes.byteLength + 5, 0x7b)
          buffer.set(bytes, 2)
          expect(verified(buffer.subarray(1), 1, 1 + bytes.byteLength)).toEqual(value)
        })
      }
      for (const [label, bytes] of options.corruptVerified ?? options.corrupt ?? []) {
        it(`decodeVerified refuses ${label}`, () => {
          const padded = new Uint8Array(bytes.byteLength + 8).fill(0x20)
          padded.set(bytes, 4)
          expect(() => verified(padded, 4, 4 + bytes.byteLength)).toThrow()
        })
      }
    }

    it('is deterministic for the same plain value', () => {
      const value = { b: [1, 2, 3], a: 'x' }
      expect(Buffer.from(encoder.encode(value)).equals(Buffer.from(encoder.encode(value)))).toBe(
        true,
      )
    })

    for (const [label, bytes] of options.corrupt ?? []) {
      it(`refuses to decode ${label}`, () => {
        expect(() => encoder.decode(bytes)).toThrow()
      })
    }

    for (const [label, value] of options.unencodable ?? []) {
      it(`refuses to encode ${label}`, () => {
        expect(() => encoder.encode(value)).toThrow()
        if (encodeText !== undefined) expect(() => encodeText(value)).toThrow()
      })
    }
  })
}

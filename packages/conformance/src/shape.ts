/**
 * A type- and order-exact description of a value, for comparisons `toEqual` is too lenient for:
 * it tells -0 from 0, Buffer from Uint8Array, a missing key from an undefined one, and it keeps
 * Map, Set and key insertion order.
 */
export function exactShape(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      return { number: Object.is(value, -0) ? '-0' : String(value) }
    case 'bigint':
      return { bigint: value.toString() }
    case 'undefined':
      return { undefined: true }
    case 'string':
      return { string: value }
    case 'boolean':
      return { boolean: value }
    case 'object': {
      if (value === null) return { null: true }
      if (value instanceof Date) return { date: String(value.getTime()) }
      if (value instanceof Uint8Array) {
        return { bytes: Array.from(value), class: value.constructor.name }
      }
      if (value instanceof Map)
        return { map: [...value].map(([k, v]) => [exactShape(k), exactShape(v)]) }
      if (value instanceof Set) return { set: [...value].map(exactShape) }
      if (Array.isArray(value)) return { array: Array.from(value, exactShape) }
      const plain = Object.getPrototypeOf(value) === Object.prototype
      const record = value as Record<string, unknown>
      return {
        [plain ? 'object' : 'other']: Object.keys(record).map((k) => [k, exactShape(record[k])]),
      }
    }
    default:
      return { unexpected: typeof value }
  }
}

import { runEncoderConformance } from '@cacheport/conformance'
import { cborEncoder } from '../src/index.js'
import { CORRUPT_BOTH, CORRUPT_MAP_MODE, CORRUPT_RECORD_MODE } from './corrupt-cases.js'
import { ROUND_TRIPS, UNENCODABLE } from './fixtures.js'

// The suite compares with the value itself: cases that come back as something else (a Buffer
// as a Uint8Array, a hole as undefined) are checked in round-trip.test.ts.
const roundTrip = ROUND_TRIPS.filter((c) => !('expected' in c)).map(
  (c) => [c.name, c.value] as const,
)
const unencodable = UNENCODABLE.map(([name, make]) => [name, make()] as const)

runEncoderConformance({
  name: 'cbor',
  encoder: cborEncoder(),
  roundTrip,
  corrupt: [...CORRUPT_BOTH, ...CORRUPT_MAP_MODE].map(([name, bytes]) => [name, bytes] as const),
  unencodable,
})

runEncoderConformance({
  name: 'cbor-rec',
  encoder: cborEncoder({ records: true }),
  roundTrip,
  corrupt: [...CORRUPT_BOTH, ...CORRUPT_RECORD_MODE].map(([name, bytes]) => [name, bytes] as const),
  unencodable,
})

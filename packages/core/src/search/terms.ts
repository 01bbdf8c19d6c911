/**
 * The text rules of search, shared by core, the providers and the conformance kit's reference
 * scan, so every backend splits and folds words alike.
 */

const SEPARATORS = /[^\p{L}\p{N}_]+/u

/**
 * Splits text into search terms: at every character that is not a letter, digit or `_`,
 * lower-cased, empty pieces dropped (duplicates kept, in order). Never throws.
 */
export function searchTerms(text: string): string[] {
  const out: string[] = []
  for (const piece of text.split(SEPARATORS)) if (piece.length > 0) out.push(piece.toLowerCase())
  return out
}

/** Latitude bound of GEO values and query centres (what Redis's geohash can index). */
export const MAX_GEO_LATITUDE = 85.05112878

/** Earth radius used by great-circle distances, metres (the value Redis uses). */
export const EARTH_RADIUS_M = 6_372_797.560856

/** Great-circle distance between two points, metres (haversine). Never throws. */
export function geoDistance(
  a: { readonly lon: number; readonly lat: number },
  b: { readonly lon: number; readonly lat: number },
): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

/**
 * A vector similarity as search scores it (higher is closer): cosine similarity, the inner
 * product, or 1 / (1 + squared Euclidean distance). A zero vector has cosine similarity 0.
 */
export function vectorScore(
  distance: 'cosine' | 'l2' | 'ip',
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): number {
  const n = a.length
  if (distance === 'l2') {
    let sum = 0
    for (let i = 0; i < n; i++) {
      const d = (a[i] as number) - (b[i] as number)
      sum += d * d
    }
    return 1 / (1 + sum)
  }
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < n; i++) {
    const x = a[i] as number
    const y = b[i] as number
    dot += x * y
    na += x * x
    nb += y * y
  }
  if (distance === 'ip') return dot
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb)
}

/** Small geometry for the map: circles drawn in metres, bounds of points. */

const EARTH_M = 6_371_008.8;

/** A polygon ring approximating a circle of `radiusM` metres around a point (accurate to well under a metre at city scale). */
export function circleRing(lng: number, lat: number, radiusM: number, steps = 48): [number, number][] {
  const dLat = (radiusM / EARTH_M) * (180 / Math.PI);
  const dLng = dLat / Math.cos((lat * Math.PI) / 180);
  const ring: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const a = (i / steps) * 2 * Math.PI;
    ring.push([lng + dLng * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return ring;
}

export type Bounds = [[number, number], [number, number]];

/** The box around the points, padded by `padM` metres; null for no points. */
export function boundsOf(points: { lng: number; lat: number }[], padM = 0): Bounds | null {
  if (points.length === 0) return null;
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of points) {
    w = Math.min(w, p.lng);
    e = Math.max(e, p.lng);
    s = Math.min(s, p.lat);
    n = Math.max(n, p.lat);
  }
  const dLat = (padM / EARTH_M) * (180 / Math.PI);
  const dLng = dLat / Math.cos((((s + n) / 2) * Math.PI) / 180);
  return [[w - dLng, s - dLat], [e + dLng, n + dLat]];
}

/** Metres per CSS pixel at zoom 0 for MapLibre's 512-pixel tiles, at a latitude. */
export const metresPerPixelZ0 = (lat: number) => (2 * Math.PI * 6_378_137 * Math.cos((lat * Math.PI) / 180)) / 512;

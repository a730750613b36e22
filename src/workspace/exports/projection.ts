/**
 * A local equirectangular projection around one point: metres east and north
 * of it. Over a site's few kilometres the error against a proper projection
 * is far below a lead's radius, and it needs no projection library.
 */

/** Metres per degree of latitude on the mean-radius sphere (6 371 008.8 m). */
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;

export interface LocalProjection {
  /** Metres east (x) and north (y) of the origin. */
  toMetres(lat: number, lng: number): { x: number; y: number };
  /** The point x metres east and y metres north of the origin. */
  toLatLng(x: number, y: number): { lat: number; lng: number };
}

export function localProjection(originLat: number, originLng: number): LocalProjection {
  const cosLat = Math.cos((originLat * Math.PI) / 180);
  return {
    toMetres: (lat, lng) => ({ x: (lng - originLng) * M_PER_DEG * cosLat, y: (lat - originLat) * M_PER_DEG }),
    toLatLng: (x, y) => ({ lat: originLat + y / M_PER_DEG, lng: originLng + x / (M_PER_DEG * cosLat) }),
  };
}

/**
 * A closed ring of `vertices` + 1 points approximating the circle of
 * `radiusM` metres around a point, counter-clockwise (east, then north),
 * as [lng, lat] pairs.
 */
export function circleRing(lat: number, lng: number, radiusM: number, vertices = 64): [number, number][] {
  const p = localProjection(lat, lng);
  const ring: [number, number][] = [];
  for (let i = 0; i < vertices; i++) {
    const a = (2 * Math.PI * i) / vertices;
    const q = p.toLatLng(radiusM * Math.cos(a), radiusM * Math.sin(a));
    ring.push([q.lng, q.lat]);
  }
  ring.push(ring[0]);
  return ring;
}

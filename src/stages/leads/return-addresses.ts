/**
 * Where a den that drops its parcels at a public station may really be: the
 * return address its linked accounts give. Counterfeiters fake the sender
 * address on waybills, but returns must reach them, so several accounts of
 * one operation agreeing on one return location near the station is a lead
 * worth more than the station itself. One account alone proves nothing.
 */
import { haversineMeters } from '../../geo.ts';

export interface Point {
  lat: number;
  lng: number;
}

/** Accounts' return addresses within this distance of each other agree, metres. */
const AGREE_M = 150;
/** A den further than this from where it drops parcels is not plausible, metres. */
export const MAX_FROM_STATION_M = 3000;

/** Coordinate-wise median of points (the upper middle value for an even count). */
export function medianPoint(points: readonly Point[]): Point {
  const lats = points.map((p) => p.lat).sort((a, b) => a - b);
  const lngs = points.map((p) => p.lng).sort((a, b) => a - b);
  return { lat: lats[lats.length >> 1], lng: lngs[lngs.length >> 1] };
}

/**
 * The return location most of a site's operators agree on, or null. Needs at
 * least two accounts and at least a third of those with a return geocode.
 */
export function agreedReturnLocation(station: Point, returns: readonly Point[]): { point: Point; accounts: number; distanceM: number } | null {
  const near = returns.filter((r) => haversineMeters(r.lat, r.lng, station.lat, station.lng) <= MAX_FROM_STATION_M);
  let best: Point[] = [];
  for (const r of near) {
    const group = near.filter((o) => haversineMeters(r.lat, r.lng, o.lat, o.lng) <= AGREE_M);
    if (group.length > best.length) best = group;
  }
  if (best.length < 2 || best.length < returns.length / 3) return null;
  const point = medianPoint(best);
  return { point, accounts: best.length, distanceM: haversineMeters(point.lat, point.lng, station.lat, station.lng) };
}

/**
 * Where a den is, when couriers do not collect at its door: the geometry of
 * its handover points, and how far from its handover points dens are in this
 * dataset.
 *
 * A den may hand parcels over at one to a few points (corners, alley mouths)
 * tens to a couple of hundred metres from its door. When the door is never
 * observed (no sender address agreed near the fixes), the den is somewhere
 * within reach of every one of its points: the lead goes to the middle of
 * that region and its radius covers 90% of it. How far "within reach" is
 * comes from the dataset itself: the distances between the fixes and the
 * door at the sites whose door is known. Without enough such sites, the
 * reach falls back to what is known of the trade (up to ~250 m).
 */
import { UnionFind } from '../networks/union-find.ts';

export const PLACEMENT_PARAMS = {
  /** Longest walk from a den to a handover point assumed when the data cannot say, metres. */
  maxReachM: 250,
  /** Sites with a known door needed to estimate the reach from the data. */
  minDoorSites: 8,
  /** Reach is never taken below this (GPS scatter, the den behind the facade), metres. */
  minReachM: 40,
  /** Two handover points are one den's when this share of each one's parcels comes from accounts using both. */
  sharedParcels: 0.5,
  /** An account uses a point when at least this share of its parcels there-or-at-the-other leave from it. */
  accountShare: 0.15,
  /** Shops at their own door needed to estimate the geocoder's error from the data. */
  minDoorShops: 20,
  /** The geocoder's error assumed without them, and the least ever assumed, metres. */
  fallbackGeocodeM: 45,
  minGeocodeM: 20,
  /** Grid cells per side when integrating over the region where the den can be. */
  grid: 48,
} as const;

/** How a lead was placed; the radius and its calibration depend on it. */
export type PlacementClass =
  | 'door_observed' // fixes at the door most waybills give: the den is seen
  | 'door_away' // at the door most waybills give, away from where couriers collect
  | 'handover_point' // at the only handover point, the door never seen
  | 'handover_points' // between several handover points of one den, the door never seen
  | 'station' // at a public drop-off point
  | 'station_address' // from a station to the den address its waybills give, geocoded by return addresses
  | 'station_place' // from a station to the centroid of the place the den address names
  | 'station_return'; // from a station to the return address its accounts agree on

export interface Reach {
  /** 90% quantile of the den-to-handover distance, metres. */
  q90: number;
  /** The farthest a den is taken to be from any of its handover points, metres. */
  max: number;
  /** Sites with a known door it was estimated from (0: the fallback). */
  n: number;
}

/** Linear-interpolated quantile of a sorted copy of `values` (values non-empty). */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/**
 * How far dens are from where their parcels are handed over, from the sites
 * whose door is known (its distance from the fixes). Too few such sites: the
 * den may be anywhere up to `maxReachM` away, its distance uniform in that
 * range (90% quantile 0.9 x maxReachM).
 */
export function estimateReach(doorOffsets: readonly number[]): Reach {
  const p = PLACEMENT_PARAMS;
  if (doorOffsets.length < p.minDoorSites) return { q90: 0.9 * p.maxReachM, max: p.maxReachM, n: 0 };
  const q90 = Math.max(p.minReachM, quantile(doorOffsets, 0.9));
  const max = Math.min(p.maxReachM, Math.max(p.minReachM, q90 / 0.9, quantile(doorOffsets, 0.97)));
  return { q90: Math.min(q90, max), max, n: doorOffsets.length };
}

export interface Point {
  x: number;
  y: number;
}

/**
 * The den's position and 90% radius given its handover points, each at most
 * `reach` from it: the region where all the discs overlap, taken as equally
 * likely everywhere; the lead goes to its centre of mass and the radius
 * holds 90% of it. Null when the discs do not overlap (the points cannot
 * belong to one den).
 */
export function denRegion(points: readonly Point[], reach: number): { x: number; y: number; r90: number } | null {
  return discsRegion(points.map((q) => ({ ...q, r: reach })));
}

/**
 * As denRegion, for discs of their own radii (a door's geocode within the
 * geocoder's error, a handover point within reach); with `around`, the radius
 * holding 90% of the region is measured from that point instead.
 */
export function discsRegion(discs: ReadonlyArray<Point & { r: number }>, around?: Point): { x: number; y: number; r90: number } | null {
  const n = PLACEMENT_PARAMS.grid;
  const minX = Math.max(...discs.map((q) => q.x - q.r));
  const maxX = Math.min(...discs.map((q) => q.x + q.r));
  const minY = Math.max(...discs.map((q) => q.y - q.r));
  const maxY = Math.min(...discs.map((q) => q.y + q.r));
  if (minX >= maxX || minY >= maxY) return null;
  const cells: Point[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const c = { x: minX + ((i + 0.5) * (maxX - minX)) / n, y: minY + ((j + 0.5) * (maxY - minY)) / n };
      if (discs.every((q) => Math.hypot(c.x - q.x, c.y - q.y) <= q.r)) cells.push(c);
    }
  }
  if (cells.length === 0) return null;
  const x = around?.x ?? cells.reduce((s, c) => s + c.x, 0) / cells.length;
  const y = around?.y ?? cells.reduce((s, c) => s + c.y, 0) / cells.length;
  const r90 = quantile(cells.map((c) => Math.hypot(c.x - x, c.y - y)), 0.9);
  return { x, y, r90 };
}

export interface GeocodeError {
  /** The farthest a geocode is taken to be from its building, metres. */
  max: number;
  /** Shops it was estimated from (0: the fallback). */
  n: number;
}

/**
 * How far the dataset's geocoder puts an address from its building, from the
 * shops that hand parcels over at their own door (fixes in one tight spot of
 * their own, one sender address): the distance between the two is the
 * geocoder's error. Too few such shops: the error of a building-level
 * geocoder is assumed.
 */
export function estimateGeocodeError(distances: readonly number[]): GeocodeError {
  const p = PLACEMENT_PARAMS;
  // Farther than a door is ever looked for from the fixes, a geocode is another place's, not this shop's door.
  const near = distances.filter((d) => d <= p.maxReachM);
  if (near.length < p.minDoorShops) return { max: p.fallbackGeocodeM, n: 0 };
  return { max: Math.max(p.minGeocodeM, quantile(near, 0.95)), n: near.length };
}

export interface HandoverSite extends Point {
  site_index: number;
  /** GPS-placed parcels per account at this site. */
  accounts: ReadonlyMap<string, number>;
}

/**
 * Groups handover points of one den: points within twice the reach of each
 * other, most of whose parcels (at each) come from accounts that hand over at
 * both. Two dens of one operation have their own accounts; one den's
 * accounts use all of its points. Returns groups of site indexes (singletons
 * left out).
 */
export function groupHandoverPoints(sites: readonly HandoverSite[], reach: number): number[][] {
  const p = PLACEMENT_PARAMS;
  const sets = new UnionFind();
  for (const s of sites) sets.add(String(s.site_index));
  for (let i = 0; i < sites.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = sites[i];
      const b = sites[j];
      if (Math.hypot(a.x - b.x, a.y - b.y) > 2 * reach) continue;
      const both = [...a.accounts.keys()].filter((id) => {
        const na = a.accounts.get(id) ?? 0;
        const nb = b.accounts.get(id) ?? 0;
        return Math.min(na, nb) >= p.accountShare * (na + nb);
      });
      const share = (s: HandoverSite) => {
        const total = [...s.accounts.values()].reduce((t, v) => t + v, 0);
        return total > 0 ? both.reduce((t, id) => t + (s.accounts.get(id) ?? 0), 0) / total : 0;
      };
      if (share(a) >= p.sharedParcels && share(b) >= p.sharedParcels) sets.union(String(a.site_index), String(b.site_index));
    }
  }
  return sets
    .groups()
    .filter((g) => g.length > 1)
    .map((g) => g.map(Number).sort((x, y) => x - y));
}

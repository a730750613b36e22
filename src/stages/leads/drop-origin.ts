/**
 * Where a den that drops its parcels at a public station really is.
 *
 * The station is not the den; three things in the data can point past it,
 * tried in this order:
 * 1. the den addresses among the sender addresses on the operation's
 *    waybills there (see `denAddresses`: an address several of its accounts
 *    write; a split operation has several), each placed where accounts give
 *    that same address as their return address;
 * 2. failing that geocode, the place the address names (`places.name`), at
 *    the place's centroid with a wider radius: an area, not a door;
 * 3. with no den address at all, the return address the operation's
 *    accounts agree on (see return-addresses.ts), which goes stale when a den
 *    moves, hence last.
 */
import type { PlacementClass } from '../sites/placement.ts';
import type { Database } from '../../engine/database.ts';
import { haversineMeters } from '../../geo.ts';
import { addressKey } from '../networks/address.ts';
import { agreedReturnLocation, MAX_FROM_STATION_M, medianPoint, type Point } from './return-addresses.ts';
import { groupBy } from '../../collections.ts';
import { distance, localX, localY, senderKey } from '../sites/pickup-points.ts';

/**
 * A den address must be on at least this many of the operation's waybills
 * here, and this share, when one account writes it; when several accounts
 * write it, three waybills and a small share are enough. Several accounts
 * giving one address is the evidence (a fake address is one account's), and
 * a den found on its second day has only a few waybills: ten kept station
 * dens unplaced for a week or two. The small share also serves a den that
 * moved recently and has a short history at a long-used station.
 */
const MIN_WAYBILLS = 5;
const MIN_SHARE = 0.15;
const MIN_SHARED_WAYBILLS = 3;
const MIN_SHARED_SHARE = 0.05;
/**
 * Radii (about 90%) of a lead placed at the geocode of the den's own address
 * (the geocoder's error, and a den that stores elsewhere nearby); at the
 * return address accounts agree on without that address on the waybills (it
 * may be stale); and at a named place's centroid (an area, not a door), metres.
 */
export const ADDRESS_LEAD_RADIUS_M = 55;
export const RETURN_LEAD_RADIUS_M = 250;
export const PLACE_LEAD_RADIUS_M = 250;
/**
 * A place's extent is read from the data when couriers' GPS fixes of at
 * least this many of its pickups show it: the 90% quantile of their distance
 * from the place's centroid (a den inside the place lies about as far out as
 * the shops couriers collect from there). Never below PLACE_LEAD_RADIUS_M.
 */
const MIN_PLACE_FIXES = 30;

export interface Relocation {
  point: Point;
  radiusM: number;
  /** How the lead was placed, in plain words, for the evidence. */
  reason: string;
  /** How the lead was placed, as a class (the radius is calibrated per class). */
  placement: PlacementClass;
  distanceM: number;
  /** The accounts whose parcels this place explains, and the share of the site's operator parcels they are. */
  sellerIds: string[];
  share: number;
}

export interface StationSite extends Point {
  site_index: number;
  seller_ids: readonly string[];
}

interface Gazetteer {
  /** Normalised return address -> the geocodes accounts give for it. */
  returns: Map<string, Point[]>;
  /** Named places, with how far from the centroid the parcels of each are collected (90% quantile of GPS fixes; null when too few). */
  places: Array<{ name: string; lat: number; lng: number; extent: number | null }>;
  returnOf: Map<string, Point>;
}

async function loadGazetteer(db: Database): Promise<Gazetteer> {
  const sellers = await db.all<{ seller_id: string; address: string | null; lat: number; lng: number }>(
    `SELECT seller_id, return_address AS address, return_lat AS lat, return_lng AS lng FROM sellers
     WHERE return_lat IS NOT NULL ORDER BY seller_id`,
  );
  const point = (s: Point): Point => ({ lat: s.lat, lng: s.lng });
  const returnOf = new Map(sellers.map((s) => [s.seller_id, point(s)]));
  const keyed = sellers.map((s) => ({ key: s.address ? addressKey(s.address) : '', at: point(s) })).filter((s) => s.key);
  const returns = new Map([...groupBy(keyed, (s) => s.key)].map(([key, list]) => [key, list.map((s) => s.at)]));
  const places = await db.all<{ name: string; lat: number; lng: number; extent: number | null }>(
    `WITH fixes AS (
       SELECT pp.aoi_id, quantile_cont(${distance('pp.x', 'pp.y', localX('pl.lat', 'pl.lng'), localY('pl.lat'))}, 0.9) AS extent, count(*) AS n
       FROM pickup_points pp JOIN places pl USING (aoi_id) CROSS JOIN frame f
       WHERE pp.quality = 1 AND pl.lat IS NOT NULL GROUP BY pp.aoi_id)
     SELECT name, lat, lng, CASE WHEN n >= ${MIN_PLACE_FIXES} THEN extent END AS extent
     FROM places LEFT JOIN fixes USING (aoi_id)
     WHERE name IS NOT NULL AND length(name) >= 2 AND lat IS NOT NULL
       AND coalesce(aoi_type, '') <> 'parcel_station' ORDER BY aoi_id`,
  );
  return { returns, places, returnOf };
}

interface SenderAddress {
  text: string;
  key: string;
  n: number;
  share: number;
  sellers: string[];
}

/**
 * The den addresses among the sender addresses of these operators' waybills
 * at one site. A den's real address is written by every account it ships
 * for, a fake one by one account; so addresses written by at least two
 * accounts are the dens (a split operation has several), and without any,
 * the single most written address when it clearly leads.
 */
export function denAddresses(rows: ReadonlyArray<{ address: string; seller_id: string; n: number }>): SenderAddress[] {
  const byKey = new Map<string, { text: string; n: number; sellers: Set<string> }>();
  let total = 0;
  for (const r of rows) {
    total += r.n;
    const key = addressKey(r.address);
    if (!key) continue;
    const e = byKey.get(key) ?? { text: r.address, n: 0, sellers: new Set<string>() };
    e.n += r.n;
    e.sellers.add(r.seller_id);
    byKey.set(key, e);
  }
  const ranked = [...byKey]
    .map(([key, e]) => ({ key, text: e.text, n: e.n, share: total > 0 ? e.n / total : 0, sellers: [...e.sellers].sort() }))
    .sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
  const enough = (a: SenderAddress) => a.n >= MIN_WAYBILLS && a.share >= MIN_SHARE;
  const shared = ranked.filter((a) => a.sellers.length >= 2 && a.n >= MIN_SHARED_WAYBILLS && a.share >= MIN_SHARED_SHARE);
  if (shared.length > 0) return shared;
  const [top, second] = ranked;
  return top && enough(top) && top.n >= 1.5 * (second?.n ?? 0) ? [top] : [];
}

/** For each station site, where its den (or dens) probably are; sites with no better place than the station are absent. */
export async function locateDropOrigins(db: Database, sites: readonly StationSite[], operatorScore: number): Promise<Map<number, Relocation[]>> {
  const out = new Map<number, Relocation[]>();
  if (sites.length === 0) return out;
  const gazetteer = await loadGazetteer(db);
  const counts = await db.all<{ site_index: number; address: string; seller_id: string; n: number }>(
    // The parcels keep a key of their sender address; its text is the seller's own address with that key.
    `SELECT sp.site_index, a.value AS address, sp.seller_id, count(*)::INT AS n
     FROM site_points sp
     JOIN seller_senders a ON a.seller_id = sp.seller_id AND a.kind = 'sender_address' AND ${senderKey('a.value')} = sp.sender_key
     WHERE sp.site_index IN (${sites.map((s) => s.site_index).join(', ')}) AND sp.seller_score >= ${operatorScore}
     GROUP BY ALL ORDER BY sp.site_index, address, sp.seller_id`,
  );
  const bySite = groupBy(counts, (c) => c.site_index);

  for (const s of sites) {
    const near = (p: Point) => haversineMeters(p.lat, p.lng, s.lat, s.lng) <= MAX_FROM_STATION_M;
    const place = (point: Point, radiusM: number, reason: string, sender: SenderAddress | null, placement: PlacementClass): Relocation => ({
      point,
      radiusM,
      reason,
      placement,
      distanceM: haversineMeters(point.lat, point.lng, s.lat, s.lng),
      sellerIds: sender?.sellers ?? [...s.seller_ids],
      share: sender?.share ?? 1,
    });
    const found: Relocation[] = [];
    for (const sender of denAddresses(bySite.get(s.site_index) ?? [])) {
      const geocodes = (gazetteer.returns.get(sender.key) ?? []).filter(near);
      const onWaybills = `the sender address on ${Math.round(sender.share * 100)}% of their waybills here`;
      if (geocodes.length > 0) {
        const by = `${geocodes.length} account${geocodes.length > 1 ? "s'" : "'s"} return address`;
        found.push(place(medianPoint(geocodes), ADDRESS_LEAD_RADIUS_M, `${onWaybills}, geocoded by ${by},`, sender, 'station_address'));
        continue;
      }
      const named = gazetteer.places
        .filter((p) => sender.text.includes(p.name) && near(p))
        .sort((a, b) => b.name.length - a.name.length || haversineMeters(a.lat, a.lng, s.lat, s.lng) - haversineMeters(b.lat, b.lng, s.lat, s.lng))[0];
      if (named) {
        const radius = Math.max(PLACE_LEAD_RADIUS_M, Math.round(named.extent ?? 0));
        const extent = named.extent === null ? '' : ` (couriers collect 90% of its parcels within ${radius} m of its centre)`;
        found.push(place({ lat: named.lat, lng: named.lng }, radius, `${onWaybills} names ${named.name}${extent},`, sender, 'station_place'));
      }
    }
    if (found.length === 0) {
      const agreed = agreedReturnLocation(s, s.seller_ids.flatMap((id) => gazetteer.returnOf.get(id) ?? []));
      if (agreed) found.push(place(agreed.point, RETURN_LEAD_RADIUS_M, `${agreed.accounts} of ${s.seller_ids.length} accounts give a return address`, null, 'station_return'));
    }
    if (found.length > 0) out.set(s.site_index, found);
  }
  return out;
}

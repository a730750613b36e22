/**
 * The own-brand programme: turnover of enrolled factories' accounts,
 * candidates to invite, and OEM capacity at risk of supplying fakes.
 *
 * in:  belts, factories, factory_accounts, places, shipments, pickups,
 *      pickup_points, listings, seller_scores, reports, catalog, impact_leads
 * out: rows of impact/turnover.csv, impact/candidates.csv and impact/capacity_at_risk.csv
 */
import type { Database } from '../engine/database.ts';
import { canonicalBrand } from '../stages/listings/lexicon.ts';
import { OPERATOR_SCORE } from '../stages/leads/leads.ts';
import { localHour } from '../stages/sites/pickup-points.ts';

/** Pickups this near a belt place's centroid (or the belt's own point) count as leaving the belt, when no aoi_id says so. */
export const BELT_METERS = 500;
/** A pickup belongs to the nearest place within this distance of its centroid. */
export const MAX_REACH_METERS = 2000;
/** Parcels collected this near a seller's return address left its premises. */
export const RETURN_METERS = 300;
/** Local working hours, [from, to). */
export const WORK_HOURS = [8, 20] as const;
/** A listing priced under this share of its category's median price is not at a normal price. */
export const LOW_PRICE_RATIO = 0.3;
/** Sellers with fewer parcels are not judged. */
export const MIN_PARCELS = 5;
/** A factory's premises this near a lead's point link it to that lead, whatever the lead's radius (a wide radius takes in neighbours). */
export const PREMISES_METERS = 150;

export interface TurnoverRow {
  belt_id: string;
  date: string;
  category: string;
  turnover: number;
  orders: number;
}

/**
 * Turnover per belt, local date and category: shipments of the accounts of
 * factories enrolled on that date (by the order's date, else the first
 * pickup's), valued at `amount`, else the listing's price times quantity (1
 * when empty). An account of several enrolled factories of one belt counts
 * once, from the earliest enrolment.
 */
export async function measureTurnover(db: Database): Promise<TurnoverRow[]> {
  return db.all<TurnoverRow>(`
    WITH enrolled AS (
      SELECT a.seller_id, f.belt_id, min(f.enrolled_at) AS enrolled_at
      FROM factory_accounts a JOIN factories f USING (factory_id) WHERE f.enrolled_at IS NOT NULL GROUP BY ALL),
    -- Only the enrolled accounts' waybills: grouping every pickup costs minutes at 100M pickups.
    first_pickup AS (
      SELECT waybill_id, min(pickup_time) AS t FROM pickups
      WHERE waybill_id IN (SELECT waybill_id FROM shipments WHERE seller_id IN (SELECT seller_id FROM enrolled))
      GROUP BY waybill_id),
    valued AS (
      SELECT e.belt_id, e.enrolled_at, coalesce(s.order_time, fp.t)::DATE AS date, coalesce(l.category, '') AS category,
        coalesce(s.amount, l.price * coalesce(s.quantity, 1))::DECIMAL(18, 2) AS value
      FROM shipments s JOIN enrolled e USING (seller_id)
        LEFT JOIN listings l USING (listing_id) LEFT JOIN first_pickup fp USING (waybill_id))
    SELECT belt_id, strftime(date, '%Y-%m-%d') AS date, category, sum(value)::DOUBLE AS turnover, count(*)::INT AS orders
    FROM valued WHERE date IS NOT NULL AND date >= enrolled_at AND value IS NOT NULL
    GROUP BY belt_id, date, category ORDER BY belt_id, date, category`);
}

/**
 * Pickups that left a belt's places: filed under one of them (aoi_id),
 * placed by a courier's GPS nearer to one of their centroids than to any
 * other place's (within MAX_REACH_METERS), or collected within
 * RETURN_METERS of the seller's return address where that address names a
 * belt place (places overlap; an address names the estate). A belt without
 * places stands at its own point and takes the pickups within BELT_METERS of it.
 */
export async function beltPickups(db: Database): Promise<void> {
  await db.run(`
    CREATE OR REPLACE TEMP TABLE belt_places AS
    WITH u AS (SELECT belt_id, unnest(aoi_ids) AS aoi_id FROM belts)
    SELECT DISTINCT belt_id, aoi_id FROM u`);
  await db.run(`
    CREATE OR REPLACE TEMP TABLE seller_belt AS
    SELECT DISTINCT ON (s.seller_id) s.seller_id, bp.belt_id, s.return_lat AS lat, s.return_lng AS lng
    FROM sellers s JOIN places p ON s.return_address IS NOT NULL AND length(p.name) >= 3 AND contains(s.return_address, p.name)
      JOIN belt_places bp ON bp.aoi_id = p.aoi_id
    ORDER BY s.seller_id, bp.belt_id`);
  await beltPlaceCells(db);
  // Belts that stand at their own point (no places): a join on the distance, made only when there are any.
  const pointBelts = await db.scalar(`SELECT count(*) FROM belts WHERE len(coalesce(aoi_ids, [])) = 0 AND lat IS NOT NULL`);
  await db.run(`
    CREATE OR REPLACE TEMP TABLE belt_pickups AS
    WITH placed AS (SELECT waybill_id, seller_id, lat, lng, aoi_id FROM pickup_points),
    -- GPS fixes in a cell where a belt place can be the nearest place: the nearest, if a belt's.
    gps AS (
      SELECT pp.waybill_id, pp.seller_id, ${nearestPlaceSql('pp.lat', 'pp.lng', 'c.candidates')} AS gps_aoi_id
      FROM (SELECT waybill_id, seller_id, lat, lng, ${fineCell('lat')} AS cy, ${fineCell('lng')} AS cx FROM pickup_points WHERE quality = 1) pp
      JOIN belt_cells c USING (cy, cx))
    -- A waybill leaving several belts is filed under the first (a grouping: sorting every belt pickup cost minutes at 100M).
    SELECT waybill_id, seller_id, min(belt_id) AS belt_id FROM (
      SELECT x.waybill_id, x.seller_id, bp.belt_id FROM placed x JOIN belt_places bp ON bp.aoi_id = x.aoi_id
      UNION ALL
      SELECT g.waybill_id, g.seller_id, bp.belt_id FROM gps g JOIN belt_places bp ON bp.aoi_id = g.gps_aoi_id
      UNION ALL
      -- Parcels collected at a seller's own premises (its return address) when that address names a belt place.
      SELECT x.waybill_id, x.seller_id, sb.belt_id FROM placed x JOIN seller_belt sb USING (seller_id)
      WHERE sb.lat IS NULL OR ${metres('x.lat', 'x.lng', 'sb.lat', 'sb.lng')} <= ${RETURN_METERS}
      ${
        pointBelts === 0
          ? ''
          : `UNION ALL
      SELECT x.waybill_id, x.seller_id, b.belt_id FROM placed x JOIN belts b
        ON len(coalesce(b.aoi_ids, [])) = 0 AND b.lat IS NOT NULL AND abs(x.lat - b.lat) < 0.01 AND abs(x.lng - b.lng) < 0.01
       AND ${metres('x.lat', 'x.lng', 'b.lat', 'b.lng')} <= ${BELT_METERS}`
      })
    GROUP BY waybill_id, seller_id`);
}

/**
 * belt_cells(cy, cx, candidates): the cells of the GPS fixes (quality 1) where
 * a belt place can be the nearest place, each with the places that can be
 * (placesPerCell). A fix elsewhere cannot leave from a belt's place by its
 * GPS, so only fixes in these cells meet any place at all: computing the
 * nearest place of every pickup point, against every place, was the costliest
 * step of impact (511 s at 100M pickups).
 */
export async function beltPlaceCells(db: Database): Promise<void> {
  // The nearest place of every point was kept in these tables before: no longer read.
  await db.run(`DROP TABLE IF EXISTS pickup_nearest_place`);
  await db.run(`DROP TABLE IF EXISTS pickup_nearest_place_places`);
  const belt = new Set((await db.all<{ aoi_id: string }>(`SELECT DISTINCT aoi_id FROM belt_places WHERE aoi_id IS NOT NULL`)).map((r) => r.aoi_id));
  const cells =
    belt.size === 0
      ? []
      : await db.all<{ cy: number; cx: number }>(
          `SELECT DISTINCT ${fineCell('lat')} AS cy, ${fineCell('lng')} AS cx FROM pickup_points WHERE quality = 1 AND lat IS NOT NULL AND lng IS NOT NULL`,
        );
  const places = await db.all<Place>(`SELECT aoi_id, lat, lng FROM places WHERE lat IS NOT NULL AND lng IS NOT NULL`);
  const rows = placesPerCell(cells, places);
  const withBelt = new Set(rows.filter((r) => belt.has(r[2] as string)).map((r) => `${r[0]},${r[1]}`));
  await db.run(`CREATE OR REPLACE TEMP TABLE cell_places (cy BIGINT, cx BIGINT, aoi_id VARCHAR, lat DOUBLE, lng DOUBLE)`);
  await db.append('cell_places', rows.filter((r) => withBelt.has(`${r[0]},${r[1]}`)));
  await db.run(`CREATE OR REPLACE TEMP TABLE belt_cells AS
    SELECT cy, cx, list({aoi_id: aoi_id, lat: lat, lng: lng} ORDER BY aoi_id) AS candidates FROM cell_places GROUP BY ALL`);
  await db.run(`DROP TABLE cell_places`);
}

/** The cell of the candidate places (FINE_CELL_DEGREES) a coordinate lies in. */
export const fineCell = (v: string) => `floor(${v} / ${FINE_CELL_DEGREES})::BIGINT`;

/**
 * SQL for the place nearest a point among a list of candidates
 * ({aoi_id, lat, lng}), within the 0.02-degree window and MAX_REACH_METERS;
 * ties go to the smaller aoi_id; NULL when none is within reach.
 */
export const nearestPlaceSql = (lat: string, lng: string, candidates: string) => `list_min(list_filter(
        list_transform(${candidates}, q -> {d: ${metres(lat, lng, 'q.lat', 'q.lng')}, aoi_id: q.aoi_id, near: abs(${lat} - q.lat) < 0.02 AND abs(${lng} - q.lng) < 0.02}),
        x -> x.near AND x.d <= ${MAX_REACH_METERS})).aoi_id`;

/** Side of the cells a point's candidate places are chosen for (about 110 m). */
const FINE_CELL_DEGREES = 0.001;
/**
 * Side of the buckets places are indexed by: wider than the 0.02-degree window
 * plus half a cell, so the 3 x 3 buckets around a cell's centre hold every
 * place within the window of any point of the cell.
 */
const PLACE_BUCKET_DEGREES = 0.021;
/** Slack for rounding, in degrees and metres, always on the side of keeping a candidate. */
const EPS_DEGREES = 1e-9;
const EPS_METRES = 1e-3;

interface Place {
  aoi_id: string;
  lat: number;
  lng: number;
}

/**
 * For each cell, the places that can be the nearest (within the 0.02-degree
 * window and MAX_REACH_METERS, as the SQL measures) of some point in it: a
 * place is left out only when another place, eligible for every point of the
 * cell, is nearer to every point of the cell than it is to any. Rows of
 * (cy, cx, aoi_id, lat, lng) for cell_places.
 */
export function placesPerCell(cells: readonly { cy: number; cx: number }[], places: readonly Place[]): (string | number)[][] {
  const buckets = new Map<string, Place[]>();
  for (const p of places) {
    const key = `${Math.floor(p.lat / PLACE_BUCKET_DEGREES)},${Math.floor(p.lng / PLACE_BUCKET_DEGREES)}`;
    if (!buckets.has(key)) buckets.set(key, []);
    buckets.get(key)!.push(p);
  }
  const rows: (string | number)[][] = [];
  for (const { cy, cx } of cells) {
    const lat0 = cy * FINE_CELL_DEGREES - EPS_DEGREES;
    const lat1 = (cy + 1) * FINE_CELL_DEGREES + EPS_DEGREES;
    const lng0 = cx * FINE_CELL_DEGREES - EPS_DEGREES;
    const lng1 = (cx + 1) * FINE_CELL_DEGREES + EPS_DEGREES;
    const by = Math.floor(((lat0 + lat1) / 2) / PLACE_BUCKET_DEGREES);
    const bx = Math.floor(((lng0 + lng1) / 2) / PLACE_BUCKET_DEGREES);
    const near: { p: Place; min: number; max: number }[] = [];
    let bound = MAX_REACH_METERS + EPS_METRES;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        for (const p of buckets.get(`${by + dy},${bx + dx}`) ?? []) {
          // Nearest and farthest |difference| over the cell, on each axis.
          const latMin = p.lat < lat0 ? lat0 - p.lat : p.lat > lat1 ? p.lat - lat1 : 0;
          const lngMin = p.lng < lng0 ? lng0 - p.lng : p.lng > lng1 ? p.lng - lng1 : 0;
          const latMax = Math.max(Math.abs(p.lat - lat0), Math.abs(p.lat - lat1));
          const lngMax = Math.max(Math.abs(p.lng - lng0), Math.abs(p.lng - lng1));
          if (latMin >= 0.02 || lngMin >= 0.02) continue;
          const k = Math.cos((p.lat * Math.PI) / 180);
          const min = 111320 * Math.hypot(latMin, lngMin * k);
          const max = 111320 * Math.hypot(latMax, lngMax * k);
          if (min > MAX_REACH_METERS + EPS_METRES) continue;
          near.push({ p, min, max });
          // Eligible for every point of the cell: no point of it has its nearest farther than this.
          if (latMax < 0.02 - EPS_DEGREES && lngMax < 0.02 - EPS_DEGREES && max <= MAX_REACH_METERS - EPS_METRES) bound = Math.min(bound, max + EPS_METRES);
        }
      }
    }
    for (const { p, min } of near) if (min <= bound) rows.push([cy, cx, p.aoi_id, p.lat, p.lng]);
  }
  return rows;
}

/** Metres between two points, equirectangular (ample at a few kilometres). */
function metres(lat1: string, lng1: string, lat2: string, lng2: string): string {
  return `111320 * sqrt(power(${lat1} - ${lat2}, 2) + power((${lng1} - ${lng2}) * cos(radians(${lat2})), 2))`;
}

export interface CandidateRow {
  seller_id: string;
  factory_id: string | null;
  score: number;
  evidence: string;
}

interface CandidateFacts {
  seller_id: string;
  factory_id: string | null;
  belt_id: string;
  parcels: number;
  belt_share: number;
  day_share: number;
  own_brand_share: number;
  normal_price_share: number;
  seller_score: number;
  reports: number;
}

/**
 * How well a seller fits the programme, 0..1: the product of the shares of
 * its parcels that left a belt, in working hours, under its own or no
 * brand, at a normal price, times how clean its record is (1 - its
 * counterfeit score, a tenth of that with a counterfeit report).
 */
export function candidateScore(f: Omit<CandidateFacts, 'seller_id' | 'factory_id' | 'belt_id' | 'parcels'>): number {
  const clean = (1 - f.seller_score) * (f.reports > 0 ? 0.1 : 1);
  return f.belt_share * f.day_share * f.own_brand_share * f.normal_price_share * clean;
}

/** candidates.csv rows: sellers not enrolled whose parcels leave a belt, ranked by candidateScore. */
export async function rankCandidates(db: Database): Promise<CandidateRow[]> {
  if ((await db.scalar(`SELECT count(*) FROM belts`)) === 0) return [];
  await beltPickups(db);
  // Brands as listings spell them, known when their canonical form is a catalog brand's.
  const catalogBrands = new Set((await db.all<{ brand: string }>(`SELECT DISTINCT brand FROM catalog WHERE brand IS NOT NULL`)).map((r) => canonicalBrand(r.brand)));
  const listed = await db.all<{ brand: string }>(`SELECT DISTINCT brand FROM listings WHERE brand IS NOT NULL ORDER BY brand`);
  await db.run(`CREATE OR REPLACE TEMP TABLE catalog_brands (brand VARCHAR)`);
  await db.append('catalog_brands', listed.filter((r) => catalogBrands.has(canonicalBrand(r.brand))).map((r) => [r.brand]));
  const hour = await localHour(db, 'pickup_points', 't');
  const facts = await db.all<CandidateFacts>(
    `
    WITH enrolled AS (
      SELECT DISTINCT a.seller_id FROM factory_accounts a JOIN factories f USING (factory_id) WHERE f.enrolled_at IS NOT NULL),
    own_factory AS (SELECT seller_id, min(factory_id) AS factory_id FROM factory_accounts GROUP BY seller_id),
    cat_price AS (SELECT category, median(price) AS median_price FROM listings WHERE price > 0 GROUP BY category),
    priced AS (
      SELECT l.listing_id,
        (l.brand IS NULL OR l.brand NOT IN (SELECT brand FROM catalog_brands)) AS own_brand,
        (cp.median_price IS NULL OR l.price >= ${LOW_PRICE_RATIO} * cp.median_price) AS normal_price
      FROM listings l LEFT JOIN cat_price cp USING (category)),
    per_seller AS (
      SELECT pp.seller_id, count(*)::INT AS parcels,
        avg((bp.waybill_id IS NOT NULL)::INT) AS belt_share,
        mode(bp.belt_id) AS belt_id,
        avg((${hour('pp.t')} >= ${WORK_HOURS[0]} AND ${hour('pp.t')} < ${WORK_HOURS[1]})::INT) AS day_share,
        avg(coalesce(pr.own_brand, true)::INT) AS own_brand_share,
        avg(coalesce(pr.normal_price, true)::INT) AS normal_price_share
      FROM pickup_points pp LEFT JOIN belt_pickups bp USING (waybill_id) LEFT JOIN priced pr USING (listing_id)
      GROUP BY pp.seller_id),
    reported AS (
      SELECT seller_id, count(*)::INT AS n FROM (
        SELECT l.seller_id FROM reports r JOIN listings l ON r.target_type = 'listing' AND r.target_id = l.listing_id
        WHERE r.verdict = 'counterfeit'
        UNION ALL
        SELECT target_id FROM reports WHERE target_type = 'seller' AND verdict = 'counterfeit')
      GROUP BY seller_id)
    SELECT p.seller_id, f.factory_id, p.belt_id, p.parcels, p.belt_share, p.day_share, p.own_brand_share, p.normal_price_share,
      coalesce(ss.score, 0) AS seller_score, coalesce(r.n, 0) AS reports
    FROM per_seller p LEFT JOIN own_factory f USING (seller_id) LEFT JOIN seller_scores ss USING (seller_id)
      LEFT JOIN reported r USING (seller_id)
    WHERE p.belt_share > 0 AND p.parcels >= ${MIN_PARCELS} AND p.seller_id NOT IN (SELECT seller_id FROM enrolled)
    ORDER BY p.seller_id`,
  );
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return facts
    .map((f) => ({
      seller_id: f.seller_id,
      factory_id: f.factory_id,
      score: round(candidateScore(f), 4),
      evidence: [
        `${pct(f.belt_share)} of ${f.parcels} parcels left belt ${f.belt_id}`,
        `${pct(f.day_share)} in working hours`,
        `${pct(f.own_brand_share)} under its own or no brand`,
        `${pct(f.normal_price_share)} at a normal price`,
        f.reports > 0 ? `${f.reports} counterfeit report(s)` : 'no counterfeit reports',
        `counterfeit score ${f.seller_score.toFixed(2)}`,
      ].join('; '),
    }))
    .sort((a, b) => b.score - a.score || (a.seller_id < b.seller_id ? -1 : 1));
}

export interface CapacityRow {
  factory_id: string;
  /** The factory's account that links it, where the link is an account. */
  seller_id: string;
  lead_id: string;
  network_id: string;
  /** `network` (an account in a counterfeit network), `account` (an account ships from a lead's site) or `premises` (the premises lie at a lead). */
  link: 'network' | 'account' | 'premises';
  evidence: string;
}

/**
 * capacity_at_risk.csv rows (an optional addition to the results contract),
 * one per link: factories whose accounts belong to a counterfeit network (a
 * network with an account scored at or above the operator threshold), whose
 * accounts ship from a lead's site, or whose premises lie at a lead; only
 * leads scored at or above that threshold count (a low-ranked lead is a
 * place to look, not a counterfeit site).
 */
export async function capacityAtRisk(db: Database): Promise<CapacityRow[]> {
  if ((await db.scalar(`SELECT count(*) FROM factories`)) === 0) return [];
  const rows = await db.all<{ factory_id: string; link: CapacityRow['link']; seller_id: string | null; lead_id: string | null; network_id: string | null; metres: number | null }>(`
    WITH risky_networks AS (SELECT network_id FROM seller_scores GROUP BY network_id HAVING max(score) >= ${OPERATOR_SCORE}),
    risky_leads AS (SELECT * FROM impact_leads WHERE score >= ${OPERATOR_SCORE}),
    lead_sellers AS (SELECT lead_id, unnest(seller_ids) AS seller_id FROM risky_leads)
    SELECT a.factory_id, 'network' AS link, a.seller_id, NULL AS lead_id, ss.network_id, NULL::DOUBLE AS metres
    FROM factory_accounts a JOIN seller_scores ss USING (seller_id) JOIN risky_networks USING (network_id)
    UNION
    SELECT a.factory_id, 'account', a.seller_id, ls.lead_id, NULL, NULL FROM factory_accounts a JOIN lead_sellers ls USING (seller_id)
    UNION
    SELECT f.factory_id, 'premises', NULL, l.lead_id, NULL, ${metres('f.lat', 'f.lng', 'l.lat', 'l.lng')}
    FROM factories f JOIN risky_leads l
      ON f.lat IS NOT NULL AND abs(f.lat - l.lat) < 0.01 AND abs(f.lng - l.lng) < 0.01
     AND ${metres('f.lat', 'f.lng', 'l.lat', 'l.lng')} <= ${PREMISES_METERS}
    ORDER BY factory_id, link, seller_id, lead_id, network_id`);
  return rows.map((r) => ({
    factory_id: r.factory_id,
    seller_id: r.seller_id ?? '',
    lead_id: r.lead_id ?? '',
    network_id: r.network_id ?? '',
    link: r.link,
    evidence:
      r.link === 'network'
        ? `the factory's account ${r.seller_id} belongs to counterfeit network ${r.network_id}`
        : r.link === 'account'
          ? `the factory's account ${r.seller_id} ships from lead ${r.lead_id}`
          : `the factory's premises lie ${Math.round(r.metres ?? 0)} m from lead ${r.lead_id}`,
  }));
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

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
    first_pickup AS (SELECT waybill_id, min(pickup_time) AS t FROM pickups GROUP BY waybill_id),
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
async function beltPickups(db: Database): Promise<void> {
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
  await nearestPlaces(db);
  await db.run(`
    CREATE OR REPLACE TEMP TABLE belt_pickups AS
    WITH placed AS (
      SELECT pp.waybill_id, pp.seller_id, pp.lat, pp.lng, pp.aoi_id, CASE WHEN pp.quality = 1 THEN np.aoi_id END AS gps_aoi_id
      FROM pickup_points pp LEFT JOIN ${NEAREST_PLACE} np USING (waybill_id))
    SELECT DISTINCT ON (waybill_id) waybill_id, seller_id, belt_id FROM (
      SELECT x.waybill_id, x.seller_id, bp.belt_id FROM placed x JOIN belt_places bp ON bp.aoi_id IN (x.aoi_id, x.gps_aoi_id)
      UNION ALL
      -- Parcels collected at a seller's own premises (its return address) when that address names a belt place.
      SELECT x.waybill_id, x.seller_id, sb.belt_id FROM placed x JOIN seller_belt sb USING (seller_id)
      WHERE sb.lat IS NULL OR ${metres('x.lat', 'x.lng', 'sb.lat', 'sb.lng')} <= ${RETURN_METERS}
      UNION ALL
      SELECT x.waybill_id, x.seller_id, b.belt_id FROM placed x JOIN belts b
        ON len(coalesce(b.aoi_ids, [])) = 0 AND b.lat IS NOT NULL AND abs(x.lat - b.lat) < 0.01 AND abs(x.lng - b.lng) < 0.01
       AND ${metres('x.lat', 'x.lng', 'b.lat', 'b.lng')} <= ${BELT_METERS})
    ORDER BY waybill_id, belt_id`);
}

/** The place nearest each pickup point within MAX_REACH_METERS (aoi_id NULL where none is), kept in the database. */
const NEAREST_PLACE = 'pickup_nearest_place';

/**
 * Fills NEAREST_PLACE for the pickup points it lacks. The table is kept with
 * the places it was computed from (a count and an order-free hash of their
 * rows, in NEAREST_PLACE_KEY): a pickup point never moves once placed, so
 * while the places stay the same, `dragnet update` computes the day's points
 * alone (the full join of points to places is the costliest step of impact);
 * other places, or a fresh database, compute every point.
 */
async function nearestPlaces(db: Database): Promise<void> {
  const places = (await db.one<{ h: string }>(`SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(p))::VARCHAR, '') AS h FROM places p`))!.h;
  const kept =
    (await db.tableExists(NEAREST_PLACE)) &&
    (await db.tableExists(NEAREST_PLACE_KEY)) &&
    (await db.scalar(`SELECT count(*) FROM ${NEAREST_PLACE_KEY} WHERE places = $1`, [places])) === 1;
  if (!kept) {
    await db.run(`CREATE OR REPLACE TABLE ${NEAREST_PLACE} (waybill_id VARCHAR, aoi_id VARCHAR)`);
    await db.run(`CREATE OR REPLACE TABLE ${NEAREST_PLACE_KEY} AS SELECT $1::VARCHAR AS places`, [places]);
  }
  await db.run(`CREATE OR REPLACE TEMP TABLE new_points AS SELECT waybill_id, lat, lng FROM pickup_points
    ${kept ? `WHERE waybill_id NOT IN (SELECT waybill_id FROM ${NEAREST_PLACE})` : ''}`);
  await db.run(`
    INSERT INTO ${NEAREST_PLACE}
    SELECT pp.waybill_id, arg_min(p.aoi_id, ${metres('pp.lat', 'pp.lng', 'p.lat', 'p.lng')}) AS aoi_id
    FROM new_points pp JOIN places p
      ON p.lat IS NOT NULL AND abs(pp.lat - p.lat) < 0.02 AND abs(pp.lng - p.lng) < 0.02
     AND ${metres('pp.lat', 'pp.lng', 'p.lat', 'p.lng')} <= ${MAX_REACH_METERS}
    GROUP BY pp.waybill_id`);
  // Points with no place within reach are kept too (aoi_id NULL), so that they are not computed again.
  await db.run(`INSERT INTO ${NEAREST_PLACE} SELECT waybill_id, NULL FROM new_points WHERE waybill_id NOT IN (SELECT waybill_id FROM ${NEAREST_PLACE})`);
  await db.run(`DROP TABLE new_points`);
}
const NEAREST_PLACE_KEY = 'pickup_nearest_place_places';

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

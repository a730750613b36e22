/**
 * The own-brand programme: turnover of enrolled factories' accounts,
 * candidates to invite, and OEM capacity at risk of supplying fakes.
 *
 * in:  belts, factories, factory_accounts, places, shipments, pickups,
 *      pickup_points, listings, seller_scores, reports, catalog, impact_leads
 * out: rows of impact/turnover.csv, impact/candidates.csv and impact/capacity_at_risk.csv;
 *      programme_turnover and programme_points, the sums and counts those rows
 *      are read from, kept in the database so that an update adds its day to
 *      them (TURNOVER_TABLE, PROGRAMME_POINTS_TABLE)
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
 * The table the turnover is kept in, from one run or update to the next:
 * (belt_id, date, category, turnover, orders), the sums over every counted
 * sale so far, exact (DECIMAL). An update adds the day's sales to it
 * (`keepTurnover`) instead of reading every shipment again.
 */
export const TURNOVER_TABLE = 'programme_turnover';

/**
 * The counted sales of the shipments in relation `shipments` (its waybill_id,
 * seller_id, listing_id, order_time, quantity, amount), summed per belt, local
 * date and category: shipments of the accounts of factories enrolled on that
 * date (by the order's date, else the first pickup's), valued at `amount`,
 * else the listing's price times quantity (1 when empty). An account of
 * several enrolled factories of one belt counts once, from the earliest
 * enrolment.
 */
function turnoverSql(shipments: string): string {
  return `
    WITH enrolled AS (
      SELECT a.seller_id, f.belt_id, min(f.enrolled_at) AS enrolled_at
      FROM factory_accounts a JOIN factories f USING (factory_id) WHERE f.enrolled_at IS NOT NULL GROUP BY ALL),
    sold AS (
      SELECT e.belt_id, e.enrolled_at, s.waybill_id, s.order_time, coalesce(l.category, '') AS category,
        coalesce(s.amount, l.price * coalesce(s.quantity, 1))::DECIMAL(18, 2) AS value
      FROM ${shipments} s JOIN enrolled e USING (seller_id) LEFT JOIN listings l USING (listing_id)),
    -- Only the waybills that need it, the enrolled accounts' without an order time: grouping every pickup costs minutes at 100M.
    first_pickup AS (
      SELECT waybill_id, min(pickup_time) AS t FROM pickups
      WHERE waybill_id IN (SELECT waybill_id FROM sold WHERE order_time IS NULL)
      GROUP BY waybill_id),
    -- Only those waybills meet first_pickup: joining every sale to it by waybill id was half the query.
    valued AS (
      SELECT belt_id, enrolled_at, order_time::DATE AS date, category, value FROM sold WHERE order_time IS NOT NULL
      UNION ALL
      SELECT s.belt_id, s.enrolled_at, fp.t::DATE, s.category, s.value
      FROM sold s LEFT JOIN first_pickup fp USING (waybill_id) WHERE s.order_time IS NULL)
    SELECT belt_id, date, category, sum(value) AS turnover, count(*) AS orders
    FROM valued WHERE date IS NOT NULL AND date >= enrolled_at AND value IS NOT NULL
    GROUP BY belt_id, date, category`;
}

const SHIPMENT_COLUMNS = 'waybill_id, seller_id, listing_id, order_time, quantity, amount';

/**
 * The rows each kept table was last taken over: (kept, input, rows). A kept
 * table is only added to when its inputs then held exactly the rows they
 * hold now less the day's, so a database another program updated in between
 * (an older Dragnet, a hand edit) has its tables made whole, not added to.
 */
export const BASIS_TABLE = 'programme_basis';

async function recordBasis(db: Database, kept: string, inputs: readonly string[]): Promise<void> {
  await db.run(`CREATE TABLE IF NOT EXISTS ${BASIS_TABLE} (kept VARCHAR, input VARCHAR, "rows" BIGINT)`);
  await db.run(`DELETE FROM ${BASIS_TABLE} WHERE kept = $1`, [kept]);
  for (const input of inputs) await db.run(`INSERT INTO ${BASIS_TABLE} SELECT $1, $2, count(*) FROM ${input}`, [kept, input]);
}

/** Whether `kept` exists and was taken over each input's rows but the day's (`day`: input -> the relation of the day's rows). */
async function basisHolds(db: Database, kept: string, day: Record<string, string>): Promise<boolean> {
  if (!(await db.tableExists(kept)) || !(await db.tableExists(BASIS_TABLE))) return false;
  for (const [input, dayRows] of Object.entries(day)) {
    const held = await db.one<{ rows: number | null }>(`SELECT max("rows") AS rows FROM ${BASIS_TABLE} WHERE kept = $1 AND input = $2`, [kept, input]);
    const expected = (await db.scalar(`SELECT count(*) FROM ${input}`)) - (await db.scalar(`SELECT count(*) FROM ${dayRows}`));
    if (held?.rows == null || Number(held.rows) !== expected) return false;
  }
  return true;
}

/**
 * Keeps TURNOVER_TABLE up to date. Whole, from every shipment, in a run; in
 * an update (`day`: the catalog holding the day's accepted rows, already
 * appended to the tables), the day's sales are added to the sums the
 * database holds, which is exact: rows are only ever added (a key the
 * database holds is quarantined), so a sale counted before stays as it was,
 * and the sales a day adds are its own shipments and the earlier ones without
 * an order time that its pickups date (a waybill has one pickup). Whole again
 * when the day brings factories or accounts (the enrolments change), or
 * listings that an earlier enrolled sale names, or when the sums were not
 * taken over the rows the database held before the day (see basisHolds: no
 * table, or one another program left behind).
 */
export async function keepTurnover(db: Database, day?: string): Promise<'whole' | 'added'> {
  const whole = async () => {
    await db.run(`CREATE OR REPLACE TABLE ${TURNOVER_TABLE} AS ${turnoverSql('shipments')}`);
    await recordBasis(db, TURNOVER_TABLE, ['shipments', 'pickups']);
    return 'whole' as const;
  };
  if (day === undefined || !(await basisHolds(db, TURNOVER_TABLE, { shipments: `${day}.shipments`, pickups: `${day}.pickups` }))) return whole();
  // The enrolments may reach back.
  if ((await db.scalar(`SELECT (SELECT count(*) FROM ${day}.factories) + (SELECT count(*) FROM ${day}.factory_accounts)`)) > 0) return whole();
  // An earlier sale's value and category come from its listing, which a day cannot bring where the
  // history's references were checked (a shipment naming an absent listing is quarantined); a history
  // read without listings did not check them.
  if (
    (await db.scalar(`SELECT count(*) FROM ${day}.listings`)) > 0 &&
    (await db.scalar(`SELECT count(*) FROM (SELECT 1 FROM shipments s JOIN ${day}.listings USING (listing_id)
      WHERE s.seller_id IN (SELECT seller_id FROM factory_accounts) AND s.waybill_id NOT IN (SELECT waybill_id FROM ${day}.shipments) LIMIT 1)`)) > 0
  ) {
    return whole();
  }
  const sales = `(
    SELECT ${SHIPMENT_COLUMNS} FROM ${day}.shipments
    UNION ALL
    SELECT ${SHIPMENT_COLUMNS} FROM shipments
    WHERE order_time IS NULL AND waybill_id IN (SELECT waybill_id FROM ${day}.pickups)
      AND waybill_id NOT IN (SELECT waybill_id FROM ${day}.shipments))`;
  await db.addSums(TURNOVER_TABLE, ['belt_id', 'date', 'category'], { turnover: 'DECIMAL(38, 2)', orders: 'BIGINT' }, turnoverSql(sales));
  await recordBasis(db, TURNOVER_TABLE, ['shipments', 'pickups']);
  return 'added';
}

/** Turnover per belt, local date and category (see turnoverSql), from TURNOVER_TABLE, made whole where there is none. */
export async function measureTurnover(db: Database): Promise<TurnoverRow[]> {
  if (!(await db.tableExists(TURNOVER_TABLE))) await keepTurnover(db);
  return db.all<TurnoverRow>(`
    SELECT belt_id, strftime(date, '%Y-%m-%d') AS date, category, turnover::DOUBLE AS turnover, orders::INT AS orders
    FROM ${TURNOVER_TABLE} ORDER BY belt_id, date, category`);
}

/**
 * The view pickup_belts: every pickup point of `points` (pickup_points, or
 * the points an update appended) with the belt it left (belt_id, NULL for
 * none). A pickup leaves a belt when it is filed under one of its
 * places (aoi_id), placed by a courier's GPS nearer to one of their centroids
 * than to any other place's (within MAX_REACH_METERS), or collected within
 * RETURN_METERS of the seller's return address where that address names a
 * belt place (places overlap; an address names the estate). A belt without
 * places stands at its own point and takes the pickups within BELT_METERS of
 * it. A pickup that left several belts is filed under the first. Each rule is
 * a lookup in a small table (by place, grid cell or seller), so the view costs
 * one pass over the pickup points, with no grouping or table of them, and a
 * point's belt does not depend on the other points.
 */
export async function beltPickups(db: Database, points = 'pickup_points'): Promise<void> {
  await db.run(`
    CREATE OR REPLACE TEMP TABLE belt_places AS
    WITH u AS (SELECT belt_id, unnest(aoi_ids) AS aoi_id FROM belts)
    SELECT DISTINCT belt_id, aoi_id FROM u`);
  await db.run(`CREATE OR REPLACE TEMP TABLE aoi_belt AS SELECT aoi_id, min(belt_id) AS belt_id FROM belt_places GROUP BY aoi_id`);
  await db.run(`
    CREATE OR REPLACE TEMP TABLE seller_belt AS
    SELECT DISTINCT ON (s.seller_id) s.seller_id, bp.belt_id, s.return_lat AS lat, s.return_lng AS lng
    FROM sellers s JOIN places p ON s.return_address IS NOT NULL AND length(p.name) >= 3 AND contains(s.return_address, p.name)
      JOIN belt_places bp ON bp.aoi_id = p.aoi_id
    ORDER BY s.seller_id, bp.belt_id`);
  await beltCells(db, points);
  // Where the cell settles the answer for all its points (see beltCells), the per-point lists are not
  // searched: those searches were 2.4 s of the 2.9 s this view took at 10M pickups. A point in no
  // belt cell has NULL flags, and so takes the cell's (NULL) answer.
  const nearest = `CASE WHEN c.nearest_fixed IS DISTINCT FROM false THEN c.nearest_belt
        ELSE ${nearestPlaceSql('pp.lat', 'pp.lng', 'c.candidates')}.belt_id END`;
  const atPoint = `CASE WHEN c.point_fixed IS DISTINCT FROM false THEN c.point_belt
        ELSE list_min(list_transform(list_filter(c.point_belts,
          belt_ -> abs(pp.lat - belt_.lat) < 0.01 AND abs(pp.lng - belt_.lng) < 0.01 AND ${metres('pp.lat', 'pp.lng', 'belt_.lat', 'belt_.lng')} <= ${BELT_METERS}),
          belt_ -> belt_.belt_id)) END`;
  await db.run(`
    CREATE OR REPLACE TEMP VIEW pickup_belts AS
    SELECT pp.* EXCLUDE (cy, cx), least(
        ab.belt_id,
        CASE WHEN pp.quality = 1 THEN ${nearest} END,
        CASE WHEN sb.lat IS NULL OR ${metres('pp.lat', 'pp.lng', 'sb.lat', 'sb.lng')} <= ${RETURN_METERS} THEN sb.belt_id END,
        ${atPoint}) AS belt_id
    FROM (SELECT *, ${fineCell('lat')} AS cy, ${fineCell('lng')} AS cx FROM ${points}) pp
      LEFT JOIN aoi_belt ab ON ab.aoi_id = pp.aoi_id
      LEFT JOIN belt_cells c ON c.cy = pp.cy AND c.cx = pp.cx
      LEFT JOIN seller_belt sb ON sb.seller_id = pp.seller_id`);
}

/**
 * belt_cells(cy, cx, candidates, point_belts, nearest_fixed, nearest_belt,
 * point_fixed, point_belt): the grid cells of the points of `pickupPoints` where a belt can
 * be reached by the GPS or point rules. `candidates` are the places that can
 * be the nearest of a point in the cell (placesPerCell), listed where one of
 * them is a belt place; `point_belts` are the belts standing at their own
 * point within BELT_METERS of the cell. A point elsewhere cannot leave a belt
 * by those rules, so it meets no place at all: computing the nearest place of
 * every pickup point, against every place, was the costliest step of impact
 * (511 s at 100M pickups).
 *
 * Most cells settle the answer for every point in them, and say so:
 * `nearest_fixed` where one candidate is within reach of every point of the
 * cell and all candidates belong to one belt (or none), `nearest_belt` that
 * belt; `point_fixed` where every point belt is within BELT_METERS of every
 * point of the cell, `point_belt` the first of them (NULL where there are
 * none). Both are judged with the same slack as the candidates, always on
 * the side of searching.
 */
async function beltCells(db: Database, pickupPoints: string): Promise<void> {
  // The nearest place of every point was kept in these tables before: no longer read.
  await db.run(`DROP TABLE IF EXISTS pickup_nearest_place`);
  await db.run(`DROP TABLE IF EXISTS pickup_nearest_place_places`);
  const beltOf = new Map((await db.all<{ aoi_id: string; belt_id: string }>(`SELECT aoi_id, belt_id FROM aoi_belt WHERE aoi_id IS NOT NULL`)).map((r) => [r.aoi_id, r.belt_id]));
  const points = await db.all<{ belt_id: string; lat: number; lng: number }>(
    `SELECT belt_id, lat, lng FROM belts WHERE len(coalesce(aoi_ids, [])) = 0 AND lat IS NOT NULL AND lng IS NOT NULL`,
  );
  const cells =
    beltOf.size === 0 && points.length === 0
      ? []
      : await db.all<{ cy: number; cx: number }>(
          `SELECT DISTINCT ${fineCell('lat')} AS cy, ${fineCell('lng')} AS cx FROM ${pickupPoints} WHERE lat IS NOT NULL AND lng IS NOT NULL`,
        );
  const places = await db.all<Place>(`SELECT aoi_id, lat, lng FROM places WHERE lat IS NOT NULL AND lng IS NOT NULL`);
  const candidates = candidatesPerCell(cells, places);
  const near = pointBeltsPerCell(cells, points);
  const rows: (string | number | boolean | null)[][] = [];
  for (const { cy, cx } of cells) {
    const { places: list, covered } = candidates.get(cellKey(cy, cx)) ?? { places: [], covered: false };
    const withBelt = list.some((p) => beltOf.has(p.aoi_id));
    const { belts: pb, all } = near.get(cellKey(cy, cx)) ?? { belts: [], all: true };
    if (!withBelt && pb.length === 0) continue;
    // With no belt among the candidates the list is left empty, which settles the cell (no belt).
    const beltsOfList = new Set(withBelt ? list.map((p) => beltOf.get(p.aoi_id) ?? null) : [null]);
    const nearestFixed = !withBelt || (covered && beltsOfList.size === 1);
    rows.push([
      cy,
      cx,
      JSON.stringify(withBelt ? list.map((p) => ({ ...p, belt_id: beltOf.get(p.aoi_id) ?? null })) : []),
      JSON.stringify(pb),
      nearestFixed,
      nearestFixed ? [...beltsOfList][0] : null,
      all,
    ]);
  }
  // Lists go in as JSON text, cast by DuckDB: the appender takes scalars.
  await db.run(`CREATE OR REPLACE TEMP TABLE belt_cells_json (cy BIGINT, cx BIGINT, candidates VARCHAR, point_belts VARCHAR,
    nearest_fixed BOOLEAN, nearest_belt VARCHAR, point_fixed BOOLEAN)`);
  await db.append('belt_cells_json', rows);
  // point_belt as DuckDB orders the ids (list_min), the same as the search would give.
  await db.run(`CREATE OR REPLACE TEMP TABLE belt_cells AS
    SELECT cy, cx, candidates, point_belts, nearest_fixed, nearest_belt, point_fixed,
      CASE WHEN point_fixed THEN list_min(list_transform(point_belts, belt_ -> belt_.belt_id)) END AS point_belt
    FROM (
      SELECT cy, cx, candidates::JSON::STRUCT(aoi_id VARCHAR, lat DOUBLE, lng DOUBLE, belt_id VARCHAR)[] AS candidates,
        point_belts::JSON::STRUCT(belt_id VARCHAR, lat DOUBLE, lng DOUBLE)[] AS point_belts, nearest_fixed, nearest_belt, point_fixed
      FROM belt_cells_json)`);
  await db.run(`DROP TABLE belt_cells_json`);
}

const cellKey = (cy: number, cx: number) => `${cy},${cx}`;

/**
 * For each cell, the point belts (no places) that a point in it can be within
 * BELT_METERS of, by the SQL's window and metres, and whether every point of
 * the cell is within BELT_METERS of all of them (`all`).
 */
function pointBeltsPerCell(cells: readonly { cy: number; cx: number }[], belts: readonly { belt_id: string; lat: number; lng: number }[]) {
  const near = new Map<string, { belts: { belt_id: string; lat: number; lng: number }[]; all: boolean }>();
  if (belts.length === 0) return near;
  for (const { cy, cx } of cells) {
    const gaps = belts.map((b) => ({ b, g: gapsToCell(b, cy, cx) }));
    const reached = gaps.filter(({ b, g }) => g.latMin < 0.01 && g.lngMin < 0.01 && metresJs(g.latMin, g.lngMin, b.lat) <= BELT_METERS + EPS_METRES);
    const all = reached.every(
      ({ b, g }) => g.latMax < 0.01 - EPS_DEGREES && g.lngMax < 0.01 - EPS_DEGREES && metresJs(g.latMax, g.lngMax, b.lat) <= BELT_METERS - EPS_METRES,
    );
    if (reached.length > 0) near.set(cellKey(cy, cx), { belts: reached.map(({ b }) => b), all });
  }
  return near;
}

/**
 * The nearest and farthest |difference| in latitude and in longitude between
 * a point and the points of a cell, the cell widened by EPS_DEGREES so that
 * rounding never puts a point outside its cell.
 */
function gapsToCell(p: { lat: number; lng: number }, cy: number, cx: number) {
  const lat0 = cy * FINE_CELL_DEGREES - EPS_DEGREES;
  const lat1 = (cy + 1) * FINE_CELL_DEGREES + EPS_DEGREES;
  const lng0 = cx * FINE_CELL_DEGREES - EPS_DEGREES;
  const lng1 = (cx + 1) * FINE_CELL_DEGREES + EPS_DEGREES;
  return {
    latMin: p.lat < lat0 ? lat0 - p.lat : p.lat > lat1 ? p.lat - lat1 : 0,
    lngMin: p.lng < lng0 ? lng0 - p.lng : p.lng > lng1 ? p.lng - lng1 : 0,
    latMax: Math.max(Math.abs(p.lat - lat0), Math.abs(p.lat - lat1)),
    lngMax: Math.max(Math.abs(p.lng - lng0), Math.abs(p.lng - lng1)),
  };
}

/** `metres()` in JS, from the differences in degrees, at the latitude of the place (as the SQL takes it). */
const metresJs = (dLat: number, dLng: number, placeLat: number) => 111320 * Math.hypot(dLat, dLng * Math.cos((placeLat * Math.PI) / 180));

/** The cell of the candidate places (FINE_CELL_DEGREES) a coordinate lies in. */
const fineCell = (v: string) => `floor(${v} / ${FINE_CELL_DEGREES})::BIGINT`;

/**
 * SQL for the place nearest a point among a list of candidates
 * ({aoi_id, lat, lng, belt_id}), within the 0.02-degree window and
 * MAX_REACH_METERS, as a struct (take `.aoi_id` or `.belt_id`); ties go to
 * the smaller aoi_id; NULL when none is within reach. Lambda parameters are
 * named so as not to meet a column (pickup_points has x and y).
 */
const nearestPlaceSql = (lat: string, lng: string, candidates: string) => `list_min(list_filter(
        list_transform(${candidates}, cand_ -> {d: ${metres(lat, lng, 'cand_.lat', 'cand_.lng')}, aoi_id: cand_.aoi_id, belt_id: cand_.belt_id,
          near: abs(${lat} - cand_.lat) < 0.02 AND abs(${lng} - cand_.lng) < 0.02}),
        hit_ -> hit_.near AND hit_.d <= ${MAX_REACH_METERS}))`;

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
 * cell, is nearer to every point of the cell than it is to any. Keyed by
 * `cy,cx` (cellKey); a cell with none is absent.
 */
export function placesPerCell(cells: readonly { cy: number; cx: number }[], places: readonly Place[]): Map<string, Place[]> {
  return new Map([...candidatesPerCell(cells, places)].map(([key, c]) => [key, c.places]));
}

/**
 * placesPerCell's places of each cell, and whether one of them is eligible
 * for every point of the cell (`covered`: then every point of the cell has a
 * nearest place, and it is among them).
 */
function candidatesPerCell(cells: readonly { cy: number; cx: number }[], places: readonly Place[]): Map<string, { places: Place[]; covered: boolean }> {
  const buckets = new Map<string, Place[]>();
  for (const p of places) {
    const key = `${Math.floor(p.lat / PLACE_BUCKET_DEGREES)},${Math.floor(p.lng / PLACE_BUCKET_DEGREES)}`;
    if (!buckets.has(key)) buckets.set(key, []);
    buckets.get(key)!.push(p);
  }
  const out = new Map<string, { places: Place[]; covered: boolean }>();
  for (const { cy, cx } of cells) {
    const by = Math.floor(((cy + 0.5) * FINE_CELL_DEGREES) / PLACE_BUCKET_DEGREES);
    const bx = Math.floor(((cx + 0.5) * FINE_CELL_DEGREES) / PLACE_BUCKET_DEGREES);
    const near: { p: Place; min: number; max: number }[] = [];
    let bound = MAX_REACH_METERS + EPS_METRES;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        for (const p of buckets.get(`${by + dy},${bx + dx}`) ?? []) {
          const { latMin, lngMin, latMax, lngMax } = gapsToCell(p, cy, cx);
          if (latMin >= 0.02 || lngMin >= 0.02) continue;
          const min = metresJs(latMin, lngMin, p.lat);
          const max = metresJs(latMax, lngMax, p.lat);
          if (min > MAX_REACH_METERS + EPS_METRES) continue;
          near.push({ p, min, max });
          // Eligible for every point of the cell: no point of it has its nearest farther than this.
          if (latMax < 0.02 - EPS_DEGREES && lngMax < 0.02 - EPS_DEGREES && max <= MAX_REACH_METERS - EPS_METRES) bound = Math.min(bound, max + EPS_METRES);
        }
      }
    }
    const kept = near.filter((n) => n.min <= bound).map((n) => n.p);
    if (kept.length > 0) out.set(cellKey(cy, cx), { places: kept, covered: bound <= MAX_REACH_METERS });
  }
  return out;
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

/**
 * The table the candidates' parcels are kept in, counted, from one run or
 * update to the next: pickup points per (seller_id, listing_id, belt_id,
 * work_hours), `n` of them. What candidates.csv says of a seller's parcels
 * is read from these counts, so an update counts only its day's points
 * (`keepProgrammePoints`).
 */
export const PROGRAMME_POINTS_TABLE = 'programme_points';

/** The update's day, for the kept tables: the catalog of its rows, and the table of the points it appended (none where pickup-points ran whole). */
export interface ImpactDay {
  catalog: string;
  points?: string;
  /** Told, for each kept table, whether the day was added to it or it was made whole. */
  kept?: (table: string, how: 'whole' | 'added') => void;
}

/** SQL counting the points of `points` per seller, listing, belt left (pickup_belts) and whether they left in working hours. */
async function programmePointsSql(db: Database, points: string): Promise<string> {
  await beltPickups(db, points);
  const hour = await localHour(db, points, 't');
  return `SELECT seller_id, listing_id, belt_id, (${hour('t')} >= ${WORK_HOURS[0]} AND ${hour('t')} < ${WORK_HOURS[1]}) AS work_hours,
      count(*) AS n
    FROM pickup_belts GROUP BY ALL`;
}

/**
 * Keeps PROGRAMME_POINTS_TABLE up to date: whole, from every pickup point, in
 * a run; in an update, the day's points counted and added, which is exact
 * while the belt each earlier point left stays as it was: it depends on the
 * point and on belts, places and the seller's return address, so the counts
 * are made whole again when the day brings belts or places, or a seller
 * already counted, or when pickup-points reran whole, or when the counts
 * were not taken over the points the database held before the day
 * (basisHolds).
 */
export async function keepProgrammePoints(db: Database, day?: ImpactDay): Promise<'whole' | 'added'> {
  const t = PROGRAMME_POINTS_TABLE;
  const placesChanged = async (c: string) =>
    (await db.scalar(`SELECT (SELECT count(*) FROM ${c}.belts) + (SELECT count(*) FROM ${c}.places)
      + (SELECT count(*) FROM ${c}.sellers WHERE seller_id IN (SELECT seller_id FROM ${t}))`)) > 0;
  if (day?.points === undefined || !(await basisHolds(db, t, { pickup_points: day.points })) || (await placesChanged(day.catalog))) {
    await db.run(`CREATE OR REPLACE TABLE ${t} AS ${await programmePointsSql(db, 'pickup_points')}`);
    await recordBasis(db, t, ['pickup_points']);
    return 'whole';
  }
  await db.addSums(t, ['seller_id', 'listing_id', 'belt_id', 'work_hours'], { n: 'BIGINT' }, await programmePointsSql(db, day.points));
  await recordBasis(db, t, ['pickup_points']);
  return 'added';
}

/**
 * Both kept tables brought up to date, as a run that writes impact/ leaves
 * them: made whole from the database's rows, or in an update (`day`) the
 * day added where that is exact, each told to `day.kept`. The points only
 * where there are belts.
 */
export async function keepProgrammeTables(db: Database, day?: ImpactDay): Promise<void> {
  // Each kept first: `day?.kept?.(...)` would skip its arguments where there is no day.
  const turnover = await keepTurnover(db, day?.catalog);
  day?.kept?.(TURNOVER_TABLE, turnover);
  if ((await db.scalar(`SELECT count(*) FROM belts`)) === 0) return;
  const points = await keepProgrammePoints(db, day);
  day?.kept?.(PROGRAMME_POINTS_TABLE, points);
}

/**
 * candidates.csv rows: sellers not enrolled whose parcels leave a belt, ranked
 * by candidateScore. The shares are read off the kept counts
 * (keepProgrammeTables; made whole here where there are none); a seller's
 * belt is the one most of its parcels left, ties to the first by id.
 */
export async function rankCandidates(db: Database): Promise<CandidateRow[]> {
  if ((await db.scalar(`SELECT count(*) FROM belts`)) === 0) return [];
  if (!(await db.tableExists(PROGRAMME_POINTS_TABLE))) await keepProgrammePoints(db);
  // Brands as listings spell them, known when their canonical form is a catalog brand's.
  const catalogBrands = new Set((await db.all<{ brand: string }>(`SELECT DISTINCT brand FROM catalog WHERE brand IS NOT NULL`)).map((r) => canonicalBrand(r.brand)));
  const listed = await db.all<{ brand: string }>(`SELECT DISTINCT brand FROM listings WHERE brand IS NOT NULL ORDER BY brand`);
  await db.run(`CREATE OR REPLACE TEMP TABLE catalog_brands (brand VARCHAR)`);
  await db.append('catalog_brands', listed.filter((r) => catalogBrands.has(canonicalBrand(r.brand))).map((r) => [r.brand]));
  // A share of the parcels, avg() of a 0/1 flag over them: whole numbers, divided once as doubles (DuckDB's
  // avg() divides in long double, which can differ in the last bit; the score's 4 digits hide that).
  const share = (flag: string, over = 'true') => `coalesce(sum(c.n) FILTER (WHERE ${flag}), 0)::DOUBLE / (sum(c.n) FILTER (WHERE ${over}))::DOUBLE`;
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
      SELECT c.seller_id, sum(c.n)::INT AS parcels,
        ${share('c.belt_id IS NOT NULL')} AS belt_share,
        ${share('c.work_hours', 'c.work_hours IS NOT NULL')} AS day_share,
        ${share('coalesce(pr.own_brand, true)')} AS own_brand_share,
        ${share('coalesce(pr.normal_price, true)')} AS normal_price_share
      FROM ${PROGRAMME_POINTS_TABLE} c LEFT JOIN priced pr USING (listing_id)
      GROUP BY c.seller_id),
    seller_belt AS (
      SELECT seller_id, arg_min(belt_id, (-n, belt_id)) AS belt_id
      FROM (SELECT seller_id, belt_id, sum(n) AS n FROM ${PROGRAMME_POINTS_TABLE} WHERE belt_id IS NOT NULL GROUP BY ALL)
      GROUP BY seller_id),
    reported AS (
      SELECT seller_id, count(*)::INT AS n FROM (
        SELECT l.seller_id FROM reports r JOIN listings l ON r.target_type = 'listing' AND r.target_id = l.listing_id
        WHERE r.verdict = 'counterfeit'
        UNION ALL
        SELECT target_id FROM reports WHERE target_type = 'seller' AND verdict = 'counterfeit')
      GROUP BY seller_id)
    SELECT p.seller_id, f.factory_id, b.belt_id, p.parcels, p.belt_share, p.day_share, p.own_brand_share, p.normal_price_share,
      coalesce(ss.score, 0) AS seller_score, coalesce(r.n, 0) AS reports
    FROM per_seller p LEFT JOIN own_factory f USING (seller_id) LEFT JOIN seller_scores ss USING (seller_id)
      LEFT JOIN reported r USING (seller_id) LEFT JOIN seller_belt b USING (seller_id)
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

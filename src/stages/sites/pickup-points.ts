/**
 * Stage `pickup-points`: where and when each parcel physically left.
 *
 * in:  pickups, shipments
 * out: pickup_points(seller_id, listing_id, amount, courier_id, aoi_id,
 *        aoi_type, t, night, lat, lng, quality, sender_key, x, y, ax, ay)
 *        (one row per accepted pickup, whose waybill is its key: the waybill
 *        id itself is left in pickups, see `placedSql`; ax, ay: the geocode of
 *        the pickup address, whatever placed the parcel; sender_key: see
 *        `senderKey`)
 *      frame(lat0, lng0): the local metric frame x/y are in
 *      seller_shipping, listing_volume, seller_senders: see SHIPPING_TABLES
 *      (update) day_points: the points the day added, see DAY_POINTS
 *
 * No later stage reads pickups or shipments: with `--engine clickhouse://`
 * this stage runs on the cluster (engine/clickhouse.ts) and only these
 * tables come back.
 *
 * The courier's GPS fix is where the parcel was collected, unless it was taken
 * long after the pickup (a late scan, somewhere along the route); the address
 * geocode is what the sender wrote, which counterfeiters fake. `quality`
 * weighs each position accordingly.
 */
import { dictionary, ident, type Database, type StringCompression } from '../../engine/database.ts';
import { SAMPLE_SHARE, exactMedians } from '../../engine/medians.ts';

/** A GPS fix more than this many seconds from the pickup time is a late scan. */
export const LATE_SCAN_SECONDS = 15 * 60;

export const QUALITY = { gps: 1.0, geocode: 0.4, lateGps: 0.2 } as const;

/** Metres per degree of latitude, and of longitude at the equator (WGS84, mean). */
export const M_PER_DEG_LAT = 110_574;
export const M_PER_DEG_LNG = 111_320;

/**
 * SQL for the local frame (a `frame` row aliased `f` must be in scope): metres
 * east (`localX`) and north (`localY`) of its origin, the inverse, and the
 * planar distance between two points in it. Every stage goes through these,
 * so positions and distances agree everywhere.
 */
export const localX = (lat: string, lng: string) => `((${lng}) - f.lng0) * ${M_PER_DEG_LNG} * cos(radians(${lat}))`;
export const localY = (lat: string) => `((${lat}) - f.lat0) * ${M_PER_DEG_LAT}`;
export const latOf = (y: string) => `(f.lat0 + (${y}) / ${M_PER_DEG_LAT})`;
export const lngOf = (x: string, y: string) => `(f.lng0 + (${x}) / (${M_PER_DEG_LNG} * cos(radians(${latOf(y)}))))`;
export const distance = (ax: string, ay: string, bx: string, by: string) =>
  // Squares as products: pow() costs several times a multiplication, on every pair a join makes.
  `sqrt(((${ax}) - (${bx})) * ((${ax}) - (${bx})) + ((${ay}) - (${by})) * ((${ay}) - (${by})))`;

/**
 * The local frame: an origin near the median pickup, rounded to 0.01 degree so
 * that grid lines do not run through the busiest spot by construction. Read
 * from the accepted pickups, wherever the rest of the stage runs; `guess` is
 * only a guess (see frameOf).
 */
export async function createFrame(db: Database, guess?: Frame): Promise<void> {
  const { lat0, lng0 } = await frameOf(db, 'pickups', guess);
  await db.run(`CREATE OR REPLACE TABLE frame AS SELECT $1::DOUBLE AS lat0, $2::DOUBLE AS lng0`, [lat0, lng0]);
}

export interface Frame {
  lat0: number;
  lng0: number;
}

/** A pickup's position as the frame (and ingest's region) takes it: the courier's GPS fix, else the address. */
const PICKUP_LAT = 'coalesce(pickup_gps_lat, lat)';
const PICKUP_LNG = 'coalesce(pickup_gps_lng, lng)';

/** The frame's definition: each coordinate's median over the pickups, rounded to 0.01 degree (0 without pickups). */
export const FRAME_COLUMNS = `round(coalesce(median(${PICKUP_LAT}), 0), 2) AS lat0, round(coalesce(median(${PICKUP_LNG}), 0), 2) AS lng0`;

/** Just under half of 0.01 degree: a median closer than this to a rounded value rounds to it. */
const ROUNDS_TO = 0.004999;

/**
 * The frame of a pickups relation, exactly as FRAME_COLUMNS defines it,
 * mostly without its medians: a guess (the frame the database had, the
 * region's centre that ingest found, else the rounded medians of a sample)
 * is confirmed by one counting scan when
 * both middle values of each coordinate lie within ROUNDS_TO of it, so the
 * median rounds to it. Only otherwise (no pickups, a median near the edge
 * between two rounded values, a guess the day moved) are the medians taken,
 * by `exactMedians` (2.4 s at 10M pickups with DuckDB's median()).
 *
 * The sample is exactMedians' (0.2% of the rows, drawn one by one by a
 * filter on random()), for its reason: a system sample takes whole vectors of
 * consecutive rows, and on the 10M world, a file ordered by time, its guess
 * was 0.01 degree off.
 */
export async function frameOf(db: Database, pickups: string, guess?: Frame): Promise<Frame> {
  // An empty sample guesses (0, 0), which the count refuses unless it is the answer.
  guess ??= await db.one<Frame>(`SELECT ${FRAME_COLUMNS} FROM (SELECT * FROM ${pickups} WHERE random() < ${SAMPLE_SHARE})`);
  if (guess && (await roundsTo(db, pickups, guess))) return { lat0: guess.lat0, lng0: guess.lng0 };
  const m = await exactMedians(db, `SELECT ${PICKUP_LAT} AS lat, ${PICKUP_LNG} AS lng FROM ${pickups}`, ['lat', 'lng']);
  // Rounded by DuckDB, as FRAME_COLUMNS rounds.
  return (await db.one<Frame>(`SELECT round(coalesce($1::DOUBLE, 0), 2) AS lat0, round(coalesce($2::DOUBLE, 0), 2) AS lng0`, [m.lat, m.lng]))!;
}

/** Whether each coordinate's median over `pickups` lies within ROUNDS_TO of `frame`'s, by counting the values on either side. */
async function roundsTo(db: Database, pickups: string, frame: Frame): Promise<boolean> {
  const side = (v: string, at: number) =>
    `count(${v})::DOUBLE AS n_${v}, count(*) FILTER (WHERE ${v} <= ${at - ROUNDS_TO})::DOUBLE AS below_${v},
      count(*) FILTER (WHERE ${v} >= ${at + ROUNDS_TO})::DOUBLE AS above_${v}`;
  const c = await db.one<Record<string, number>>(`SELECT ${side('lat', frame.lat0)}, ${side('lng', frame.lng0)}
    FROM (SELECT ${PICKUP_LAT} AS lat, ${PICKUP_LNG} AS lng FROM ${pickups})`);
  if (!c) return false;
  // Sorted, the middle values are the a-th and b-th (the same one when n is odd): both inside when
  // fewer than a values lie at or below the lower bound and at most n - b at or above the upper one.
  return ['lat', 'lng'].every((v) => {
    const n = c[`n_${v}`];
    const a = Math.floor((n + 1) / 2);
    const b = Math.floor(n / 2) + 1;
    return n > 0 && c[`below_${v}`] <= a - 1 && c[`above_${v}`] <= n - b;
  });
}

/**
 * SQL for a waybill's `sender_key`: a 64-bit hash of its sender address (NULL
 * where there is none). pickup_points keeps the key, not the text: the text
 * is in seller_senders (one row per seller and address), and carrying every
 * waybill's address through the join of pickups to shipments was a quarter
 * of the stage at 10M pickups (docs/scale.md, "fifth round"). Within one
 * seller's addresses two keys collide with odds of about n^2 / 2^65.
 */
export const senderKey = (address: string) => `CASE WHEN ${address} IS NOT NULL THEN hash(${address}) END`;

/** The id columns of pickup_points, repeating from parcel to parcel: stored with dictionary compression (`StringCompression`). */
export const POINT_ID_COLUMNS = ['seller_id', 'listing_id', 'courier_id', 'aoi_id', 'aoi_type'] as const;

/** Compression of pickup_points' string columns, chosen up front: the repeating ids. */
const POINT_COMPRESSION: Readonly<Record<string, StringCompression>> = dictionary(POINT_ID_COLUMNS);

/**
 * pickup_points from a relation of placed parcels (seller_id, listing_id,
 * amount, courier_id, aoi_id, aoi_type, t, night, lat, lng, quality,
 * address_lat, address_lng, sender_key): the local metres added.
 * East-west metres use each point's own latitude, so distances hold for data
 * spanning a whole country. Both engines end here, so x and y are computed
 * the same way from the same doubles.
 */
export async function finishPickupPoints(db: Database, placed: string): Promise<void> {
  await db.createTable('pickup_points', pointsSql(placed), POINT_COMPRESSION);
}

const pointsSql = (placed: string) => `
    SELECT placed.* EXCLUDE (address_lat, address_lng), ${localX('lat', 'lng')} AS x, ${localY('lat')} AS y,
      ${localX('address_lat', 'address_lng')} AS ax, ${localY('address_lat')} AS ay
    FROM ${placed} placed CROSS JOIN frame f`;

/**
 * The aggregates later stages read instead of the raw tables, so that the
 * raw pickups and shipments can stay on a cluster (engine/clickhouse.ts makes
 * the same tables there):
 * - seller_shipping(seller_id, parcels, nights, night_share): parcels picked up per seller;
 * - listing_volume(listing_id, n): shipments per listing;
 * - seller_senders(seller_id, kind, value, n): the sender phones and sender
 *   addresses on each seller's shipments, with how many shipments carry them.
 */
export const SHIPPING_TABLES = {
  seller_shipping: `seller_id VARCHAR, parcels BIGINT, nights BIGINT`,
  listing_volume: `listing_id VARCHAR, n BIGINT`,
  seller_senders: `seller_id VARCHAR, kind VARCHAR, value VARCHAR, n BIGINT`,
} as const;

/** The shares derived from seller_shipping's counts, the same arithmetic whichever engine counted. */
export async function finishSellerShipping(db: Database): Promise<void> {
  await db.run(`ALTER TABLE seller_shipping ADD COLUMN night_share DOUBLE`);
  await db.run(`UPDATE seller_shipping SET night_share = nights::DOUBLE / parcels`);
}

/** Longest span of data (days) over which `fixedOffset` checks the zone's offset hour by hour. */
const FIXED_OFFSET_MAX_DAYS = 3660;

/**
 * The UTC offset in seconds that the session's time zone keeps over the whole
 * span of a TIMESTAMPTZ column of `table` (a zone without daylight saving, or
 * data that lies between two changes), or undefined when it changes within
 * it (or the column is empty). The offset is read from ICU at every hour of
 * the span and at its end: no zone's rules change and change back within an
 * hour.
 */
export async function fixedOffset(db: Database, table: string, column: string): Promise<number | undefined> {
  const span = await db.one<{ days: number | null }>(`SELECT date_diff('day', min(${column}), max(${column})) AS days FROM ${table}`);
  if (span?.days == null || span.days > FIXED_OFFSET_MAX_DAYS) return undefined;
  const offsets = await db.one<{ n: number; off: number | null }>(`
    SELECT count(DISTINCT off) AS n, min(off) AS off FROM (
      SELECT date_part('timezone', ts) AS off FROM (
        SELECT unnest(generate_series(min(${column}), max(${column}), INTERVAL 1 HOUR)) AS ts FROM ${table}
        UNION ALL SELECT max(${column}) FROM ${table}))`);
  return offsets?.n === 1 && offsets.off != null ? Math.round(offsets.off) : undefined;
}

const DAY_US = 86_400_000_000;

/** Microseconds since 1970 on the local wall clock, and their non-negative remainder in a day. */
const localUs = (value: string, offset: number) => `(epoch_us(${value}) + ${offset * 1_000_000})`;
const usOfDay = (value: string, offset: number) => `(((${localUs(value, offset)} % ${DAY_US}) + ${DAY_US}) % ${DAY_US})`;

/**
 * SQL for the local hour (0-23, the session's time zone) of a TIMESTAMPTZ
 * column of `table`, the same number ICU's hour() gives. hour() looks the
 * zone's rules up for every row; where the zone keeps one offset over the
 * data (`fixedOffset`), the hour is integer arithmetic on the epoch, about
 * ten times cheaper.
 */
export async function localHour(db: Database, table: string, column: string): Promise<(value: string) => string> {
  const offset = await fixedOffset(db, table, column);
  if (offset === undefined) return (value: string) => `hour(${value})`;
  return (value: string) => `(${usOfDay(value, offset)} // 3600000000)`;
}

/** SQL for the local date of a TIMESTAMPTZ column of `table`, the same as `::DATE`, by arithmetic where `fixedOffset` allows. */
export async function localDate(db: Database, table: string, column: string): Promise<(value: string) => string> {
  const offset = await fixedOffset(db, table, column);
  if (offset === undefined) return (value: string) => `(${value})::DATE`;
  // Whole days since 1970, rounded down (before 1970 too).
  return (value: string) => `(DATE '1970-01-01' + ((${localUs(value, offset)} - ${usOfDay(value, offset)}) // ${DAY_US})::INTEGER)`;
}

/**
 * The placed parcels (the relation `finishPickupPoints` takes) of the pickups
 * in `pickups` joined to their waybills in `shipments`. Each row depends on
 * its pickup and its shipment alone: the night flag on the pickup's own time
 * (`hour` from `localHour`), the position on its own fixes.
 *
 * The waybill id stays behind: no stage asks which waybill a point was (each
 * point is one, as both tables are keyed by it), and writing 10M unique ids
 * again was a sixth of the stage (2.3 s of 13.7 at 10M pickups).
 */
function placedSql(hour: (value: string) => string, pickups: string, shipments: string): string {
  const gpsOk = `p.pickup_gps_lat IS NOT NULL AND (p.pickup_gps_time IS NULL
      OR abs(epoch(p.pickup_gps_time) - epoch(p.pickup_time)) <= ${LATE_SCAN_SECONDS})`;
  return `(
      SELECT s.seller_id, s.listing_id, coalesce(s.amount, 0) AS amount, p.courier_id, p.aoi_id, p.aoi_type,
        p.pickup_time AS t,
        (${hour('p.pickup_time')} >= 22 OR ${hour('p.pickup_time')} < 6) AS night,
        CASE WHEN ${gpsOk} THEN p.pickup_gps_lat WHEN p.lat IS NOT NULL THEN p.lat ELSE p.pickup_gps_lat END AS lat,
        CASE WHEN ${gpsOk} THEN p.pickup_gps_lng WHEN p.lng IS NOT NULL THEN p.lng ELSE p.pickup_gps_lng END AS lng,
        CASE WHEN ${gpsOk} THEN ${QUALITY.gps} WHEN p.lat IS NOT NULL THEN ${QUALITY.geocode} ELSE ${QUALITY.lateGps} END AS quality,
        p.lat AS address_lat, p.lng AS address_lng, s.sender_key
      FROM ${pickups} p
      -- The key is made before the join, so that only 8 bytes of each waybill's address go through it.
      JOIN (SELECT waybill_id, seller_id, listing_id, amount, ${senderKey('sender_address')} AS sender_key FROM ${shipments}) s
        USING (waybill_id))`;
}

/**
 * A database analysed before 1 December 2026 holds each waybill's sender
 * address in pickup_points where `sender_key` is now, and one analysed
 * before 2 December 2026 each point's waybill id: the update that first
 * meets either rewrites the table as a new analyze makes it, in the update's
 * own transaction (DuckDB refuses to commit an append to a table altered in
 * the same transaction, so the table is made anew rather than altered), and
 * the day's points append to that.
 */
async function upgradePickupPoints(db: Database): Promise<void> {
  const columns = (await db.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE pickup_points)`)).map((c) => c.column_name);
  if (!columns.includes('sender_address') && !columns.includes('waybill_id')) return;
  const select = columns
    .filter((c) => c !== 'waybill_id')
    .map((c) => (c === 'sender_address' ? `${senderKey('sender_address')} AS sender_key` : ident(c)));
  await db.run(`CREATE OR REPLACE TABLE pickup_points AS SELECT ${select.join(', ')} FROM pickup_points`);
}

/** Counts per seller (parcels, nights) of a relation of pickup points. */
const sellerShippingSql = (points: string) =>
  `SELECT seller_id, count(*) AS parcels, count(*) FILTER (WHERE night) AS nights FROM ${points} GROUP BY seller_id`;
/** Shipments per listing of a shipments relation. */
const listingVolumeSql = (shipments: string) =>
  `SELECT listing_id, count(*) AS n FROM ${shipments} WHERE listing_id IS NOT NULL GROUP BY listing_id`;
/** Sender phones and addresses per seller of a shipments relation. */
const sellerSendersSql = (shipments: string) => `
    SELECT seller_id, 'sender_phone_hash' AS kind, sender_phone_hash AS value, count(*) AS n
    FROM ${shipments} WHERE sender_phone_hash IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT seller_id, 'sender_address', sender_address, count(*)
    FROM ${shipments} WHERE sender_address IS NOT NULL GROUP BY ALL`;

/**
 * The stage. `centre`, where ingest found the pickups' region, is its centre:
 * the median of the same positions over the pickups that passed their record
 * checks, so rounded it is the frame nearly always, and the frame costs one
 * counting scan (frameOf).
 */
export async function locatePickups(db: Database, centre?: { lat: number; lng: number }): Promise<void> {
  const hour = await localHour(db, 'pickups', 'pickup_time');
  await createFrame(db, centre && { lat0: Math.round(centre.lat * 100) / 100, lng0: Math.round(centre.lng * 100) / 100 });
  await finishPickupPoints(db, placedSql(hour, 'pickups', 'shipments'));
  await countShipping(db);
}

/** The three count tables (SHIPPING_TABLES) over the whole of pickup_points and shipments. */
export async function countShipping(db: Database): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE seller_shipping AS ${sellerShippingSql('pickup_points')}`);
  await finishSellerShipping(db);
  await db.run(`CREATE OR REPLACE TABLE listing_volume AS ${listingVolumeSql('shipments')}`);
  await db.run(`CREATE OR REPLACE TABLE seller_senders AS ${sellerSendersSql('shipments')}`);
}

/** The points an update appended to pickup_points (temporary; absent when the stage reran whole). */
export const DAY_POINTS = 'day_points';

/**
 * The stage for `dragnet update`, once the day's rows (`day`.pickups and
 * `day`.shipments, a catalog) have been appended to pickups and shipments:
 * only the day's pickups are placed and appended to pickup_points, and the
 * day's counts are added to the three count tables, so the work follows the
 * day's size. A pickup of the day joins its waybill wherever it lies (the day
 * or the history); a pickup already in the database had its waybill then
 * (validation quarantines a dangling one), so no earlier point changes.
 *
 * The one input over all rows is the frame, the median pickup rounded to
 * 0.01 degree: it is recomputed (one scan of the coordinates, counting
 * them on either side of the old frame, see `frameOf`) and, in the
 * rare case the day moves it, the stage reruns whole, so the result is always
 * what `locatePickups` makes of the same rows. Returns whether it did. The
 * day's points stay in the temporary table DAY_POINTS for the impact stage,
 * which counts them into its own kept tables (impact/programme.ts).
 */
export async function appendPickupPoints(db: Database, day: string): Promise<'appended' | 'rebuilt'> {
  await db.run(`DROP TABLE IF EXISTS ${DAY_POINTS}`);
  await upgradePickupPoints(db);
  const [old] = await db.all<Frame>(`SELECT lat0, lng0 FROM frame`);
  const now = await frameOf(db, 'pickups', old);
  if (old === undefined || now === undefined || old.lat0 !== now.lat0 || old.lng0 !== now.lng0) {
    await locatePickups(db);
    return 'rebuilt';
  }
  const pickups = `${day}.pickups`;
  const shipments = `${day}.shipments`;
  const hour = await localHour(db, pickups, 'pickup_time');
  await db.run(`CREATE OR REPLACE TEMP TABLE ${DAY_POINTS} AS ${pointsSql(placedSql(hour, pickups, 'shipments'))}`);
  await db.run(`INSERT INTO pickup_points BY NAME SELECT * FROM ${DAY_POINTS}`);
  await db.addSums('seller_shipping', ['seller_id'], { parcels: 'BIGINT', nights: 'BIGINT' }, sellerShippingSql(DAY_POINTS));
  await finishSellerShipping(db);
  await db.addSums('listing_volume', ['listing_id'], { n: 'BIGINT' }, listingVolumeSql(shipments));
  await db.addSums('seller_senders', ['seller_id', 'kind', 'value'], { n: 'BIGINT' }, sellerSendersSql(shipments));
  return 'appended';
}

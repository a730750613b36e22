/**
 * Stage `sites`: candidate production or storage sites from where risky
 * parcels leave.
 *
 * in:  pickup_points, seller_scores, places
 * out: site_points(site_index, seller_id, x, y, ...) parcels attributed to each site (SITE_POINT_COLUMNS)
 *      sites(site_id, x, y, lat, lng, radius_m, station, station_name, ...)
 *
 * Method: parcels are weighted by their seller's risk and the quality of
 * their position, binned on a fine grid, smoothed, and the local maxima of
 * that density are the candidate sites (so two dens a few hundred metres
 * apart stay two). Each risky parcel near a peak is attributed to the
 * nearest one. A site's position is the median of the good GPS fixes around
 * its peak, which late scans and faked sender addresses cannot drag far.
 */
import { dictionary, type Database } from '../../engine/database.ts';
import { countedMedianSql } from '../../engine/medians.ts';
import { distance, latOf, lngOf, localX, localY, POINT_ID_COLUMNS } from './pickup-points.ts';
import { UnionFind } from '../networks/union-find.ts';
import { ALL_SIGNALS, type Signals } from '../signals.ts';
import { groupBy } from '../../collections.ts';
import { denRegion, discsRegion, estimateGeocodeError, estimateReach, groupHandoverPoints, type HandoverSite, type Reach } from './placement.ts';

export const SITE_PARAMS = {
  /** Grid cell side, metres. */
  cell: 40,
  /** Sellers below this score do not make sites (their parcels still reveal public drop points). */
  minSellerScore: 0.3,
  /** A peak must dominate every cell within this many cells (about 120 m). */
  peakWindow: 3,
  /**
   * Smoothed risk mass (weighted parcels) a peak needs: two, as one parcel is
   * no place. A den found on its second day has only a day's parcels, so the
   * ranking, not a volume floor, sorts the weak candidates (a floor of 5 kept
   * low-volume daytime dens out of the leads for one to four weeks).
   */
  minMass: 2,
  /** Peaks of different networks closer than this are one site (one door, accounts we did not link), metres. */
  mergeRadius: 60,
  /** Parcels farther than this from every peak belong to no site, metres. */
  assignRadius: 300,
  /** GPS fixes within this distance of the peak locate the site, metres. */
  locateRadius: 120,
  /** Distinct sellers within `stationRadius` that mark a public drop-off point. */
  stationSellers: 12,
  stationRadius: 60,
  /** Smallest radius of a lead, metres. */
  minLeadRadius: 25,
  /** Radius of a lead at a public drop-off point: the den is somewhere around it, metres. */
  stationLeadRadius: 600,
  /**
   * Uncertainties beyond the scatter of the fixes (per axis, metres), by how
   * the lead was placed: at fixes that agree with the door most waybills name
   * (the courier stands at the door: GPS bias, the den behind the facade); at
   * that door, away from the fixes (the geocoder's error); at fixes with no
   * door to check them against (the courier may meet senders down the alley,
   * and nothing in the parcels tells the two apart).
   */
  doorstepM: 10,
  doorGeocodeM: 18,
  unseenDoorM: 60,
  /** Sites placed this close together (two alley mouths of one den, both placed at its door) are one, metres. */
  samePlaceRadius: 40,
  /** Standard error used when a site has no GPS fix at all, metres. */
  noFixSe: 100,
  /** Pickup addresses are counted on a grid this fine to find the door most waybills give, metres. */
  doorCell: 20,
  /** Only addresses this close to the GPS fixes can be the door, metres. */
  doorSearchRadius: 250,
  /** The door needs this many waybills and this share of the nearby addresses. */
  doorMinWaybills: 5,
  doorMinShare: 0.4,
  /** More sellers than the site's own plus this many giving the door's geocode make it an area's centroid, not a door. */
  doorStrangers: 3,
  /** A door farther than this from the fixes means couriers meet senders elsewhere; the lead moves to the door, metres. */
  doorOffset: 50,
} as const;

/**
 * SQL for the radius holding the true position with 90% probability when the
 * error is a circular Gaussian whose per-axis standard deviation combines a
 * measured standard error and a systematic one: sqrt(-2 ln 0.1) = 2.146.
 */
export const circle90 = (se: string, systematic: string) => `2.146 * sqrt(pow(${se}, 2) + pow(${systematic}, 2))`;

interface Cell {
  cx: number;
  cy: number;
  m: number;
}

/**
 * Local maxima of the smoothed mass that dominate their window; deterministic
 * on ties. The smoothing kernel is binomial (1 2 1 by 1 2 1, over 4) rather
 * than a box, so a lone busy cell stays the peak instead of a flat plateau.
 */
export function findPeaks(cells: readonly Cell[], window: number, minMass: number): Array<Cell & { s: number }> {
  const key = (x: number, y: number) => `${x},${y}`;
  const mass = new Map(cells.map((c) => [key(c.cx, c.cy), c.m]));
  const smoothed = new Map<string, { cx: number; cy: number; s: number }>();
  for (const c of cells) {
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const k = key(c.cx + dx, c.cy + dy);
        const e = smoothed.get(k) ?? { cx: c.cx + dx, cy: c.cy + dy, s: 0 };
        e.s += (c.m * (2 - Math.abs(dx)) * (2 - Math.abs(dy))) / 4;
        smoothed.set(k, e);
      }
    }
  }
  const peaks: Array<Cell & { s: number }> = [];
  for (const e of smoothed.values()) {
    if (e.s < minMass) continue;
    let isPeak = true;
    for (let dx = -window; dx <= window && isPeak; dx++) {
      for (let dy = -window; dy <= window; dy++) {
        if (dx === 0 && dy === 0) continue;
        const o = smoothed.get(key(e.cx + dx, e.cy + dy));
        // Ties go to the lexicographically smaller cell, so equal plateaus give one peak.
        if (o && (o.s > e.s || (o.s === e.s && (o.cx < e.cx || (o.cx === e.cx && o.cy < e.cy))))) {
          isPeak = false;
          break;
        }
      }
    }
    if (isPeak) peaks.push({ cx: e.cx, cy: e.cy, m: mass.get(key(e.cx, e.cy)) ?? 0, s: e.s });
  }
  return peaks.sort((a, b) => b.s - a.s || a.cx - b.cx || a.cy - b.cy);
}

/**
 * Groups peaks (sorted strongest first) lying within `radiusCells` of each
 * other into sites; a site is numbered by its strongest peak's index. A peak
 * marked `alone` (a public drop-off point, where many operations hand over
 * parcels) is never merged: each operation there keeps its own site.
 */
export function mergeNearbyPeaks(peaks: ReadonlyArray<{ cx: number; cy: number; alone?: boolean }>, radiusCells: number): number[] {
  const sets = new UnionFind();
  const r2 = radiusCells * radiusCells;
  for (let i = 0; i < peaks.length; i++) {
    sets.add(String(i));
    if (peaks[i].alone) continue;
    for (let j = 0; j < i; j++) {
      if (peaks[j].alone) continue;
      const dx = peaks[i].cx - peaks[j].cx;
      const dy = peaks[i].cy - peaks[j].cy;
      if (dx * dx + dy * dy <= r2) sets.union(String(i), String(j));
    }
  }
  const first = new Map<string, number>();
  return peaks.map((_, i) => {
    const root = sets.find(String(i));
    if (!first.has(root)) first.set(root, i);
    return first.get(root)!;
  });
}

/**
 * The columns of a risky parcel that site_points keeps: those the sites,
 * leads, drop-origin and deterrence stages read. The waybill id, the raw
 * coordinates, the area and the grid cell stay in pickup_points: a table's
 * string columns are most of what writing it costs (docs/scale.md, "sixth
 * round").
 */
const SITE_POINT_COLUMNS = [
  'seller_id', 'listing_id', 'courier_id', 'network_id', 'seller_score', 'amount', 't', 'night', 'quality', 'sender_key', 'x', 'y', 'ax', 'ay',
] as const;

export async function locateSites(db: Database, signals: Signals = ALL_SIGNALS): Promise<void> {
  const p = SITE_PARAMS;
  // A view, not a table: the cells read four of its columns, and only site_points (the parcels near
  // a peak) needs every column, so no copy of every risky parcel is written (a seventh of the stage at 10M pickups).
  await db.run(`
    CREATE OR REPLACE TEMP VIEW risky AS
    SELECT pp.*, ss.score AS seller_score, ss.network_id, pp.quality * ss.score AS w,
      floor(pp.x / ${p.cell})::INT AS cx, floor(pp.y / ${p.cell})::INT AS cy
    FROM pickup_points pp JOIN seller_scores ss USING (seller_id)
    WHERE ss.score >= ${p.minSellerScore} AND pp.quality >= 0.4 AND pp.x IS NOT NULL`);
  // Peaks are found per seller network: two operations whose dens are 100 m apart in one
  // urban village stay two sites, and each operation at a shared station gets its own.
  const cells = await db.all<Cell & { network_id: string }>(
    `SELECT network_id, cx, cy, sum(w::DECIMAL(18, 8))::DOUBLE AS m FROM risky GROUP BY ALL ORDER BY network_id, cx, cy`,
  );
  const byNetwork = groupBy(cells, (c) => c.network_id);
  const peaks = [...byNetwork].flatMap(([network_id, cs]) => findPeaks(cs, p.peakWindow, p.minMass).map((k) => ({ ...k, network_id })));
  peaks.sort((a, b) => b.s - a.s || (a.network_id < b.network_id ? -1 : a.network_id > b.network_id ? 1 : 0) || a.cx - b.cx || a.cy - b.cy);
  await db.run(`CREATE OR REPLACE TEMP TABLE peak_xy (id INT, x DOUBLE, y DOUBLE)`);
  await db.append('peak_xy', peaks.map((k, i) => [i, (k.cx + 0.5) * p.cell, (k.cy + 0.5) * p.cell]));
  await crowdAround(db, 'peak_xy', 'peak_crowd');
  const atStation = new Set(
    (await db.all<{ id: number }>(`SELECT id FROM peak_crowd WHERE station ORDER BY id`)).map((r) => r.id),
  );
  const site = mergeNearbyPeaks(peaks.map((k, i) => ({ ...k, alone: atStation.has(i) })), p.mergeRadius / p.cell);

  // Each cell near a peak belongs to the nearest peak of the same network (ties: the stronger, listed first).
  const reach = Math.ceil(p.assignRadius / p.cell);
  await db.run(`CREATE OR REPLACE TEMP TABLE peaks (peak INT, network_id VARCHAR, cx INT, cy INT, s DOUBLE, site INT)`);
  await db.append('peaks', peaks.map((k, i) => [i, k.network_id, k.cx, k.cy, k.s, site[i]]));
  await db.run(`
    CREATE OR REPLACE TEMP TABLE peak_cells AS
    SELECT network_id, cx, cy, arg_min(site, d * 1e6 + peak) AS site FROM (
      SELECT k.network_id, k.cx + dx AS cx, k.cy + dy AS cy, k.peak, k.site, sqrt(dx * dx + dy * dy) * ${p.cell} AS d
      FROM peaks k, range(-${reach}, ${reach + 1}) a(dx), range(-${reach}, ${reach + 1}) b(dy))
    WHERE d <= ${p.assignRadius}
    GROUP BY network_id, cx, cy`);
  await db.createTable(
    'site_points',
    `SELECT ${SITE_POINT_COLUMNS.map((c) => `r.${c}`).join(', ')}, c.site AS site_index FROM risky r JOIN peak_cells c USING (network_id, cx, cy)`,
    // The shared id list: createTable applies it to the columns the table has.
    dictionary([...POINT_ID_COLUMNS, 'network_id']),
  );
  // A site's cell is its strongest peak's.
  await db.run(`
    CREATE OR REPLACE TEMP TABLE site_cells AS
    SELECT site AS peak, arg_max(cx, s * 1e6 - peak) AS cx, arg_max(cy, s * 1e6 - peak) AS cy FROM peaks GROUP BY site`);

  // Position: median of good GPS fixes near the peak, refined once around the first estimate.
  const peakX = `(k.cx + 0.5) * ${p.cell}`;
  const peakY = `(k.cy + 0.5) * ${p.cell}`;
  const nearPeak = `sp.quality = 1 AND ${distance('sp.x', 'sp.y', peakX, peakY)} <= ${p.locateRadius}`;
  await db.run(`
    CREATE OR REPLACE TEMP TABLE site_loc0 AS
    SELECT k.peak AS site_index,
      coalesce(median(sp.x) FILTER (WHERE ${nearPeak}), ${peakX}) AS x,
      coalesce(median(sp.y) FILTER (WHERE ${nearPeak}), ${peakY}) AS y
    FROM site_cells k LEFT JOIN site_points sp ON sp.site_index = k.peak
    GROUP BY k.peak, k.cx, k.cy`);
  await db.run(`
    CREATE OR REPLACE TEMP TABLE site_loc AS
    WITH near AS (
      SELECT l.site_index, sp.x, sp.y FROM site_loc0 l JOIN site_points sp USING (site_index)
      WHERE sp.quality = 1 AND ${distance('sp.x', 'sp.y', 'l.x', 'l.y')} <= ${p.locateRadius})
    SELECT l.site_index, coalesce(median(n.x), l.x) AS x, coalesce(median(n.y), l.y) AS y
    FROM site_loc0 l LEFT JOIN near n USING (site_index) GROUP BY l.site_index, l.x, l.y`);

  // The door: the pickup address most of the site's waybills give, when it lies near where couriers
  // stand. A courier meeting senders at an alley mouth records the address they wrote, so a door
  // 50-250 m from the fixes is where the parcels came from; fake sender addresses are scattered over
  // the city and seldom land near the fixes, and no single one of them outvotes the real one.
  const g = p.doorCell;
  await db.run(`
    CREATE OR REPLACE TEMP TABLE site_door AS
    WITH near AS (
      SELECT l.site_index, sp.ax, sp.ay, round(sp.ax / ${g})::INT AS gx, round(sp.ay / ${g})::INT AS gy
      FROM site_loc l JOIN site_points sp USING (site_index)
      WHERE sp.ax IS NOT NULL AND ${distance('sp.ax', 'sp.ay', 'l.x', 'l.y')} <= ${p.doorSearchRadius}),
    cells AS (SELECT site_index, gx, gy, count(*) AS n FROM near GROUP BY ALL),
    blocks AS (
      SELECT a.site_index, a.gx, a.gy, sum(b.n) AS n FROM cells a JOIN cells b
        ON a.site_index = b.site_index AND abs(a.gx - b.gx) <= 1 AND abs(a.gy - b.gy) <= 1
      GROUP BY ALL),
    best AS (
      SELECT site_index, arg_max(gx, n * 1e6 - gx * 1e3 - gy) AS gx, arg_max(gy, n * 1e6 - gx * 1e3 - gy) AS gy
      FROM blocks GROUP BY site_index)
    SELECT b.site_index, median(n.ax) AS x, median(n.ay) AS y, count(*) AS n,
      count(*) / any_value(t.n_near) AS share
    FROM best b JOIN near n ON n.site_index = b.site_index AND abs(n.gx - b.gx) <= 1 AND abs(n.gy - b.gy) <= 1
    JOIN (SELECT site_index, count(*) AS n_near FROM near GROUP BY site_index) t ON t.site_index = b.site_index
    GROUP BY b.site_index`);
  // A geocode many unrelated senders share is an area's centroid (a geocoder that only knows the
  // village), not a door: count the sellers whose pickup addresses fall there.
  await db.run(`
    ALTER TABLE site_door ADD COLUMN sellers_at INTEGER;
    ALTER TABLE site_door ADD COLUMN site_sellers INTEGER;
    UPDATE site_door SET sellers_at = c.n FROM (
      WITH around AS (
        SELECT site_index, x, y, round(x / ${g})::INT + dx AS gx, round(y / ${g})::INT + dy AS gy
        FROM site_door, range(-1, 2) r1(dx), range(-1, 2) r2(dy)),
      -- Each seller's addresses once: a den's thousands of parcels give its few addresses, and only
      -- the distinct sellers are counted. Only the points in the doors' cells are read that far.
      pts AS (
        SELECT DISTINCT seller_id, ax, ay, gx, gy FROM (
          SELECT seller_id, ax, ay, round(ax / ${g})::INT AS gx, round(ay / ${g})::INT AS gy
          FROM pickup_points WHERE ax IS NOT NULL)
        SEMI JOIN (SELECT DISTINCT gx, gy FROM around) USING (gx, gy))
      SELECT a.site_index, count(DISTINCT pts.seller_id) AS n
      FROM around a JOIN pts USING (gx, gy)
      WHERE ${distance('pts.ax', 'pts.ay', 'a.x', 'a.y')} <= ${g}
      GROUP BY a.site_index) c WHERE c.site_index = site_door.site_index;
    UPDATE site_door SET site_sellers = c.n FROM (
      SELECT site_index, count(DISTINCT seller_id) AS n FROM site_points GROUP BY site_index) c
    WHERE c.site_index = site_door.site_index;`);

  await db.run(`CREATE OR REPLACE TEMP TABLE site_xy AS SELECT site_index AS id, x, y FROM site_loc`);
  await crowdAround(db, 'site_xy', 'site_crowd');

  const placeDistance = distance(localX('pl.lat', 'pl.lng'), localY('pl.lat'), 'l.x', 'l.y');
  const near = `${distance('sp.x', 'sp.y', 'l.x', 'l.y')} <= ${p.locateRadius}`;
  // Nearest place first; equally near places by id, so reruns agree.
  const nearestFirst = `struct_pack(d := ${placeDistance}, id := pl.aoi_id)`;
  await db.run(`
    CREATE OR REPLACE TABLE sites AS
    WITH spread AS (
      SELECT l.site_index, quantile_cont(${distance('sp.x', 'sp.y', 'l.x', 'l.y')}, 0.8) AS q80, count(*) AS n_gps,
        -- Robust standard error of the median position (MAD-based, median efficiency ~0.8).
        1.4826 * sqrt((pow(mad(sp.x) FILTER (WHERE ${near}), 2) + pow(mad(sp.y) FILTER (WHERE ${near}), 2)) / 2)
          * 1.25 / sqrt(greatest(1, count(*) FILTER (WHERE ${near}))) AS se
      FROM site_loc l JOIN site_points sp USING (site_index) WHERE sp.quality = 1
        AND ${distance('sp.x', 'sp.y', 'l.x', 'l.y')} <= ${p.assignRadius}
      GROUP BY l.site_index),
    nearest_place AS (
      SELECT l.site_index, arg_min(pl.name, ${nearestFirst}) AS name, arg_min(pl.aoi_type, ${nearestFirst}) AS aoi_type,
        min(${placeDistance}) AS d
      FROM site_loc l, places pl, frame f WHERE pl.lat IS NOT NULL
      GROUP BY l.site_index)
    SELECT l.site_index, l.x, l.y,
      ${latOf('l.y')} AS lat,
      ${lngOf('l.x', 'l.y')} AS lng,
      coalesce(c.sellers_near, 0) AS sellers_near, coalesce(c.low_risk_share, 0) AS low_risk_share,
      coalesce(c.station, false) AS station,
      CASE WHEN np.d <= 150 THEN np.name END AS place_name,
      CASE WHEN np.d <= 150 THEN np.aoi_type END AS place_type,
      coalesce(s.q80, 0) AS q80, coalesce(s.n_gps, 0) AS n_gps, coalesce(s.se, ${p.noFixSe}) AS se
    FROM site_loc l CROSS JOIN frame f
    LEFT JOIN site_crowd c ON c.id = l.site_index LEFT JOIN spread s USING (site_index) LEFT JOIN nearest_place np USING (site_index)
    ORDER BY l.site_index`);
  // Where the lead points: the fixes, or the door when couriers collect away from it; and how sure that is.
  const doorOk = `d.n >= ${p.doorMinWaybills} AND d.share >= ${p.doorMinShare}
    AND coalesce(d.sellers_at, 0) <= coalesce(d.site_sellers, 0) + ${p.doorStrangers}`;
  const doorDistance = distance('d.x', 'd.y', 'sites.x', 'sites.y');
  await db.run(`
    ALTER TABLE sites ADD COLUMN radius_m DOUBLE;
    ALTER TABLE sites ADD COLUMN door_waybills INTEGER DEFAULT 0;
    ALTER TABLE sites ADD COLUMN door_share DOUBLE DEFAULT 0;
    ALTER TABLE sites ADD COLUMN door_offset_m DOUBLE;
    ALTER TABLE sites ADD COLUMN placed_by VARCHAR DEFAULT 'gps';
    ALTER TABLE sites ADD COLUMN placement VARCHAR;
    ALTER TABLE sites ADD COLUMN fx DOUBLE;
    ALTER TABLE sites ADD COLUMN fy DOUBLE;
    ALTER TABLE sites ADD COLUMN handover_points INTEGER DEFAULT 1;
    UPDATE sites SET door_waybills = d.n, door_share = d.share, door_offset_m = ${doorDistance},
      placed_by = CASE WHEN NOT sites.station AND ${doorDistance} > ${p.doorOffset} AND ${signals.on('door')} THEN 'door' ELSE 'gps' END
    FROM site_door d WHERE d.site_index = sites.site_index AND ${doorOk};
    UPDATE sites SET fx = x, fy = y;
    UPDATE sites SET x = d.x, y = d.y FROM site_door d WHERE d.site_index = sites.site_index AND sites.placed_by = 'door';
    UPDATE sites SET lat = ${latOf('y')}, lng = ${lngOf('x', 'y')} FROM frame f WHERE placed_by = 'door';
    UPDATE sites SET radius_m = CASE WHEN station THEN ${p.stationLeadRadius}
      ELSE round(greatest(${p.minLeadRadius}, ${circle90('se', `CASE WHEN placed_by = 'door' THEN ${p.doorGeocodeM}
        WHEN door_waybills > 0 THEN ${p.doorstepM} ELSE ${p.unseenDoorM} END`)},
        -- Fixes and a door that nearly agree: the den is at one or the other.
        CASE WHEN placed_by = 'gps' AND door_waybills > 0 THEN 1.2 * door_offset_m ELSE 0 END)) END`);

  // Peaks around one den (an operation meeting couriers at two alley mouths) placed at its door are one site.
  const placed = await db.all<{ site_index: number; x: number; y: number; station: boolean }>(
    `SELECT site_index, x, y, station FROM sites ORDER BY site_index`,
  );
  const keep = mergeNearbyPeaks(
    placed.map((q) => ({ cx: q.x, cy: q.y, alone: q.station })),
    p.samePlaceRadius,
  ).map((k) => placed[k].site_index);
  const merged = placed.map((q, i) => [q.site_index, keep[i]]).filter(([from, to]) => from !== to);
  if (merged.length > 0) {
    await db.run(`CREATE OR REPLACE TEMP TABLE site_merge (site_index INT, into_site INT)`);
    await db.append('site_merge', merged);
    await db.run(`
      UPDATE site_points SET site_index = m.into_site FROM site_merge m WHERE site_points.site_index = m.site_index;
      DELETE FROM sites WHERE site_index IN (SELECT site_index FROM site_merge);`);
  }
  await db.run(`UPDATE sites SET placement = CASE WHEN station THEN 'station' WHEN placed_by = 'door' THEN 'door_away'
    WHEN door_waybills > 0 THEN 'door_observed' ELSE 'handover_point' END`);
  await placeAwayFromDoor(db, await placeUnseenDens(db, signals));
}

/**
 * A door the waybills name away from where couriers collect: the den is
 * within the geocoder's error of that door and within reach of the handover
 * point. With a precise geocoder that is the door; with one that only knows
 * the street or the village, somewhere between the two. Both errors are read
 * from the dataset (see placement.ts).
 */
async function placeAwayFromDoor(db: Database, reach: Reach): Promise<void> {
  const p = SITE_PARAMS;
  // Medians and MADs per seller, a share of the sellers at a time (see sellerShares).
  const shares = await sellerShares(db);
  await db.run(`CREATE OR REPLACE TEMP TABLE shop_own (seller_id VARCHAR, fx DOUBLE, fy DOUBLE, mx DOUBLE, my DOUBLE)`);
  for (const share of shares) {
    await db.run(`
      INSERT INTO shop_own
      SELECT pp.seller_id, median(pp.x) AS fx, median(pp.y) AS fy, mad(pp.x) AS mx, mad(pp.y) AS my
      FROM pickup_points pp JOIN seller_scores ss USING (seller_id)
      WHERE pp.quality = 1 AND ss.score < ${p.minSellerScore} AND ${share('pp.seller_id')}
      GROUP BY pp.seller_id HAVING count(*) >= 10`);
  }
  // Only for the shops spots can keep. A shop's waybills give a few addresses, so the medians and
  // MADs of their geocodes are taken from each geocode's count (countedMedianSql), in one pass: at
  // 100M pickups median() and mad() over every row took 20 s in four passes.
  await db.run(`
    CREATE OR REPLACE TEMP TABLE shop_addr_points AS
    SELECT seller_id, ax, ay, count(*) AS n FROM pickup_points
    WHERE ax IS NOT NULL AND seller_id IN (SELECT seller_id FROM shop_own WHERE mx <= 20 AND my <= 20)
    GROUP BY ALL`);
  await db.run(`
    CREATE OR REPLACE TEMP TABLE shop_addr AS
    SELECT g AS seller_id, x.med AS gx, y.med AS gy, x.mad AS mx, y.mad AS my
    FROM (${countedMedianSql('SELECT * FROM shop_addr_points', 'seller_id', 'ax', 'n')}) x
      JOIN (${countedMedianSql('SELECT * FROM shop_addr_points', 'seller_id', 'ay', 'n')}) y USING (g)`);
  await db.run(`DROP TABLE shop_addr_points`);
  const shops = await db.all<{ d: number }>(`
    -- Shops handing over in a tight spot, all their waybills giving one address.
    WITH spots AS (
      SELECT o.seller_id, o.fx, o.fy, a.gx, a.gy FROM shop_own o JOIN shop_addr a USING (seller_id)
      WHERE o.mx <= 20 AND o.my <= 20 AND a.mx <= 5 AND a.my <= 5),
    -- A spot many shops share is a courier point or a station, not each shop's door.
    crowd AS (
      SELECT a.seller_id, count(*) AS others FROM spots a JOIN spots b
        ON a.seller_id <> b.seller_id AND abs(a.fx - b.fx) <= 30 AND abs(a.fy - b.fy) <= 30
      GROUP BY a.seller_id),
    -- A geocode many shops share is an area's centroid; such doors are not used (see site_door), so
    -- their error is left out too.
    centroid AS (
      SELECT a.seller_id, count(*) AS others FROM spots a JOIN spots b
        ON a.seller_id <> b.seller_id AND ${distance('a.gx', 'a.gy', 'b.gx', 'b.gy')} <= ${p.doorCell}
      GROUP BY a.seller_id)
    SELECT ${distance('fx', 'fy', 'gx', 'gy')} AS d FROM spots LEFT JOIN crowd USING (seller_id) LEFT JOIN centroid c USING (seller_id)
    WHERE coalesce(crowd.others, 0) <= 2 AND coalesce(c.others, 0) <= ${p.doorStrangers} ORDER BY d`);
  const geocode = estimateGeocodeError(shops.map((s) => s.d));
  const away = await db.all<{ site_index: number; x: number; y: number; fx: number; fy: number; se: number }>(
    `SELECT site_index, x, y, fx, fy, se FROM sites WHERE placement = 'door_away' ORDER BY site_index`,
  );
  const placed: number[][] = [];
  for (const s of away) {
    // The lead stays at the door (with an exact geocoder the den is there); its radius holds 90% of
    // the region, so that with a street-level geocoder it reaches the den between door and fixes.
    const region = discsRegion(
      [
        { x: s.x, y: s.y, r: geocode.max },
        { x: s.fx, y: s.fy, r: reach.max },
      ],
      { x: s.x, y: s.y },
    );
    if (region) placed.push([s.site_index, region.x, region.y, Math.hypot(region.r90, 2.146 * s.se)]);
  }
  if (placed.length > 0) {
    await db.run(`CREATE OR REPLACE TEMP TABLE door_placed (site_index INT, x DOUBLE, y DOUBLE, r DOUBLE)`);
    await db.append('door_placed', placed);
    await db.run(`
      UPDATE sites SET radius_m = round(greatest(sites.radius_m, d.r)) FROM door_placed d WHERE d.site_index = sites.site_index;`);
  }
  await db.run(`ALTER TABLE site_reach ADD COLUMN geocode_max DOUBLE; ALTER TABLE site_reach ADD COLUMN geocode_shops INTEGER;
    UPDATE site_reach SET geocode_max = ${geocode.max}, geocode_shops = ${geocode.n}`);
}

/**
 * Sites whose door was never seen: a den's several handover points become
 * one site between them, and every such site's radius says how far from its
 * handover points a den may be in this dataset (see placement.ts).
 */
async function placeUnseenDens(db: Database, signals: Signals): Promise<Reach> {
  const offsets = await db.all<{ d: number }>(
    `SELECT door_offset_m AS d FROM sites WHERE placement IN ('door_observed', 'door_away') AND door_offset_m IS NOT NULL ORDER BY site_index`,
  );
  const reach = estimateReach(offsets.map((o) => o.d));
  const unseen = await db.all<{ site_index: number; x: number; y: number; se: number }>(
    `SELECT site_index, x, y, se FROM sites WHERE placement = 'handover_point' ORDER BY site_index`,
  );
  const use = await db.all<{ site_index: number; seller_id: string; n: number }>(`
    SELECT site_index, seller_id, count(*)::INT AS n FROM site_points
    WHERE quality = 1 AND site_index IN (SELECT site_index FROM sites WHERE placement = 'handover_point')
    GROUP BY ALL ORDER BY site_index, seller_id`);
  const bySite = groupBy(use, (u) => u.site_index);
  const handovers: HandoverSite[] = unseen.map((s) => ({
    ...s,
    accounts: new Map((bySite.get(s.site_index) ?? []).map((u) => [u.seller_id, u.n])),
  }));
  const se = new Map(unseen.map((s) => [s.site_index, s.se]));
  const groups = signals.on('handover_points') ? groupHandoverPoints(handovers, reach.max) : [];
  const merged: Array<[number, number]> = [];
  const placed: number[][] = [];
  for (const g of groups) {
    const pts = g.map((i) => handovers.find((h) => h.site_index === i)!);
    const region = denRegion(pts, reach.max);
    if (!region) continue;
    const worstSe = Math.max(...g.map((i) => se.get(i) ?? 0));
    placed.push([g[0], region.x, region.y, Math.hypot(region.r90, 2.146 * worstSe), g.length]);
    for (const i of g.slice(1)) merged.push([i, g[0]]);
  }
  // A lone handover point: the den is within the dataset's reach of it.
  await db.run(`UPDATE sites SET radius_m = round(greatest(radius_m, sqrt(pow(${reach.q90}, 2) + pow(2.146 * se, 2))))
    WHERE placement = 'handover_point'`);
  if (placed.length > 0) {
    await db.run(`CREATE OR REPLACE TEMP TABLE den_placed (site_index INT, x DOUBLE, y DOUBLE, r DOUBLE, points INT)`);
    await db.append('den_placed', placed);
    await db.run(`CREATE OR REPLACE TEMP TABLE site_merge (site_index INT, into_site INT)`);
    await db.append('site_merge', merged);
    await db.run(`
      UPDATE sites SET x = d.x, y = d.y, radius_m = round(greatest(${SITE_PARAMS.minLeadRadius}, d.r)), placement = 'handover_points',
        handover_points = d.points
      FROM den_placed d WHERE d.site_index = sites.site_index;
      UPDATE sites SET lat = ${latOf('y')}, lng = ${lngOf('x', 'y')} FROM frame f WHERE placement = 'handover_points';
      UPDATE site_points SET site_index = m.into_site FROM site_merge m WHERE site_points.site_index = m.site_index;
      DELETE FROM sites WHERE site_index IN (SELECT site_index FROM site_merge);`);
  }
  await db.run(`CREATE OR REPLACE TABLE site_reach AS SELECT ${reach.q90}::DOUBLE AS q90, ${reach.max}::DOUBLE AS max, ${reach.n}::INT AS n`);
  return reach;
}

/**
 * Pickup points per pass of a per-seller median or MAD. DuckDB holds every
 * value of such an aggregate outside its memory limit until the pass ends
 * (at 100M pickups the sellers' medians took the run from 2.6 to 6.2 GB), so
 * a bigger table is taken a share of the sellers at a time.
 */
export const HOLISTIC_PASS_ROWS = 25_000_000;

/**
 * Predicates that split the sellers into shares by a hash of the seller id,
 * as many as make HOLISTIC_PASS_ROWS pickup points a share on average; one
 * share (always true) below that.
 */
export async function sellerShares(db: Database, rowsPerPass = HOLISTIC_PASS_ROWS): Promise<Array<(sellerId: string) => string>> {
  const k = Math.max(1, Math.ceil((await db.scalar(`SELECT count(*) FROM pickup_points`)) / rowsPerPass));
  if (k === 1) return [() => 'true'];
  return Array.from({ length: k }, (_, i) => (sellerId: string) => `hash(${sellerId}) % ${k} = ${i}`);
}

/** Grid cell side for counting the sellers around a point, metres: finer than `cell`, so fewer far points are read only to be dropped. */
const CROWD_CELL = 20;

/**
 * Metres kept from a reach when a whole cell is taken as within it: far
 * beyond the rounding of a point's cell (floor(x / cell)) and of its
 * distance, which are a few ulps of the coordinates.
 */
const CELL_MARGIN = 1e-6;

/** SQL: the distance from a point `a` (a.x, a.y) to the farthest corner of grid cell (cx, cy) of side CROWD_CELL. */
const cornerDistance = (cx: string, cy: string) => {
  const far = (c: string, v: string) => `greatest(abs(${c} * ${CROWD_CELL} - a.${v}), abs((${c} + 1) * ${CROWD_CELL} - a.${v}))`;
  return distance(far(cx, 'x'), far(cy, 'y'), '0', '0');
};

/**
 * The offsets (dx, dy) of the grid cells of side `cell` that can hold a point
 * within `r` of a point of cell (0, 0). Two points of cells dx apart are
 * more than (|dx| - 1) cells apart along x, so a cell whose gaps along x and
 * y make more than r holds no such point (one at exactly r is kept, against
 * rounding in the subtraction). The window is a rounded square.
 */
export function cellsWithin(r: number, cell: number): Array<[number, number]> {
  const reach = Math.ceil(r / cell) + 1;
  const gap = (d: number) => Math.max(0, Math.abs(d) - 1) * cell;
  const out: Array<[number, number]> = [];
  for (let dx = -reach; dx <= reach; dx++) {
    for (let dy = -reach; dy <= reach; dy++) if (gap(dx) ** 2 + gap(dy) ** 2 <= r * r) out.push([dx, dy]);
  }
  return out;
}

/**
 * Public drop-off points among the points of table `from(id, x, y)`: where at
 * least `stationSellers` distinct sellers, mostly low-risk, hand over parcels
 * within `stationRadius`, or where the pickups there (the most common
 * `aoi_type`, ties to the first name) or the nearest place say
 * `parcel_station`. Writes `into(id, sellers_near, low_risk_share, station)`.
 *
 * Peaks crowd around busy stations, so one pickup there lies within reach of
 * many of them (at 100M pickups the join made 7 rows per GPS fix; at 10M,
 * 16M pairs of 7.5M fixes). So a grid cell that lies wholly within reach of
 * a point (its farthest corner nearer than `stationRadius`, with a margin
 * for rounding) is joined as its fixes' counts per (seller, aoi_type), one
 * row where there were hundreds; only fixes in the cells the circle cuts are
 * joined one by one and measured. The distinct sellers, the low-risk share
 * and the common type are read from those counts, and the scores joined to
 * them, not to every row (at 100M pickups: 129 s before, see docs/scale.md).
 */
export async function crowdAround(db: Database, from: string, into: string): Promise<void> {
  const p = SITE_PARAMS;
  const g = CROWD_CELL;
  const placeDistance = distance(localX('pl.lat', 'pl.lng'), localY('pl.lat'), 'a.x', 'a.y');
  // The GPS fixes with their cells, written out twice below rather than as a CTE DuckDB would materialise.
  const pts = `(SELECT seller_id, x, y, aoi_type, floor(x / ${g})::INT AS cx, floor(y / ${g})::INT AS cy FROM pickup_points WHERE quality = 1)`;
  await db.run(`
    CREATE OR REPLACE TEMP TABLE ${into} AS
    WITH around AS (
      SELECT a.id, cx, cy, a.x, a.y,
        -- The cell's farthest corner within reach: every fix in it is (a cell spans [c * g, (c + 1) * g)).
        ${cornerDistance('cx', 'cy')} <= ${p.stationRadius - CELL_MARGIN} AS whole
      FROM (SELECT a.*, floor(a.x / ${g})::INT + o.dx AS cx, floor(a.y / ${g})::INT + o.dy AS cy
        FROM ${from} a, (VALUES ${cellsWithin(p.stationRadius, g).map(([dx, dy]) => `(${dx}, ${dy})`).join(', ')}) o(dx, dy)) a),
    whole_cells AS (
      SELECT cx, cy, seller_id, aoi_type, count(*) AS n FROM ${pts} SEMI JOIN (SELECT cx, cy FROM around WHERE whole) USING (cx, cy)
      GROUP BY ALL),
    near AS (
      SELECT id, seller_id, aoi_type, sum(n)::BIGINT AS n FROM (
        SELECT a.id, c.seller_id, c.aoi_type, c.n FROM around a JOIN whole_cells c USING (cx, cy) WHERE a.whole
        UNION ALL
        SELECT a.id, pts.seller_id, pts.aoi_type, 1 FROM around a JOIN ${pts} pts USING (cx, cy)
        WHERE NOT a.whole AND ${distance('pts.x', 'pts.y', 'a.x', 'a.y')} <= ${p.stationRadius})
      GROUP BY ALL),
    scored AS (SELECT near.*, (ss.score < ${p.minSellerScore})::INT AS low FROM near JOIN seller_scores ss USING (seller_id)),
    crowd AS (
      SELECT id, count(DISTINCT seller_id) AS sellers_near, sum(n * low)::DOUBLE / sum(n) AS low_risk_share
      FROM scored GROUP BY id),
    kind AS (
      SELECT id, arg_min(aoi_type, (-n, aoi_type)) AS aoi_type
      FROM (SELECT id, aoi_type, sum(n) AS n FROM scored WHERE aoi_type IS NOT NULL GROUP BY ALL)
      GROUP BY id),
    station_place AS (
      SELECT a.id FROM ${from} a, places pl, frame f
      WHERE pl.aoi_type = 'parcel_station' AND pl.lat IS NOT NULL AND ${placeDistance} <= 100
      GROUP BY a.id)
    SELECT a.id, coalesce(c.sellers_near, 0) AS sellers_near, coalesce(c.low_risk_share, 0) AS low_risk_share,
      (coalesce(c.sellers_near, 0) >= ${p.stationSellers} AND coalesce(c.low_risk_share, 0) >= 0.5)
        OR coalesce(k.aoi_type = 'parcel_station', false) OR sp.id IS NOT NULL AS station
    FROM ${from} a LEFT JOIN crowd c USING (id) LEFT JOIN kind k USING (id) LEFT JOIN station_place sp USING (id)`);
}

/**
 * The naive baseline Dragnet must beat: count night pickups (22:00-06:00)
 * on a 100 m grid and rank the busiest cells. It knows nothing of sellers,
 * listings or networks; seller and listing scores are all 0.
 *
 * in:  pickup_points
 * out: leads (as the `leads` stage), seller_scores, listing_scores
 */
import type { Database } from '../../engine/database.ts';
import { latOf, lngOf } from '../sites/pickup-points.ts';
import type { Lead } from '../leads/leads.ts';
import { isoLocal } from '../../time.ts';

const CELL_M = 100;
const MAX_LEADS = 500;

export async function hotspotLeads(db: Database): Promise<Lead[]> {
  const rows = await db.all<{ cx: number; cy: number; n: number; lat: number; lng: number; first: Date; last: Date; value: number }>(`
    WITH cells AS (
      SELECT floor(x / ${CELL_M})::INT AS cx, floor(y / ${CELL_M})::INT AS cy, count(*)::INT AS n, avg(x) AS x, avg(y) AS y,
        min(t) AS first, max(t) AS last, sum(amount::DECIMAL(18, 2))::DOUBLE AS value
      FROM pickup_points WHERE night AND quality >= 0.4 GROUP BY ALL)
    SELECT cx, cy, n, ${latOf('y')} AS lat, ${lngOf('x', 'y')} AS lng, first, last, value
    FROM cells CROSS JOIN frame f
    ORDER BY n DESC, cx, cy LIMIT ${MAX_LEADS}`);
  const top = rows[0]?.n ?? 1;
  const timeZone = await db.timeZone();
  await db.run(`CREATE OR REPLACE TABLE seller_scores AS SELECT seller_id, 0.0 AS score, 'N-' || seller_id AS network_id FROM sellers`);
  await db.run(`CREATE OR REPLACE TABLE listing_scores AS SELECT listing_id, 0.0 AS score FROM listings`);
  return rows.map((r, i) => ({
    lead_id: `H-${r.cx}-${r.cy}`,
    rank: i + 1,
    score: r.n / top,
    lat: r.lat,
    lng: r.lng,
    radius_m: CELL_M,
    seller_ids: [],
    network_ids: [],
    waybills: r.n,
    night_share: 1,
    first_seen: isoLocal(r.first, timeZone),
    last_seen: isoLocal(r.last, timeZone),
    status: 'active' as const,
    successor_lead_id: null,
    brands: [],
    categories: [],
    est_value: Math.round(r.value),
    evidence: [`${r.n} night pickups in a ${CELL_M} m cell`],
  }));
}

/**
 * The second baseline: sellers flagged by price alone (most of their
 * listings under half the genuine price), and density clustering (DBSCAN)
 * of those sellers' pickups. Clusters are ranked by size. It uses
 * no jargon, photos, reports, networks or hours.
 *
 * in:  pickup_points, listing_scores (price_ratio only)
 * out: leads, seller_scores, listing_scores
 */
import { dbscan } from './dbscan.ts';
import type { Database } from '../../engine/database.ts';
import type { Lead } from '../leads/leads.ts';
import { isoLocal } from '../../time.ts';

/** A listing under this share of MSRP is flagged. */
const CHEAP = 0.5;
const EPS_M = 100;
const MIN_POINTS = 10;

export async function priceDbscanLeads(db: Database): Promise<Lead[]> {
  await db.run(`
    CREATE OR REPLACE TABLE flagged AS
    SELECT seller_id FROM listing_scores GROUP BY seller_id
    HAVING avg((coalesce(price_ratio, 1) < ${CHEAP})::INT) >= 0.5`);
  const points = await db.all<{ lat: number; lng: number; x: number; y: number; t: Date; amount: number; seller_id: string; night: boolean }>(`
    SELECT lat, lng, x, y, t, amount, seller_id, night FROM pickup_points JOIN flagged USING (seller_id)
    WHERE quality >= 0.4 ORDER BY ALL`);
  const labels = dbscan(points.map((p) => p.x), points.map((p) => p.y), EPS_M, MIN_POINTS);
  const members = new Map<number, number[]>();
  labels.forEach((c, i) => {
    if (c < 0) return;
    const list = members.get(c);
    if (list) list.push(i);
    else members.set(c, [i]);
  });
  const timeZone = await db.timeZone();
  const clusters = [...members.values()].sort((a, b) => b.length - a.length || a[0] - b[0]);
  const top = clusters[0]?.length ?? 1;
  await db.run(`CREATE OR REPLACE TABLE seller_scores AS
    SELECT seller_id, CASE WHEN seller_id IN (SELECT seller_id FROM flagged) THEN 1.0 ELSE 0.0 END AS score,
      'N-' || seller_id AS network_id FROM sellers`);
  await db.run(`CREATE OR REPLACE TABLE listing_scores AS
    SELECT listing_id, CASE WHEN price_ratio < ${CHEAP} THEN 1.0 ELSE 0.0 END AS score FROM listing_scores`);
  return clusters.map((idx, rank) => {
    const ps = idx.map((i) => points[i]);
    const times = ps.map((p) => p.t.getTime());
    return {
      lead_id: `P-${rank + 1}`,
      rank: rank + 1,
      score: idx.length / top,
      lat: ps.reduce((s, p) => s + p.lat, 0) / ps.length,
      lng: ps.reduce((s, p) => s + p.lng, 0) / ps.length,
      radius_m: 150,
      seller_ids: [...new Set(ps.map((p) => p.seller_id))].sort(),
      network_ids: [],
      waybills: ps.length,
      night_share: ps.filter((p) => p.night).length / ps.length,
      first_seen: isoLocal(new Date(Math.min(...times)), timeZone),
      last_seen: isoLocal(new Date(Math.max(...times)), timeZone),
      status: 'active' as const,
      successor_lead_id: null,
      brands: [],
      categories: [],
      est_value: Math.round(ps.reduce((s, p) => s + p.amount, 0)),
      evidence: [`${ps.length} pickups of sellers pricing under ${CHEAP * 100}% of MSRP within ${EPS_M} m of each other`],
    };
  });
}

/**
 * Stage `sellers`: the score that a shop account sells counterfeits.
 *
 * in:  listing_scores, listing_volume, seller_shipping, reports, seller_networks
 * out: seller_scores(seller_id, network_id, network_size, parcels,
 *        night_share, own_lo, lo, score)
 *
 * An account's own evidence (its listings, reports about it, how it ships)
 * is pooled with its network's: accounts run by one operation share its
 * nature, so a clean-looking account in a den's network is lifted.
 */
import type { Database } from '../../engine/database.ts';
import { REPORT_WEIGHTS } from '../reports.ts';
import { ALL_SIGNALS, type Signals } from '../signals.ts';

/** Log-odds for an account with no listing evidence at all. */
const PRIOR_LO = -2.5;

export async function scoreSellers(db: Database, signals: Signals = ALL_SIGNALS): Promise<void> {
  const reportCase = Object.entries(REPORT_WEIGHTS)
    .map(([source, w]) => `WHEN '${source}' THEN ${w}`)
    .join(' ');
  await db.run(`
    CREATE OR REPLACE TABLE seller_scores AS
    WITH volume AS (SELECT listing_id, n FROM listing_volume),
    by_listings AS (
      SELECT l.seller_id,
        (sum(l.lo::DECIMAL(18, 8) * (1 + coalesce(v.n, 0))) / sum(1 + coalesce(v.n, 0)))::DOUBLE AS mean_lo,
        max(l.lo) AS max_lo,
        bool_or(l.authorized) AS authorized
      FROM listing_scores l LEFT JOIN volume v USING (listing_id) GROUP BY l.seller_id),
    shipping AS (SELECT seller_id, parcels, night_share FROM seller_shipping),
    reported AS (
      SELECT target_id AS seller_id,
        sum(CASE verdict WHEN 'counterfeit' THEN 1 WHEN 'genuine' THEN -1 ELSE 0 END
          * CASE coalesce(source, 'consumer') ${reportCase} ELSE ${REPORT_WEIGHTS.consumer} END) AS report_lo
      FROM reports WHERE target_type = 'seller' GROUP BY target_id),
    own AS (
      SELECT s.seller_id, n.network_id, coalesce(sh.parcels, 0) AS parcels, coalesce(sh.night_share, 0) AS night_share,
        coalesce(0.6 * b.mean_lo + 0.4 * b.max_lo, ${PRIOR_LO})
          + ${signals.on('reports') ? 'coalesce(r.report_lo, 0)' : '0'}
          + ${signals.on('night') ? 'CASE WHEN coalesce(sh.parcels, 0) >= 5 THEN 1.5 * greatest(0, sh.night_share - 0.4) ELSE 0 END' : '0'}
          - CASE WHEN b.authorized AND ${signals.on('authorised')} THEN 3 ELSE 0 END AS own_lo
      FROM sellers s JOIN seller_networks n USING (seller_id)
      LEFT JOIN by_listings b USING (seller_id) LEFT JOIN shipping sh USING (seller_id) LEFT JOIN reported r USING (seller_id)),
    nets AS (
      SELECT network_id, count(*) AS network_size, (sum(own_lo::DECIMAL(18, 8) * (1 + parcels)) / sum(1 + parcels))::DOUBLE AS net_lo
      FROM own GROUP BY network_id)
    SELECT o.seller_id, o.network_id, n.network_size, o.parcels, o.night_share, o.own_lo,
      CASE WHEN n.network_size > 1 THEN 0.5 * o.own_lo + 0.5 * n.net_lo + 0.3 * ln(n.network_size) ELSE o.own_lo END AS lo,
      1 / (1 + exp(-(CASE WHEN n.network_size > 1 THEN 0.5 * o.own_lo + 0.5 * n.net_lo + 0.3 * ln(n.network_size) ELSE o.own_lo END))) AS score
    FROM own o JOIN nets n USING (network_id)
    ORDER BY o.seller_id`);
}

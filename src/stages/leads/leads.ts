/**
 * Stage `leads`: ranks sites, follows them over time and says why.
 *
 * in:  sites, site_points, seller_scores, listing_scores, network_links, outcomes
 * out: leads(lead_id, rank, score, lat, lng, radius_m, seller_ids, network_ids,
 *        waybills, night_share, first_seen, last_seen, status,
 *        successor_lead_id, brands, categories, est_value, evidence)
 */
import { createHash } from 'node:crypto';
import type { Database } from '../../engine/database.ts';
import { countedMedianOnlySql } from '../../engine/medians.ts';
import { haversineMeters } from '../../geo.ts';
import { buildEvidence, type SiteFacts } from './evidence.ts';
import { locateDropOrigins, type Relocation } from './drop-origin.ts';
import { isoLocal } from '../../time.ts';
import { ALL_SIGNALS, type Signals } from '../signals.ts';
import { groupBy } from '../../collections.ts';
import { calibrateRadii, inferredPlacement, UNCALIBRATED_WIDENING } from './calibration.ts';
import { fitProbabilityScale, IDENTITY_SCALE, probability, PROBABILITY_PRIOR, PROBABILITY_TERMS, type ProbabilityScale } from './probability.ts';
import { storeModel } from '../learn/model.ts';
import type { Lead } from '../../contract/results.ts';

export type { Lead };

/**
 * A site with no attributed pickups in this many final days of the data is
 * dormant, when that quiet is also longer than DORMANT_GAPS of its own mean
 * gaps between parcels: a den shipping a parcel a fortnight is not dormant
 * after 15 quiet days (at its rate, a Poisson process stays that quiet 5%
 * of the time after three mean gaps).
 */
export const DORMANT_DAYS = 14;
const DORMANT_GAPS = 3;

/** Whether a site whose parcels ran from `first` to `last` has gone quiet by `end`. */
export function isDormant(first: Date, last: Date, parcels: number, end: Date): boolean {
  const quiet = end.getTime() - last.getTime();
  const meanGap = parcels > 1 ? (last.getTime() - first.getTime()) / (parcels - 1) : 0;
  return quiet > DORMANT_DAYS * 86_400_000 && quiet > DORMANT_GAPS * meanGap;
}
/** Sellers at or above this score count as the site's operators. */
export const OPERATOR_SCORE = 0.5;
/** A successor site must lie at least this far away, metres. */
const MOVE_MIN_METERS = 300;
/**
 * Log-odds taken off a lead that may repeat a better lead's den (demoteRepeats):
 * enough to rank it below the leads of other dens of like strength. On the
 * randomised tuning seeds 1-10 it raised the median lead AP from 0.925 to
 * 0.930 and lost no site from the top 2n.
 */
const REPEAT_DEMOTION = 1.5;
/** An offline check (outcomes) within this distance of a lead's point was a check of that lead. */
export const OUTCOME_MATCH_M = 150;

interface SiteRow extends SiteFacts {
  site_index: number;
  lat: number;
  lng: number;
  radius_m: number;
  mean_risk: number;
  gps_share: number;
  first_seen: Date;
  last_seen: Date;
  seller_ids: string[];
  network_ids: string[];
  brands: string[];
  categories: string[];
}

/**
 * Log-odds of a site from its facts; each term is one kind of evidence,
 * documented in docs/method.md. Seller risk is capped so that a cluster of
 * risky parcels alone cannot saturate the score: what separates a den from a
 * stray cluster is the site's own evidence (accounts, volume, hours, GPS).
 */
export function siteLogOdds(s: Pick<SiteFacts, 'operators' | 'waybills' | 'night_share' | 'station'> & { mean_risk: number; gps_support: number }): number {
  const risk = Math.min(Math.max(s.mean_risk, 1e-4), 1 - 1e-4);
  const riskLo = Math.min(4, Math.max(-4, Math.log(risk / (1 - risk))));
  return (
    -3 +
    0.5 * riskLo +
    0.8 * Math.log(1 + s.operators) +
    0.6 * Math.log10(1 + s.waybills) +
    1.2 * (s.night_share - 0.5) -
    (s.station ? 0.5 : 0) -
    // Parcels placed only by the sender's (fakeable) address and never by a courier's GPS fix.
    3 * Math.max(0, 0.6 - s.gps_support) / 0.6
  );
}

/**
 * Moves each station site to where its den probably is (see drop-origin.ts),
 * in place; returns the extra leads of split operations, one per further den.
 */
function placeAtDens(rows: SiteRow[], origins: ReadonlyMap<number, readonly Relocation[]>): SiteRow[] {
  const relocatedTo = new Set<string>();
  const extra: SiteRow[] = [];
  for (const s of rows) {
    const found = (origins.get(s.site_index) ?? []).filter((o) => {
      // Two stations of one operation may point at the same address: the den gets one lead, the other stays at its station.
      const key = `${o.point.lat.toFixed(4)},${o.point.lng.toFixed(4)}`;
      if (relocatedTo.has(key)) return false;
      relocatedTo.add(key);
      return true;
    });
    // A split operation handing over at one station has a den per address: a lead each, with its accounts and parcels.
    const split = found.length > 1;
    const whole = { ...s };
    found.forEach((o, k) => {
      const row: SiteRow = k === 0 ? s : { ...whole };
      row.relocation = { reason: o.reason, distanceM: o.distanceM };
      row.lat = o.point.lat;
      row.lng = o.point.lng;
      row.radius_m = o.radiusM;
      row.placement = o.placement;
      if (split) {
        row.seller_ids = o.sellerIds;
        row.operators = o.sellerIds.length;
        row.waybills = Math.max(1, Math.round(whole.waybills * o.share));
        row.est_value = whole.est_value * o.share;
      }
      if (k > 0) extra.push(row);
    });
  }
  return extra;
}

/**
 * Two leads of one operation, active in the same period, where one lies
 * within the other's radius, may be one den seen twice (another handover
 * point the grouping did not join, a few stray parcels near the den). The
 * den's lead is the one with more parcels, the better evidence; the other
 * keeps its place in the list but drops below leads that stand for a den of
 * their own. (Judged by parcels, not by rank: a fragment of a few parcels
 * with a wide radius must not push down the lead of the den it came from.)
 */
export function demoteRepeats(leads: Array<{ s: SiteRow; lo: number; score: number; evidence: string[] }>, scale: ProbabilityScale): boolean {
  const stronger = (a: SiteRow, ia: number, b: SiteRow, ib: number) => a.waybills > b.waybills || (a.waybills === b.waybills && ia < ib);
  const byNetwork = new Map<string, number[]>();
  leads.forEach(({ s }, i) => {
    if (s.placement === 'station') return;
    for (const n of s.network_ids) {
      const list = byNetwork.get(n);
      if (list) list.push(i);
      else byNetwork.set(n, [i]);
    }
  });
  const repeats = leads.map(({ s }, i) => {
    if (s.placement === 'station') return undefined;
    const others = new Set(s.network_ids.flatMap((n) => byNetwork.get(n) ?? []));
    let best: number | undefined;
    for (const j of others) {
      const k = leads[j].s;
      if (j === i || !stronger(k, j, s, i)) continue;
      if (s.first_seen.getTime() > k.last_seen.getTime() || k.first_seen.getTime() > s.last_seen.getTime()) continue;
      if (haversineMeters(s.lat, s.lng, k.lat, k.lng) > Math.max(k.radius_m, s.radius_m)) continue;
      if (best === undefined || stronger(k, j, leads[best].s, best)) best = j;
    }
    return best;
  });
  let demoted = false;
  repeats.forEach((j, i) => {
    if (j === undefined) return;
    const lead = leads[i];
    const same = leads[j].s;
    lead.lo -= REPEAT_DEMOTION;
    lead.score = probability(scale, lead.lo);
    demoted = true;
    const d = Math.round(haversineMeters(lead.s.lat, lead.s.lng, same.lat, same.lng));
    lead.evidence.push(`the same operation has a lead with more parcels ${d} m away (${same.waybills} against ${lead.s.waybills}): may be the same den, lowered`);
  });
  return demoted;
}

/** Stable id of a site: its operators' network and its ~100 m grid cell, so reruns on the same data agree. */
function leadId(networks: readonly string[], lat: number, lng: number): string {
  const cell = `${Math.round(lat * 1000)}:${Math.round(lng * 1000)}`;
  return 'L-' + createHash('sha1').update(`${networks.join(',')}|${cell}`).digest('hex').slice(0, 10);
}

export async function rankLeads(db: Database, signals: Signals = ALL_SIGNALS): Promise<Lead[]> {
  const dataEnd = (await db.one<{ t: Date | null }>(`SELECT max(t) AS t FROM pickup_points`))?.t ?? new Date(0);
  const timeZone = await db.timeZone();
  // How often a parcel anywhere has a usable GPS fix: a site is judged against that, so data without GPS is not penalised.
  const gpsRate = await db.scalar(`SELECT coalesce(avg((quality = 1)::INT), 0) FROM pickup_points`);
  const rows = await db.all<SiteRow>(
    `
    WITH
    -- What a site's listings say (brands, prices, release dates) is read per listing, from each listing's
    -- parcels counted: joining every parcel to its listing, then sorting them for the lists and the
    -- median, cost twice as much (docs/scale.md, "ninth round").
    listed AS (
      SELECT l.site_index, l.listing_id, l.n, ls.brand, ls.category, ls.price_ratio, ls.release_lag_days, ls.authorized
      FROM (SELECT site_index, listing_id, count(*) AS n FROM site_points GROUP BY ALL) l
        LEFT JOIN listing_scores ls USING (listing_id)),
    by_listing AS (
      SELECT site_index,
        coalesce(list(DISTINCT brand ORDER BY brand) FILTER (WHERE brand IS NOT NULL), []) AS brands,
        coalesce(list(DISTINCT category ORDER BY category) FILTER (WHERE category IS NOT NULL), []) AS categories,
        count(DISTINCT listing_id) FILTER (WHERE price_ratio IS NOT NULL)::INT AS priced_listings,
        count(DISTINCT listing_id) FILTER (WHERE release_lag_days < -1 AND NOT authorized)::INT AS prerelease_listings
      FROM listed GROUP BY site_index),
    -- The median over the parcels, each listing's price ratio counted once per parcel.
    price AS (${countedMedianOnlySql('SELECT * FROM listed', 'site_index', 'price_ratio', 'n')}),
    -- Operators are accounts whose parcels couriers physically collected here (GPS), not accounts
    -- that merely wrote a nearby address on a waybill; without GPS in the data, addresses must do.
    ops AS (
      SELECT site_index, seller_id, network_id FROM site_points WHERE seller_score >= ${OPERATOR_SCORE}
      GROUP BY ALL HAVING count(*) FILTER (WHERE quality = 1) >= 2 OR $gps_rate < 0.05),
    op_lists AS (
      SELECT site_index, count(*)::INT AS operators, list(seller_id ORDER BY seller_id) AS seller_ids,
        list(DISTINCT network_id ORDER BY network_id) AS network_ids
      FROM ops GROUP BY site_index),
    -- Aggregated by site_index alone, then joined to the site's own columns: grouping the parcels
    -- by every site column (two lists among them) cost four times as much.
    agg AS (
      SELECT p.site_index,
        count(*)::INT AS waybills,
        avg(p.night::INT) AS night_share,
        coalesce(avg(p.seller_score::DECIMAL(18, 8)) FILTER (WHERE p.quality = 1), avg(p.seller_score::DECIMAL(18, 8)))::DOUBLE AS mean_risk,
        avg((p.quality = 1)::INT) AS gps_share,
        -- Parcels a courier's GPS placed here date the site; address-only parcels may be strays.
        coalesce(min(p.t) FILTER (WHERE p.quality = 1), min(p.t)) AS first_seen,
        coalesce(max(p.t) FILTER (WHERE p.quality = 1), max(p.t)) AS last_seen,
        coalesce(sum(p.amount::DECIMAL(18, 2)), 0)::DOUBLE AS est_value,
        count(DISTINCT p.courier_id)::INT AS couriers
      FROM site_points p GROUP BY p.site_index)
    SELECT s.site_index, s.lat, s.lng, s.radius_m, s.station, s.place_name, s.place_type, s.sellers_near,
      s.placed_by, s.door_offset_m, s.door_share, s.placement, s.handover_points,
      a.waybills, a.night_share, a.mean_risk, a.gps_share, a.first_seen, a.last_seen, a.est_value,
      coalesce(o.operators, 0) AS operators, coalesce(o.seller_ids, []) AS seller_ids, coalesce(o.network_ids, []) AS network_ids,
      b.brands, b.categories, m.med AS median_price_ratio, b.priced_listings, b.prerelease_listings, a.couriers,
      s.q80
    FROM sites s JOIN agg a USING (site_index) JOIN by_listing b USING (site_index)
      LEFT JOIN price m ON m.g = s.site_index LEFT JOIN op_lists o USING (site_index)
    ORDER BY s.site_index`,
    { gps_rate: gpsRate },
  );

  const links = await db.all<{ network_id: string; kind: string; members_sharing: number }>(
    `SELECT network_id, kind, members_sharing::INT AS members_sharing FROM network_links ORDER BY network_id, kind`,
  );
  const reports = await db.all<{ seller_id: string; n: number }>(`
    SELECT ls.seller_id, count(*)::INT AS n FROM reports r JOIN listing_scores ls ON r.target_id = ls.listing_id
    WHERE r.target_type = 'listing' AND r.source = 'test_buy' AND r.verdict = 'counterfeit' GROUP BY ls.seller_id
    UNION ALL
    SELECT target_id, count(*)::INT FROM reports WHERE target_type = 'seller' AND source = 'test_buy' AND verdict = 'counterfeit'
    GROUP BY target_id`);
  const testBuys = new Map<string, number>();
  for (const r of reports) testBuys.set(r.seller_id, (testBuys.get(r.seller_id) ?? 0) + r.n);
  const outcomes = await db.all<{ lat: number; lng: number; date: Date; result: string }>(
    `SELECT lat, lng, date, result FROM outcomes ORDER BY date, outcome_id`,
  );

  const origins = signals.on('drop_origin') ? await locateDropOrigins(db, rows.filter((s) => s.station), OPERATOR_SCORE) : new Map<number, Relocation[]>();
  rows.push(...placeAtDens(rows, origins));

  // Radii calibrated on the confirmed sites, per placement class, where there are enough of them.
  const reach = await db.one<{ q90: number; max: number; n: number; geocode_max: number; geocode_shops: number }>(
    `SELECT q90, max, n, geocode_max, geocode_shops FROM site_reach`,
  );
  // A den address geocoded by return addresses is only as exact as the dataset's geocoder.
  for (const s of rows) if (s.placement === 'station_address') s.radius_m = Math.max(s.radius_m, Math.round(reach?.geocode_max ?? 0));
  const calibration = calibrateRadii(rows, signals.on('outcomes') ? outcomes.filter((o) => o.result === 'confirmed') : []);
  for (const s of rows) {
    const c = calibration.factors.get(s.placement);
    s.radius_basis = {
      reachQ90: reach?.q90 ?? null,
      reachSites: reach?.n ?? 0,
      geocodeMax: reach?.geocode_max ?? null,
      geocodeShops: reach?.geocode_shops ?? 0,
      calibratedOn: c ? c.n : 0,
      calibration: c?.basis ?? null,
      widened: !c && inferredPlacement(s.placement) ? UNCALIBRATED_WIDENING : null,
    };
    if (c) s.radius_m = Math.max(1, Math.round(s.radius_m * c.factor));
    else if (inferredPlacement(s.placement)) s.radius_m = Math.round(s.radius_m * UNCALIBRATED_WIDENING);
  }

  const modelled = rows.map((s) => {
    const lo = siteLogOdds({
      ...s,
      night_share: signals.on('night') ? s.night_share : 0.5,
      gps_support: gpsRate > 0.05 ? Math.min(1, s.gps_share / gpsRate) : 1,
    });
    // A check speaks for the lead when it was made where the lead points, whatever the lead's radius:
    // a wide radius must not take in a neighbour's "nothing found".
    const checks = (signals.on('outcomes') ? outcomes : []).filter((o) => haversineMeters(o.lat, o.lng, s.lat, s.lng) <= OUTCOME_MATCH_M);
    return { s, lo, lastCheck: checks.at(-1) };
  });
  // What the score means: the probability a visit finds a site, scaled on the leads already checked where there are enough.
  const scale = signals.on('outcomes')
    ? fitProbabilityScale(modelled.flatMap((m) => (m.lastCheck ? [{ lo: m.lo, found: m.lastCheck.result === 'confirmed' }] : [])))
    : IDENTITY_SCALE;
  await storeModel(db, 'leads', PROBABILITY_TERMS, PROBABILITY_PRIOR, [scale.intercept, scale.slope], scale.examples);

  const leads = modelled.map(({ s, lo, lastCheck }) => {
    // A check that found nothing lowers the lead, unless the parcels kept coming after it.
    const clearedBeforeActivity =
      lastCheck?.result === 'nothing_found' && s.last_seen.getTime() <= lastCheck.date.getTime() + 7 * 86_400_000;
    const checked = lo + (clearedBeforeActivity ? -2 : 0) + (lastCheck?.result === 'confirmed' ? 1 : 0);
    const networkLinks = links.filter((l) => s.network_ids.includes(l.network_id));
    const facts: SiteFacts = {
      ...s,
      test_buys: s.seller_ids.reduce((n, id) => n + (testBuys.get(id) ?? 0), 0),
      network_links: networkLinks,
      outcome: lastCheck ? { result: lastCheck.result, date: lastCheck.date, cleared: clearedBeforeActivity } : null,
      scaled_on: scale.checked,
    };
    return { s, lo: checked, score: probability(scale, checked), evidence: buildEvidence(facts) };
  });
  // By score, then parcel volume; a repeated den's lead lowered before the final order.
  const byScore = (a: (typeof leads)[number], b: (typeof leads)[number]) => b.score - a.score || b.s.waybills - a.s.waybills || a.s.site_index - b.s.site_index;
  leads.sort(byScore);
  if (demoteRepeats(leads, scale)) leads.sort(byScore);

  const ids = new Set<string>();
  const uniqueId = (id: string) => {
    let candidate = id;
    for (let k = 2; ids.has(candidate); k++) candidate = `${id}-${k}`;
    ids.add(candidate);
    return candidate;
  };
  const out: Lead[] = leads.map(({ s, score, evidence }, i) => ({
    lead_id: uniqueId(leadId(s.network_ids, s.lat, s.lng)),
    rank: i + 1,
    score: round(score, 4),
    lat: round(s.lat, 6),
    lng: round(s.lng, 6),
    radius_m: s.radius_m,
    seller_ids: s.seller_ids,
    network_ids: s.network_ids,
    waybills: s.waybills,
    night_share: round(s.night_share, 4),
    first_seen: isoLocal(s.first_seen, timeZone),
    last_seen: isoLocal(s.last_seen, timeZone),
    status: isDormant(s.first_seen, s.last_seen, s.waybills, dataEnd) ? 'dormant' : 'active',
    successor_lead_id: null,
    brands: s.brands,
    categories: s.categories,
    est_value: round(s.est_value, 2),
    evidence,
  }));
  for (const lead of out) {
    if (lead.status !== 'dormant') continue;
    const quietDays = Math.floor((dataEnd.getTime() - new Date(lead.last_seen).getTime()) / 86_400_000);
    lead.evidence.push(`no parcels since ${lead.last_seen.slice(0, 10)} (${quietDays} days before the end of the data)`);
  }
  await resolveMoves(db, out, leads.map((l) => l.s), gpsRate, timeZone);
  await storeLeads(db, out);
  // Which site each lead stands for (a split operation's leads share one), for the impact stage's per-lead activity.
  await db.run(`CREATE OR REPLACE TABLE lead_sites (lead_id VARCHAR, site_index DOUBLE)`);
  await db.append('lead_sites', out.map((l, i) => [l.lead_id, leads[i].s.site_index]));
  return out;
}

/** When one operation's parcels started and stopped at one site: robust quantiles of its GPS-placed parcels. */
interface NetworkSpan {
  site_index: number;
  network_id: string;
  first_q: number;
  last_q: number;
}

/**
 * A dormant site has moved when an operation that shipped from it resurfaced
 * later at another site, at least MOVE_MIN_METERS away, starting no earlier
 * than a few days before it stopped here. Per-operation spans, not the
 * sites' own, so that other sellers at a shared station do not blur dates.
 */
async function resolveMoves(db: Database, leads: Lead[], sites: readonly SiteRow[], gpsRate: number, timeZone: string): Promise<void> {
  const spans = await db.all<NetworkSpan>(
    `SELECT site_index, network_id, quantile_disc(epoch(t), 0.02) AS first_q, quantile_disc(epoch(t), 0.98) AS last_q
     FROM site_points WHERE seller_score >= ${OPERATOR_SCORE} AND (quality = 1 OR $gps_rate < 0.05)
     GROUP BY ALL HAVING count(*) >= 10 ORDER BY site_index, network_id`,
    { gps_rate: gpsRate },
  );
  const bySite = groupBy(spans, (sp) => sp.site_index);
  const slack = 3 * 86_400;
  for (let i = 0; i < leads.length; i++) {
    const lead = leads[i];
    if (lead.status !== 'dormant') continue;
    let best: { j: number; first: number } | null = null;
    for (const here of bySite.get(sites[i].site_index) ?? []) {
      for (let j = 0; j < leads.length; j++) {
        if (j === i || haversineMeters(lead.lat, lead.lng, leads[j].lat, leads[j].lng) < MOVE_MIN_METERS) continue;
        const there = (bySite.get(sites[j].site_index) ?? []).find((sp) => sp.network_id === here.network_id);
        if (!there || there.first_q < here.last_q - slack) continue;
        if (best === null || there.first_q < best.first) best = { j, first: there.first_q };
      }
    }
    if (best !== null) {
      lead.status = 'moved';
      lead.successor_lead_id = leads[best.j].lead_id;
      const day = isoLocal(new Date(best.first * 1000), timeZone).slice(0, 10);
      lead.evidence.push(`the same operation resumed at lead ${leads[best.j].lead_id} from ${day}`);
    }
  }
}

async function storeLeads(db: Database, leads: readonly Lead[]): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE leads (
    lead_id VARCHAR, rank INT, score DOUBLE, lat DOUBLE, lng DOUBLE, radius_m DOUBLE, seller_ids VARCHAR[], network_ids VARCHAR[],
    waybills INT, night_share DOUBLE, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ, status VARCHAR, successor_lead_id VARCHAR,
    brands VARCHAR[], categories VARCHAR[], est_value DOUBLE, evidence VARCHAR[])`);
  // Lists go in as JSON text and are cast back, which keeps the engine adapter's append() to scalars.
  await db.run(`CREATE OR REPLACE TEMP TABLE leads_json (j VARCHAR)`);
  await db.append('leads_json', leads.map((l) => [JSON.stringify(l)]));
  await db.run(`
    INSERT INTO leads SELECT
      j->>'lead_id', (j->>'rank')::INT, (j->>'score')::DOUBLE, (j->>'lat')::DOUBLE, (j->>'lng')::DOUBLE, (j->>'radius_m')::DOUBLE,
      from_json(j->'seller_ids', '["VARCHAR"]'), from_json(j->'network_ids', '["VARCHAR"]'),
      (j->>'waybills')::INT, (j->>'night_share')::DOUBLE, (j->>'first_seen')::TIMESTAMPTZ, (j->>'last_seen')::TIMESTAMPTZ,
      j->>'status', j->>'successor_lead_id', from_json(j->'brands', '["VARCHAR"]'), from_json(j->'categories', '["VARCHAR"]'),
      (j->>'est_value')::DOUBLE, from_json(j->'evidence', '["VARCHAR"]')
    FROM leads_json ORDER BY (j->>'rank')::INT`);
  await db.run(`DROP TABLE leads_json`);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

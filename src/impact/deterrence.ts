/**
 * Deterrence: what the other leads of a raid's region did afterwards, and
 * the operations that resurfaced at a new site.
 *
 * in:  impact_leads (the run's leads), lead_sites, site_points (or pickup_points for the baselines), outcomes, network_links
 * out: rows of impact/deterrence.csv and impact/resurfacings.csv
 *
 * The classification of one lead after one raid is a pure function of its
 * parcels per day (afterRaid), so it can be tested on hand-built series.
 */
import type { Database } from '../engine/database.ts';
import { haversineMeters } from '../geo.ts';
import { groupBy } from '../collections.ts';
import { localDate } from '../stages/sites/pickup-points.ts';

/** Days either side of a raid over which activity is averaged (the raid day excluded). */
export const WINDOW_DAYS = 28;
/** Leads this far from a raid, or nearer, belong to its region. */
export const REGION_METERS = 10_000;
/** A lead this near a confirmed raid (or its own radius, if larger) is the raided site itself. */
export const RAIDED_METERS = 250;
/** A run of empty days counts as a pause only when a run that long would happen by chance less often than this. */
export const QUIET_CHANCE = 0.01;
/** ...and never when shorter than this many days. */
export const QUIET_MIN_DAYS = 3;

export type StatusAfter = 'continued' | 'paused' | 'stopped' | 'moved';

export interface AfterRaid {
  parcelsPerDayBefore: number;
  parcelsPerDayAfter: number;
  pausedDays: number;
  status: StatusAfter;
}

/**
 * Days without parcels needed before a gap counts as quiet, for a lead
 * shipping `perDay` parcels a day: a Poisson day is empty with probability
 * e^-rate, k empty days in a row with e^-rate*k.
 */
export function quietDays(perDay: number): number {
  if (perDay <= 0) return Infinity;
  return Math.max(QUIET_MIN_DAYS, Math.ceil(Math.log(1 / QUIET_CHANCE) / perDay));
}

/**
 * One lead after one raid. `parcels(day)` gives its parcels on a day (days
 * are integers, e.g. days since 1970); the data covers `firstDay..lastDay`.
 * Before and after are means over the days of each 28-day window that the
 * data covers. `pausedDays` is the first run of empty days starting within
 * the 28 days after the raid that is long enough to be quiet (quietDays);
 * if that run lasts to the end of the data the lead `stopped`, or `moved`
 * when the leads say its operation resurfaced elsewhere.
 */
export function afterRaid(
  parcels: (day: number) => number,
  raidDay: number,
  span: { firstDay: number; lastDay: number },
  moved: boolean,
): AfterRaid {
  const mean = (from: number, to: number) => {
    const a = Math.max(from, span.firstDay);
    const b = Math.min(to, span.lastDay);
    if (b < a) return 0;
    let n = 0;
    for (let d = a; d <= b; d++) n += parcels(d);
    return n / (b - a + 1);
  };
  const before = mean(raidDay - WINDOW_DAYS, raidDay - 1);
  const after = mean(raidDay + 1, raidDay + WINDOW_DAYS);
  const need = quietDays(before);
  let pausedDays = 0;
  let toEnd = false;
  for (let d = raidDay + 1; d <= Math.min(raidDay + WINDOW_DAYS, span.lastDay); d++) {
    if (parcels(d) > 0) continue;
    let e = d;
    while (e + 1 <= span.lastDay && parcels(e + 1) === 0) e++;
    const run = e - d + 1;
    if (run >= need) {
      pausedDays = run;
      toEnd = e === span.lastDay;
      break;
    }
    d = e;
  }
  const status: StatusAfter = pausedDays === 0 ? 'continued' : !toEnd ? 'paused' : moved ? 'moved' : 'stopped';
  return { parcelsPerDayBefore: before, parcelsPerDayAfter: after, pausedDays, status };
}

export interface DeterrenceRow {
  outcome_id: string;
  lead_id: string;
  distance_m: number;
  parcels_per_day_before: number;
  parcels_per_day_after: number;
  paused_days: number;
  status_after: StatusAfter;
}

export interface ResurfacingRow {
  from_lead_id: string;
  to_lead_id: string;
  network_id: string;
  quiet_from: string;
  resumed_at: string;
  distance_m: number;
  evidence: string;
}

interface LeadRow {
  lead_id: string;
  lat: number;
  lng: number;
  radius_m: number;
  status: string;
  successor_lead_id: string | null;
  network_ids: string[];
  seller_ids: string[];
  last_seen: Date;
}

const DAY_MS = 86_400_000;
/** Day number of a local date (DuckDB DATE, read as UTC midnight). */
const dayOf = (d: Date) => Math.floor(d.getTime() / DAY_MS);
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export type LeadDays = Map<string, Map<number, number>>;

/**
 * leadDays, read once however many tables ask (deterrence.csv and
 * resurfacings.csv both do: one pass over site_points instead of two).
 */
export function leadDaysOnce(db: Database): () => Promise<LeadDays> {
  let days: Promise<LeadDays> | undefined;
  return () => (days ??= leadDays(db));
}

/**
 * Parcels per lead and local day: the lead's site's parcels from its
 * operators (all of the site's when it names none). Runs of methods without
 * sites (the baselines) count parcels within the lead's radius.
 */
async function leadDays(db: Database): Promise<LeadDays> {
  const hasSites = (await db.tableExists('lead_sites')) && (await db.tableExists('site_points'));
  const date = await (hasSites ? localDate(db, 'site_points', 't') : localDate(db, 'pickup_points', 't'));
  const rows = await db.all<{ lead_id: string; day: Date; n: number }>(
    hasSites
      ? `SELECT ls.lead_id, ${date('sp.t')} AS day, count(*)::INT AS n
         FROM lead_sites ls JOIN impact_leads l USING (lead_id) JOIN site_points sp ON sp.site_index = ls.site_index
         WHERE len(l.seller_ids) = 0 OR list_contains(l.seller_ids, sp.seller_id)
         GROUP BY ALL`
      : `SELECT l.lead_id, ${date('p.t')} AS day, count(*)::INT AS n
         FROM impact_leads l JOIN pickup_points p
           ON abs(p.lat - l.lat) < 0.01 AND abs(p.lng - l.lng) < 0.01
          AND 111320 * sqrt(power(p.lat - l.lat, 2) + power((p.lng - l.lng) * cos(radians(l.lat)), 2)) <= greatest(l.radius_m, 150)
         GROUP BY ALL`,
  );
  const out = new Map<string, Map<number, number>>();
  for (const r of rows) {
    let m = out.get(r.lead_id);
    if (!m) out.set(r.lead_id, (m = new Map()));
    m.set(dayOf(r.day), r.n);
  }
  return out;
}

async function readLeads(db: Database): Promise<LeadRow[]> {
  return db.all<LeadRow>(
    `SELECT lead_id, lat, lng, radius_m, status, successor_lead_id, network_ids, seller_ids, last_seen FROM impact_leads ORDER BY rank`,
  );
}

/** deterrence.csv rows: each confirmed raid, and every other lead of its region active in the 28 days before it. */
export async function measureDeterrence(db: Database, activityOf = leadDaysOnce(db)): Promise<DeterrenceRow[]> {
  const date = await localDate(db, 'pickup_points', 't');
  const span = await db.one<{ first: Date | null; last: Date | null }>(`SELECT min(${date('t')}) AS first, max(${date('t')}) AS last FROM pickup_points`);
  if (!span?.first || !span.last) return [];
  const days = { firstDay: dayOf(span.first), lastDay: dayOf(span.last) };
  const raids = await db.all<{ outcome_id: string; lat: number; lng: number; date: Date }>(
    `SELECT outcome_id, lat, lng, date FROM outcomes WHERE result = 'confirmed' ORDER BY date, outcome_id`,
  );
  if (raids.length === 0) return [];
  const leads = await readLeads(db);
  const activity = await activityOf();
  const rows: DeterrenceRow[] = [];
  for (const raid of raids) {
    const raidDay = dayOf(raid.date);
    const distance = new Map(leads.map((l) => [l.lead_id, haversineMeters(raid.lat, raid.lng, l.lat, l.lng)]));
    // The raided site, and every other site of the operations raided there.
    const raided = leads.filter((l) => distance.get(l.lead_id)! <= Math.max(l.radius_m, RAIDED_METERS));
    const raidedNetworks = new Set(raided.flatMap((l) => l.network_ids));
    for (const lead of leads) {
      const d = distance.get(lead.lead_id)!;
      if (d > REGION_METERS || raided.includes(lead) || lead.network_ids.some((n) => raidedNetworks.has(n))) continue;
      const perDay = activity.get(lead.lead_id) ?? new Map<number, number>();
      const parcels = (day: number) => perDay.get(day) ?? 0;
      let activeBefore = false;
      for (let day = raidDay - WINDOW_DAYS; day < raidDay && !activeBefore; day++) activeBefore = parcels(day) > 0;
      if (!activeBefore) continue;
      const a = afterRaid(parcels, raidDay, days, lead.status === 'moved' && lead.successor_lead_id !== null);
      rows.push({
        outcome_id: raid.outcome_id,
        lead_id: lead.lead_id,
        distance_m: Math.round(d),
        parcels_per_day_before: round(a.parcelsPerDayBefore, 3),
        parcels_per_day_after: round(a.parcelsPerDayAfter, 3),
        paused_days: a.pausedDays,
        status_after: a.status,
      });
    }
  }
  return rows;
}

/**
 * resurfacings.csv rows: every lead whose operation moved (the leads' own
 * `moved` status and successor), dated by the last parcel at the old site
 * and the operation's first parcel at the new one, with what ties them.
 */
export async function findResurfacings(db: Database, activityOf = leadDaysOnce(db)): Promise<ResurfacingRow[]> {
  const leads = await readLeads(db);
  const byId = new Map(leads.map((l) => [l.lead_id, l]));
  const activity = await activityOf();
  const links = groupBy(
    (await db.tableExists('network_links'))
      ? await db.all<{ network_id: string; kind: string }>(`SELECT DISTINCT network_id, kind FROM network_links ORDER BY network_id, kind`)
      : [],
    (l) => l.network_id,
  );
  const rows: ResurfacingRow[] = [];
  for (const from of leads) {
    if (from.status !== 'moved' || from.successor_lead_id === null) continue;
    const to = byId.get(from.successor_lead_id);
    if (!to) continue;
    const shared = from.network_ids.filter((n) => to.network_ids.includes(n));
    const network = shared[0] ?? from.network_ids[0] ?? '';
    const lastDay = dayOf(from.last_seen);
    const toDays = [...(activity.get(to.lead_id)?.keys() ?? [])].sort((a, b) => a - b);
    // The successor's first parcel from a few days before the old site fell quiet (the move's slack in the leads stage).
    const resumed = toDays.find((d) => d >= lastDay - 3) ?? toDays[0] ?? lastDay;
    const accounts = from.seller_ids.filter((s) => to.seller_ids.includes(s));
    const evidence: string[] = [];
    if (accounts.length > 0) evidence.push(`accounts ${accounts.slice(0, 5).join(', ')} shipped from both sites`);
    const kinds = (links.get(network) ?? []).map((l) => l.kind);
    if (kinds.length > 0) evidence.push(`network ${network} shares ${kinds.join(', ')}`);
    else if (network !== '') evidence.push(`network ${network} ships from both sites`);
    rows.push({
      from_lead_id: from.lead_id,
      to_lead_id: to.lead_id,
      network_id: network,
      quiet_from: dateOf(lastDay + 1),
      resumed_at: dateOf(resumed),
      distance_m: Math.round(haversineMeters(from.lat, from.lng, to.lat, to.lng)),
      evidence: evidence.join('; '),
    });
  }
  return rows;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * Impact figures from the workspace and its runs (issue 12): enforcement
 * outcomes by month and region as the industry reports them, deterrence
 * after each raid (per raid, per region and month), resurfacings, the
 * own-brand programme's headline figures and turnover, candidates to
 * invite, and OEM capacity at risk. Who may see which is decided by the
 * routes (src/server/routes/impact.ts); the functions here take the scope
 * they are given (a region filter, whether lead-level rows are wanted).
 *
 * Regions: the police partner whose jurisdiction contains the place (a
 * referred case's own partner), the smallest jurisdiction when several do;
 * `other` when none does.
 */
import { contains, listPartners, type Area, type Partner } from './partners.ts';
import { latestRun, type RunRecord } from './runs.ts';
import { parseJson, type Workspace } from './store.ts';
import { SITE_KINDS, type Outcome } from './types.ts';

export const OTHER_REGION = 'other';
/** The window either side of a raid over which deterrence is measured (results contract). */
export const WINDOW_DAYS = 28;
/** Enrolments counted near a raid: within this distance, in the days after it. */
const ENROL_RADIUS_M = 10_000;
const ENROL_DAYS = 180;

const DAY_MS = 86_400_000;
const days = (from: string, to: string) => (Date.parse(to.slice(0, 10)) - Date.parse(from.slice(0, 10))) / DAY_MS;
const addDays = (d: string, n: number) => new Date(Date.parse(d.slice(0, 10)) + n * DAY_MS).toISOString().slice(0, 10);

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function metres(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const r = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * r) / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(((b.lng - a.lng) * r) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

/** A jurisdiction's area, roughly (outer rings on a plane scaled to the latitude): enough to tell a district from the city around it. */
function roughArea(a: Area): number {
  const polys = a.type === 'Polygon' ? [a.coordinates] : a.coordinates;
  let sum = 0;
  for (const poly of polys) {
    const ring = poly[0];
    const k = Math.cos(((ring[0]?.[1] ?? 0) * Math.PI) / 180);
    for (let i = 0; i + 1 < ring.length; i++) sum += (ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]) * k;
  }
  return Math.abs(sum / 2);
}

/** Regions of the workspace: its partners' jurisdictions, the smallest first (a district before the city that holds it). */
export class Regions {
  readonly partners: Partner[];
  constructor(ws: Workspace) {
    this.partners = listPartners(ws)
      .map((p) => ({ p, area: roughArea(p.jurisdiction) }))
      .sort((a, b) => a.area - b.area || a.p.partner_id.localeCompare(b.p.partner_id))
      .map((x) => x.p);
  }
  /** The region of a place, or of a case referred to a partner. */
  of(p: { lat: number; lng: number }, partnerId?: string | null): string {
    if (partnerId && this.partners.some((x) => x.partner_id === partnerId)) return partnerId;
    return this.partners.find((x) => contains(x.jurisdiction, p.lat, p.lng))?.partner_id ?? OTHER_REGION;
  }
  name(id: string): string {
    return this.partners.find((p) => p.partner_id === id)?.name ?? id;
  }
}

/** A raid: a workspace case's recorded result, or the dataset's outcome as the run read it. */
export interface Raid {
  outcome_id: string;
  source: 'workspace' | 'dataset';
  case_id: number | null;
  date: string;
  lat: number;
  lng: number;
  result: 'confirmed' | 'nothing_found' | null;
  site_kind: string | null;
  seized_value: number | null;
  arrests: number | null;
  region: string;
}

interface CaseRow {
  case_id: number;
  state: string;
  lat: number;
  lng: number;
  partner_id: string | null;
  outcome: string | null;
  created_at: string;
  run_id: number;
  lead_id: string;
}

/**
 * Every raid the workspace knows: its cases raided or closed (outcome_id
 * ws-case-N, as written for the next analysis), and the run's dataset
 * outcomes that are not those cases again.
 */
export function raids(ws: Workspace, run: RunRecord | undefined, regions: Regions): Raid[] {
  const out: Raid[] = [];
  const cases = ws.prepare(`SELECT case_id, state, lat, lng, partner_id, outcome FROM cases WHERE state IN ('raided', 'closed') AND outcome IS NOT NULL ORDER BY case_id`).all() as CaseRow[];
  for (const c of cases) {
    const o = parseJson<Partial<Outcome>>(c.outcome);
    if (!o.raid_date) continue;
    const place = { lat: o.lat ?? c.lat, lng: o.lng ?? c.lng };
    out.push({
      outcome_id: `ws-case-${c.case_id}`, source: 'workspace', case_id: c.case_id, date: o.raid_date, ...place,
      result: o.result ?? null, site_kind: o.site_kind ?? null, seized_value: o.seized_value ?? null, arrests: o.arrests ?? null,
      region: regions.of(place, c.partner_id),
    });
  }
  if (run) {
    const known = new Set(out.map((r) => r.outcome_id));
    const rows = ws.prepare(`SELECT * FROM run_outcomes WHERE run_id = ? ORDER BY date, outcome_id`).all(run.run_id) as {
      outcome_id: string; lat: number; lng: number; date: string; result: 'confirmed' | 'nothing_found'; seized_value: number | null; arrests: number | null;
    }[];
    for (const o of rows) {
      if (known.has(o.outcome_id)) continue;
      out.push({ ...o, source: 'dataset', case_id: null, site_kind: null, region: regions.of(o) });
    }
  }
  return out.sort((a, b) => a.date.localeCompare(b.date) || a.outcome_id.localeCompare(b.outcome_id));
}

export interface OutcomeFigures {
  month: string;
  region: string;
  /** Sites (leads) sent to the police: referral approvals. */
  leads_referred: number;
  cases_opened: number;
  /** Distinct cases referred in the month. */
  cases_referred: number;
  raids: number;
  sites_found: number;
  sites_by_kind: Record<(typeof SITE_KINDS)[number] | 'unrecorded', number>;
  arrests: number;
  value_seized: number;
  /** Of the cases referred in the month, the share raided since (null when none was referred). */
  lead_to_raid_conversion: number | null;
  /** Median days from a site's first parcel to the run that made it a lead (cases opened in the month). */
  median_days_first_parcel_to_lead: number | null;
  /** Median days from the lead's run to the raid (raids in the month). */
  median_days_lead_to_raid: number | null;
}

const emptyFigures = (month: string, region: string): OutcomeFigures & { _first: number[]; _toRaid: number[]; _referred: Set<number> } => ({
  month, region, leads_referred: 0, cases_opened: 0, cases_referred: 0, raids: 0, sites_found: 0,
  sites_by_kind: { production: 0, storage: 0, shipping: 0, unrecorded: 0 }, arrests: 0, value_seized: 0,
  lead_to_raid_conversion: null, median_days_first_parcel_to_lead: null, median_days_lead_to_raid: null,
  _first: [], _toRaid: [], _referred: new Set(),
});

/**
 * Enforcement outcomes by month and region, and the same over all months
 * (`totals`, one row per region, and `all`). `region` limits them to one
 * region (a police liaison's agency).
 */
export function outcomeFigures(ws: Workspace, onlyRegion?: string): { rows: OutcomeFigures[]; totals: OutcomeFigures[]; all: OutcomeFigures; regions: { region: string; name: string }[] } {
  const regions = new Regions(ws);
  const run = latestRun(ws);
  const cells = new Map<string, ReturnType<typeof emptyFigures>>();
  const keep = (region: string) => !onlyRegion || region === onlyRegion;
  const at = (month: string, region: string) => {
    const k = `${month}\u0000${region}`;
    let v = cells.get(k);
    if (!v) cells.set(k, (v = emptyFigures(month, region)));
    return v;
  };
  // The run that first made each case's site a lead: its data end is when the lead was there to be seen.
  const cases = ws.prepare(`
    SELECT c.case_id, c.state, c.lat, c.lng, c.partner_id, c.outcome, c.created_at, cl.run_id, cl.lead_id
    FROM cases c JOIN case_leads cl ON cl.case_id = c.case_id AND cl.relation = 'opened_on' ORDER BY c.case_id`).all() as CaseRow[];
  const leadInfo = ws.prepare(`SELECT l.first_seen, r.data_end FROM leads l JOIN runs r USING (run_id) WHERE l.run_id = ? AND l.lead_id = ?`);
  const referrals = ws.prepare(`SELECT case_id, at FROM case_events WHERE kind = 'transition' AND to_state = 'referred' ORDER BY event_id`).all() as { case_id: number; at: string }[];
  const caseById = new Map(cases.map((c) => [c.case_id, c]));
  const leadDate = new Map<number, string>();
  for (const c of cases) {
    const region = regions.of(c, c.partner_id);
    const info = leadInfo.get(c.run_id, c.lead_id) as { first_seen: string; data_end: string | null } | undefined;
    const seen = info?.data_end ?? c.created_at;
    leadDate.set(c.case_id, seen);
    if (!keep(region)) continue;
    const cell = at(c.created_at.slice(0, 7), region);
    cell.cases_opened++;
    if (info?.first_seen) {
      const d = days(info.first_seen, seen);
      if (d >= 0) at(seen.slice(0, 7), region)._first.push(d);
    }
  }
  for (const r of referrals) {
    const c = caseById.get(r.case_id);
    if (!c) continue;
    const region = regions.of(c, c.partner_id);
    if (!keep(region)) continue;
    const cell = at(r.at.slice(0, 7), region);
    cell.leads_referred++;
    cell._referred.add(r.case_id);
  }
  for (const raid of raids(ws, run, regions)) {
    if (!keep(raid.region)) continue;
    const cell = at(raid.date.slice(0, 7), raid.region);
    cell.raids++;
    if (raid.result === 'confirmed') {
      cell.sites_found++;
      const kind = (SITE_KINDS as readonly string[]).includes(raid.site_kind ?? '') ? (raid.site_kind as (typeof SITE_KINDS)[number]) : 'unrecorded';
      cell.sites_by_kind[kind]++;
    }
    cell.arrests += raid.arrests ?? 0;
    cell.value_seized += raid.seized_value ?? 0;
    const seen = raid.case_id !== null ? leadDate.get(raid.case_id) : undefined;
    if (seen) {
      const d = days(seen, raid.date);
      if (d >= 0) cell._toRaid.push(d);
    }
  }
  // Conversion: of the cases referred in a month, those raided (raided or closed after a raid) by now.
  const raidedCases = new Set(cases.filter((c) => c.state === 'raided' || (c.state === 'closed' && c.outcome)).map((c) => c.case_id));
  const finish = (v: ReturnType<typeof emptyFigures>): OutcomeFigures => {
    const { _first, _toRaid, _referred, ...rest } = v;
    const raided = [..._referred].filter((id) => raidedCases.has(id)).length;
    return {
      ...rest,
      cases_referred: _referred.size,
      lead_to_raid_conversion: _referred.size > 0 ? raided / _referred.size : null,
      median_days_first_parcel_to_lead: median(_first),
      median_days_lead_to_raid: median(_toRaid),
    };
  };
  const merge = (into: ReturnType<typeof emptyFigures>, v: ReturnType<typeof emptyFigures>) => {
    for (const k of ['leads_referred', 'cases_opened', 'raids', 'sites_found', 'arrests', 'value_seized'] as const) into[k] += v[k];
    for (const k of Object.keys(into.sites_by_kind) as (keyof OutcomeFigures['sites_by_kind'])[]) into.sites_by_kind[k] += v.sites_by_kind[k];
    into._first.push(...v._first);
    into._toRaid.push(...v._toRaid);
    for (const id of v._referred) into._referred.add(id);
  };
  const byRegion = new Map<string, ReturnType<typeof emptyFigures>>();
  const all = emptyFigures('all', onlyRegion ?? 'all');
  for (const v of cells.values()) {
    if (!byRegion.has(v.region)) byRegion.set(v.region, emptyFigures('all', v.region));
    merge(byRegion.get(v.region)!, v);
    merge(all, v);
  }
  const rows = [...cells.values()].sort((a, b) => a.month.localeCompare(b.month) || a.region.localeCompare(b.region)).map(finish);
  const totals = [...byRegion.values()].sort((a, b) => a.region.localeCompare(b.region)).map(finish);
  const names = [...new Set([...regions.partners.map((p) => p.partner_id), OTHER_REGION])]
    .filter(keep)
    .map((region) => ({ region, name: region === OTHER_REGION ? 'outside every partner jurisdiction' : regions.name(region) }));
  return { rows, totals, all: finish(all), regions: names };
}

export interface DeterrenceLead {
  lead_id: string;
  lat: number | null;
  lng: number | null;
  distance_m: number;
  parcels_per_day_before: number;
  parcels_per_day_after: number;
  paused_days: number;
  status_after: string;
}

export interface RaidDeterrence {
  outcome_id: string;
  source: Raid['source'] | 'run';
  case_id: number | null;
  date: string | null;
  lat: number | null;
  lng: number | null;
  result: string | null;
  region: string;
  leads_watched: number;
  parcels_per_day_before: number;
  parcels_per_day_after: number;
  /** 1 - after/before over the watched leads together (null when they shipped nothing before). */
  dip: number | null;
  status_after: Record<'continued' | 'paused' | 'stopped' | 'moved', number>;
  median_paused_days: number | null;
  /** Programme factories within 10 km enrolled in the 180 days after the raid (the legal way growing where fakes were stopped). */
  enrolments_after: number;
  /** Lead-level rows (only for the roles that may see leads). */
  leads?: DeterrenceLead[];
  /** The watched leads' parcels per day, summed, from 28 days before to 28 after (from the run's lead details; empty without them). */
  activity: { day: number; parcels: number }[];
}

/** Deterrence per raid (from the latest run's deterrence.csv) and per region and month. */
export function deterrence(ws: Workspace, opts: { withLeads: boolean; region?: string; outcomeId?: string }): {
  run_id: number | null;
  raids: RaidDeterrence[];
  by_region: { region: string; month: string; raids: number; leads_watched: number; parcels_per_day_before: number; parcels_per_day_after: number; dip: number | null; stopped: number; moved: number; paused: number; continued: number }[];
} {
  const run = latestRun(ws);
  if (!run) return { run_id: null, raids: [], by_region: [] };
  const regions = new Regions(ws);
  const known = new Map(raids(ws, run, regions).map((r) => [r.outcome_id, r]));
  const rows = ws.prepare(`
    SELECT d.outcome_id, d.lead_id, d.distance_m, d.per_day_before, d.per_day_after, d.paused_days, d.status_after, l.lat, l.lng, ld.detail
    FROM impact_deterrence d LEFT JOIN leads l ON l.run_id = d.run_id AND l.lead_id = d.lead_id
    LEFT JOIN lead_details ld ON ld.run_id = d.run_id AND ld.lead_id = d.lead_id
    WHERE d.run_id = ? ORDER BY d.outcome_id, d.distance_m, d.lead_id`).all(run.run_id) as {
    outcome_id: string; lead_id: string; distance_m: number; per_day_before: number; per_day_after: number; paused_days: number; status_after: string;
    lat: number | null; lng: number | null; detail: string | null;
  }[];
  const factories = ws.prepare(`SELECT lat, lng, enrolled_at FROM run_factories WHERE run_id = ? AND enrolled_at IS NOT NULL AND lat IS NOT NULL`).all(run.run_id) as { lat: number; lng: number; enrolled_at: string }[];
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    if (opts.outcomeId && r.outcome_id !== opts.outcomeId) continue;
    let g = groups.get(r.outcome_id);
    if (!g) groups.set(r.outcome_id, (g = []));
    g.push(r);
  }
  const out: RaidDeterrence[] = [];
  for (const [outcomeId, g] of groups) {
    const raid = known.get(outcomeId);
    // A raid the workspace does not know (not in the run's outcomes): placed at its watched leads' centre, region from there.
    const lat = raid?.lat ?? mean(g.map((r) => r.lat));
    const lng = raid?.lng ?? mean(g.map((r) => r.lng));
    const region = raid?.region ?? (lat !== null && lng !== null ? regions.of({ lat, lng }) : OTHER_REGION);
    if (opts.region && region !== opts.region) continue;
    const before = g.reduce((s, r) => s + r.per_day_before, 0);
    const after = g.reduce((s, r) => s + r.per_day_after, 0);
    const status = { continued: 0, paused: 0, stopped: 0, moved: 0 };
    for (const r of g) status[r.status_after as keyof typeof status]++;
    const activity: { day: number; parcels: number }[] = [];
    if (raid?.date) {
      const byDay = new Map<number, number>();
      for (let d = -WINDOW_DAYS; d <= WINDOW_DAYS; d++) byDay.set(d, 0);
      let any = false;
      for (const r of g) {
        for (const p of r.detail ? parseJson<{ parcels_by_day: { date: string; parcels: number }[] }>(r.detail).parcels_by_day : []) {
          const d = days(raid.date, p.date);
          if (byDay.has(d)) {
            byDay.set(d, byDay.get(d)! + p.parcels);
            any = true;
          }
        }
      }
      if (any) for (const [day, parcels] of byDay) activity.push({ day, parcels });
    }
    const enrolments = raid?.date && lat !== null && lng !== null
      ? factories.filter((f) => f.enrolled_at > raid.date && f.enrolled_at <= addDays(raid.date, ENROL_DAYS) && metres(f, { lat, lng }) <= ENROL_RADIUS_M).length
      : 0;
    out.push({
      outcome_id: outcomeId,
      source: raid?.source ?? 'run',
      case_id: raid?.case_id ?? null,
      date: raid?.date ?? null,
      lat, lng,
      result: raid?.result ?? null,
      region,
      leads_watched: g.length,
      parcels_per_day_before: round(before),
      parcels_per_day_after: round(after),
      dip: before > 0 ? round(1 - after / before) : null,
      status_after: status,
      median_paused_days: median(g.filter((r) => r.paused_days > 0).map((r) => r.paused_days)),
      enrolments_after: enrolments,
      ...(opts.withLeads
        ? { leads: g.map((r) => ({ lead_id: r.lead_id, lat: r.lat, lng: r.lng, distance_m: r.distance_m, parcels_per_day_before: r.per_day_before, parcels_per_day_after: r.per_day_after, paused_days: r.paused_days, status_after: r.status_after })) }
        : {}),
      activity,
    });
  }
  out.sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.outcome_id.localeCompare(b.outcome_id));
  const cells = new Map<string, { region: string; month: string; raids: number; leads_watched: number; before: number; after: number; stopped: number; moved: number; paused: number; continued: number }>();
  for (const r of out) {
    const month = r.date?.slice(0, 7) ?? 'unknown';
    const k = `${r.region}\u0000${month}`;
    let v = cells.get(k);
    if (!v) cells.set(k, (v = { region: r.region, month, raids: 0, leads_watched: 0, before: 0, after: 0, stopped: 0, moved: 0, paused: 0, continued: 0 }));
    v.raids++;
    v.leads_watched += r.leads_watched;
    v.before += r.parcels_per_day_before;
    v.after += r.parcels_per_day_after;
    for (const s of ['stopped', 'moved', 'paused', 'continued'] as const) v[s] += r.status_after[s];
  }
  const byRegion = [...cells.values()]
    .sort((a, b) => a.region.localeCompare(b.region) || a.month.localeCompare(b.month))
    .map(({ before, after, ...v }) => ({ ...v, parcels_per_day_before: round(before), parcels_per_day_after: round(after), dip: before > 0 ? round(1 - after / before) : null }));
  return { run_id: run.run_id, raids: out, by_region: byRegion };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
function mean(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
}

export interface Resurfacing {
  run_id: number;
  from_lead_id: string;
  to_lead_id: string;
  network_id: string | null;
  quiet_from: string;
  resumed_at: string;
  distance_m: number;
  evidence: string;
  case_id: number | null;
  from: { lat: number; lng: number } | null;
  to: { lat: number; lng: number } | null;
}

/** The latest run's resurfacings, with both sites' places and the case flagged; `caseWhere` limits them (a police liaison's cases). */
export function resurfacings(ws: Workspace, caseWhere?: { where: string; params: unknown[] }): Resurfacing[] {
  const run = latestRun(ws);
  if (!run) return [];
  const rows = ws.prepare(`
    SELECT r.run_id, r.from_lead_id, r.to_lead_id, r.network_id, r.quiet_from, r.resumed_at, r.distance_m, r.evidence, r.case_id,
      f.lat AS f_lat, f.lng AS f_lng, t.lat AS t_lat, t.lng AS t_lng
    FROM impact_resurfacings r
    LEFT JOIN leads f ON f.run_id = r.run_id AND f.lead_id = r.from_lead_id
    LEFT JOIN leads t ON t.run_id = r.run_id AND t.lead_id = r.to_lead_id
    ${caseWhere ? `JOIN cases c ON c.case_id = r.case_id AND ${caseWhere.where}` : ''}
    WHERE r.run_id = ? ORDER BY r.resumed_at, r.from_lead_id`).all(...(caseWhere?.params ?? []), run.run_id) as (Omit<Resurfacing, 'from' | 'to'> & { f_lat: number | null; f_lng: number | null; t_lat: number | null; t_lng: number | null })[];
  return rows.map(({ f_lat, f_lng, t_lat, t_lng, ...r }) => ({
    ...r,
    network_id: r.network_id || null,
    from: f_lat !== null && f_lng !== null ? { lat: f_lat, lng: f_lng } : null,
    to: t_lat !== null && t_lng !== null ? { lat: t_lat, lng: t_lng } : null,
  }));
}

export interface Programme {
  run_id: number | null;
  currency: string | null;
  headline: {
    belts: number;
    factories: number;
    factories_enrolled: number;
    categories: string[];
    /** Mean turnover per day over the last 28 days of turnover data. */
    daily_turnover: number | null;
    period: { from: string; to: string } | null;
    /** Turnover over the period against the same dates a year before; null when the data does not reach back that far. */
    growth: { turnover: number; year_before: number; growth: number | null } | null;
    total_turnover: number;
    orders: number;
  };
  belts: { belt_id: string; name: string; city: string | null; province: string | null; categories: string[]; lat: number | null; lng: number | null; factories: number; enrolled: number; turnover: number; daily_turnover: number | null }[];
  share_by_province: { province: string; turnover: number; share: number }[];
  /** Turnover by month, per belt and per category (for the charts). */
  by_belt: { month: string; belt_id: string; turnover: number }[];
  by_category: { month: string; category: string; turnover: number }[];
  enrolments_by_month: { month: string; enrolled: number }[];
}

/** The own-brand programme's figures from the latest run's turnover and programme tables: aggregates only. */
export function programme(ws: Workspace): Programme {
  const run = latestRun(ws);
  const empty: Programme = {
    run_id: run?.run_id ?? null, currency: run?.currency ?? null,
    headline: { belts: 0, factories: 0, factories_enrolled: 0, categories: [], daily_turnover: null, period: null, growth: null, total_turnover: 0, orders: 0 },
    belts: [], share_by_province: [], by_belt: [], by_category: [], enrolments_by_month: [],
  };
  if (!run) return empty;
  const id = run.run_id;
  const q = <T>(sql: string, ...p: unknown[]) => ws.prepare(sql).all(id, ...p) as T[];
  const beltRows = q<{ belt_id: string; name: string; city: string | null; province: string | null; categories: string; lat: number | null; lng: number | null }>(
    `SELECT belt_id, name, city, province, categories, lat, lng FROM run_belts WHERE run_id = ? ORDER BY belt_id`);
  const span = ws.prepare(`SELECT min(date) AS lo, max(date) AS hi, coalesce(sum(turnover), 0) AS t, coalesce(sum(orders), 0) AS o FROM impact_turnover WHERE run_id = ?`).get(id) as { lo: string | null; hi: string | null; t: number; o: number };
  const factories = q<{ belt_id: string; n: number; enrolled: number }>(
    `SELECT belt_id, count(*) AS n, count(enrolled_at) AS enrolled FROM run_factories WHERE run_id = ? GROUP BY belt_id`);
  const turnoverByBelt = ws.prepare(
    `SELECT belt_id, sum(turnover) AS t, sum(CASE WHEN date > ? THEN turnover ELSE 0 END) AS recent FROM impact_turnover WHERE run_id = ? GROUP BY belt_id`,
  ).all(span.hi ? addDays(span.hi, -WINDOW_DAYS) : '9999', id) as { belt_id: string; t: number; recent: number }[];
  const periodDays = span.lo && span.hi ? Math.min(WINDOW_DAYS, days(span.lo, span.hi) + 1) : 0;
  const fBy = new Map(factories.map((f) => [f.belt_id, f]));
  const tBy = new Map(turnoverByBelt.map((t) => [t.belt_id, t]));
  const beltIds = [...new Set([...beltRows.map((b) => b.belt_id), ...turnoverByBelt.map((t) => t.belt_id)])].sort();
  const belts = beltIds.map((bid) => {
    const b = beltRows.find((x) => x.belt_id === bid);
    return {
      belt_id: bid, name: b?.name ?? bid, city: b?.city ?? null, province: b?.province ?? null,
      categories: b?.categories ? b.categories.split(';').filter(Boolean) : [], lat: b?.lat ?? null, lng: b?.lng ?? null,
      factories: fBy.get(bid)?.n ?? 0, enrolled: fBy.get(bid)?.enrolled ?? 0,
      turnover: round(tBy.get(bid)?.t ?? 0), daily_turnover: periodDays > 0 ? round((tBy.get(bid)?.recent ?? 0) / periodDays) : null,
    };
  });
  const provinces = new Map<string, number>();
  for (const b of belts) provinces.set(b.province ?? 'unknown', (provinces.get(b.province ?? 'unknown') ?? 0) + b.turnover);
  const share = [...provinces].map(([province, t]) => ({ province, turnover: round(t), share: span.t > 0 ? round(t / span.t) : 0 })).sort((a, b) => b.turnover - a.turnover || a.province.localeCompare(b.province));
  const sumBetween = (lo: string, hi: string) =>
    (ws.prepare(`SELECT coalesce(sum(turnover), 0) AS t FROM impact_turnover WHERE run_id = ? AND date > ? AND date <= ?`).get(id, lo, hi) as { t: number }).t;
  let growth: Programme['headline']['growth'] = null;
  let period: Programme['headline']['period'] = null;
  let daily: number | null = null;
  if (span.lo && span.hi) {
    const from = addDays(span.hi, -WINDOW_DAYS);
    period = { from: addDays(from, 1) < span.lo ? span.lo : addDays(from, 1), to: span.hi };
    const recent = sumBetween(from, span.hi);
    daily = round(recent / periodDays);
    // The same dates a year before, only when the data covers all of them.
    const yFrom = addDays(from, -365);
    const yTo = addDays(span.hi, -365);
    if (span.lo <= addDays(yFrom, 1)) {
      const before = sumBetween(yFrom, yTo);
      growth = { turnover: round(recent), year_before: round(before), growth: before > 0 ? round(recent / before - 1) : null };
    }
  }
  const categories = [...new Set([
    ...(q<{ category: string }>(`SELECT DISTINCT category FROM impact_turnover WHERE run_id = ? AND category <> ''`).map((r) => r.category)),
    ...belts.flatMap((b) => b.categories),
  ])].sort();
  const totalFactories = factories.reduce((s, f) => s + f.n, 0);
  return {
    run_id: id,
    currency: run.currency,
    headline: {
      belts: belts.length, factories: totalFactories, factories_enrolled: factories.reduce((s, f) => s + f.enrolled, 0), categories,
      daily_turnover: daily, period, growth, total_turnover: round(span.t), orders: span.o,
    },
    belts,
    share_by_province: share,
    by_belt: q<{ month: string; belt_id: string; turnover: number }>(
      `SELECT substr(date, 1, 7) AS month, belt_id, round(sum(turnover), 2) AS turnover FROM impact_turnover WHERE run_id = ? GROUP BY 1, 2 ORDER BY 1, 2`),
    by_category: q<{ month: string; category: string; turnover: number }>(
      `SELECT substr(date, 1, 7) AS month, CASE WHEN category = '' THEN 'unknown' ELSE category END AS category, round(sum(turnover), 2) AS turnover
       FROM impact_turnover WHERE run_id = ? GROUP BY 1, 2 ORDER BY 1, 2`),
    enrolments_by_month: q<{ month: string; enrolled: number }>(
      `SELECT substr(enrolled_at, 1, 7) AS month, count(*) AS enrolled FROM run_factories WHERE run_id = ? AND enrolled_at IS NOT NULL GROUP BY 1 ORDER BY 1`),
  };
}

export interface Candidate {
  rank: number;
  seller_id: string;
  factory_id: string | null;
  factory_name: string | null;
  belt_id: string | null;
  belt_name: string | null;
  score: number;
  evidence: string[];
}

/** The latest run's candidates to invite, ranked, paged; `belt` filters by the factory's belt. */
export function candidates(ws: Workspace, q: { limit: number; offset: number; belt?: string }): { items: Candidate[]; total: number } {
  const run = latestRun(ws);
  if (!run) return { items: [], total: 0 };
  const where = ['c.run_id = ?'];
  const params: unknown[] = [run.run_id];
  if (q.belt) {
    where.push('f.belt_id = ?');
    params.push(q.belt);
  }
  const from = `FROM impact_candidates c LEFT JOIN run_factories f ON f.run_id = c.run_id AND f.factory_id = c.factory_id
    LEFT JOIN run_belts b ON b.run_id = c.run_id AND b.belt_id = f.belt_id WHERE ${where.join(' AND ')}`;
  const total = (ws.prepare(`SELECT count(*) AS n ${from}`).get(...params) as { n: number }).n;
  const rows = ws.prepare(`SELECT c.rank, c.seller_id, c.factory_id, f.name AS factory_name, f.belt_id, b.name AS belt_name, c.score, c.evidence ${from} ORDER BY c.rank LIMIT ? OFFSET ?`)
    .all(...params, q.limit, q.offset) as (Omit<Candidate, 'evidence'> & { evidence: string })[];
  return { items: rows.map((r) => ({ ...r, evidence: splitEvidence(r.evidence) })), total };
}

/** Evidence cells: `;`-separated reasons (the dataset contract's list convention). */
const splitEvidence = (s: string) => s.split(';').map((x) => x.trim()).filter(Boolean);

export interface CapacityAtRisk {
  factory_id: string;
  factory_name: string | null;
  belt_id: string | null;
  capacity_per_month: number | null;
  enrolled_at: string | null;
  oem_brands: string[];
  links: { link: string; seller_id: string | null; lead_id: string | null; network_id: string | null; evidence: string[] }[];
  source: 'run' | 'workspace';
}

/** Premises this close to a lead's site link the factory to it. */
const PREMISES_M = 300;

/**
 * OEM factories whose accounts or premises link to leads: the run's
 * capacity_at_risk.csv when it wrote one; else worked out here from the
 * latest run's leads (a factory account among a lead's sellers; premises
 * within the lead's radius or 300 m of it).
 */
export function capacityAtRisk(ws: Workspace): { source: 'run' | 'workspace' | null; items: CapacityAtRisk[] } {
  const run = latestRun(ws);
  if (!run) return { source: null, items: [] };
  const factories = ws.prepare(`SELECT * FROM run_factories WHERE run_id = ? ORDER BY factory_id`).all(run.run_id) as {
    factory_id: string; belt_id: string; name: string | null; oem_brands: string; capacity_per_month: number | null; lat: number | null; lng: number | null; enrolled_at: string | null; seller_ids: string;
  }[];
  const fBy = new Map(factories.map((f) => [f.factory_id, f]));
  const byFactory = new Map<string, CapacityAtRisk>();
  const entry = (id: string, source: CapacityAtRisk['source']) => {
    let e = byFactory.get(id);
    if (!e) {
      const f = fBy.get(id);
      byFactory.set(id, (e = {
        factory_id: id, factory_name: f?.name ?? null, belt_id: f?.belt_id ?? null, capacity_per_month: f?.capacity_per_month ?? null,
        enrolled_at: f?.enrolled_at ?? null, oem_brands: f?.oem_brands ? f.oem_brands.split(';').filter(Boolean) : [], links: [], source,
      }));
    }
    return e;
  };
  const filed = ws.prepare(`SELECT * FROM impact_capacity WHERE run_id = ? ORDER BY factory_id, link, seller_id, lead_id`).all(run.run_id) as {
    factory_id: string; seller_id: string; lead_id: string; network_id: string | null; link: string; evidence: string;
  }[];
  if (filed.length > 0) {
    for (const r of filed) entry(r.factory_id, 'run').links.push({ link: r.link, seller_id: r.seller_id || null, lead_id: r.lead_id || null, network_id: r.network_id, evidence: splitEvidence(r.evidence) });
    return { source: 'run', items: [...byFactory.values()] };
  }
  if (factories.length === 0) return { source: 'workspace', items: [] };
  const leads = ws.prepare(`SELECT lead_id, lat, lng, radius_m, seller_ids, network_ids FROM leads WHERE run_id = ?`).all(run.run_id) as {
    lead_id: string; lat: number; lng: number; radius_m: number; seller_ids: string; network_ids: string;
  }[];
  const leadsBySeller = new Map<string, string[]>();
  for (const l of leads) for (const s of parseJson<string[]>(l.seller_ids)) leadsBySeller.set(s, [...(leadsBySeller.get(s) ?? []), l.lead_id]);
  for (const f of factories) {
    for (const s of f.seller_ids.split(';').filter(Boolean)) {
      for (const leadId of leadsBySeller.get(s) ?? []) {
        entry(f.factory_id, 'workspace').links.push({ link: 'account', seller_id: s, lead_id: leadId, network_id: null, evidence: [`the factory's account ${s} ships from lead ${leadId}`] });
      }
    }
    if (f.lat === null || f.lng === null) continue;
    for (const l of leads) {
      const d = metres({ lat: f.lat, lng: f.lng }, l);
      if (d <= Math.max(l.radius_m, PREMISES_M)) {
        entry(f.factory_id, 'workspace').links.push({ link: 'premises', seller_id: null, lead_id: l.lead_id, network_id: null, evidence: [`the factory's premises lie ${Math.round(d)} m from lead ${l.lead_id}`] });
      }
    }
  }
  return { source: 'workspace', items: [...byFactory.values()] };
}

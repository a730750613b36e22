/**
 * Figures read off a registered run's impact/ files (and its database, for
 * the outcomes and belts it read): what `dragnet impact` prints and what the
 * API can serve. Pure functions over parsed rows, plus the readers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { Database } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import { haversineMeters } from '../geo.ts';
import { RESULT_FILES } from '../contract/results.ts';
import { IMPACT_DIR, IMPACT_FILES } from './stage.ts';
import { RAIDED_METERS, REGION_METERS } from './deterrence.ts';

const num = z.coerce.number();
const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? null : v));

export const DeterrenceCsv = z.object({
  outcome_id: z.string().min(1),
  lead_id: z.string().min(1),
  distance_m: num,
  parcels_per_day_before: num,
  parcels_per_day_after: num,
  paused_days: num,
  status_after: z.enum(['continued', 'paused', 'stopped', 'moved']),
});
export const ResurfacingCsv = z.object({
  from_lead_id: z.string().min(1),
  to_lead_id: z.string().min(1),
  network_id: z.string(),
  quiet_from: z.string(),
  resumed_at: z.string(),
  distance_m: num,
  evidence: z.string(),
});
export const CandidateCsv = z.object({ seller_id: z.string().min(1), factory_id: optional, score: num, evidence: z.string() });
export const TurnoverCsv = z.object({ belt_id: z.string().min(1), date: z.string(), category: z.string(), turnover: num, orders: num });
export const CapacityCsv = z.object({
  factory_id: z.string().min(1),
  seller_id: z.string(),
  lead_id: z.string(),
  network_id: z.string(),
  link: z.enum(['network', 'account', 'premises']),
  evidence: z.string(),
});

export interface ImpactFiles {
  deterrence: z.infer<typeof DeterrenceCsv>[];
  resurfacings: z.infer<typeof ResurfacingCsv>[];
  candidates: z.infer<typeof CandidateCsv>[];
  turnover: z.infer<typeof TurnoverCsv>[];
  /** Optional addition; empty when the run did not write it. */
  capacityAtRisk: z.infer<typeof CapacityCsv>[];
}

function readCsvFile<T>(path: string, schema: z.ZodType<T>, optionalFile = false): T[] {
  if (!existsSync(path)) {
    if (optionalFile) return [];
    throw new UserError(`file not found: ${path}`, 'file_missing');
  }
  const records = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  return records.map((r, i) => {
    const parsed = schema.safeParse(r);
    if (!parsed.success) throw new UserError(`${path} line ${i + 2}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`, 'file_invalid');
    return parsed.data;
  });
}

/** The impact/ files of a run's output folder; a clear error when the run wrote none. */
export function readImpactFiles(out: string): ImpactFiles {
  const dir = join(out, IMPACT_DIR);
  if (!existsSync(dir)) throw new UserError(`${out} has no ${IMPACT_DIR}/: its dataset had no outcomes or programme tables`, 'file_missing');
  const f = (k: keyof typeof IMPACT_FILES) => join(dir, IMPACT_FILES[k].file);
  return {
    deterrence: readCsvFile(f('deterrence'), DeterrenceCsv),
    resurfacings: readCsvFile(f('resurfacings'), ResurfacingCsv),
    candidates: readCsvFile(f('candidates'), CandidateCsv),
    turnover: readCsvFile(f('turnover'), TurnoverCsv),
    capacityAtRisk: readCsvFile(f('capacityAtRisk'), CapacityCsv, true),
  };
}

export interface Outcome {
  outcome_id: string;
  lat: number;
  lng: number;
  /** YYYY-MM-DD */
  date: string;
  result: string;
  seized_value: number | null;
  arrests: number | null;
  note: string | null;
}

export interface LeadBrief {
  lead_id: string;
  lat: number;
  lng: number;
  radius_m: number;
  first_seen: string;
}

export interface Belt {
  belt_id: string;
  name: string;
  province: string | null;
}

export interface FactoryBrief {
  factory_id: string;
  belt_id: string;
  lat: number | null;
  lng: number | null;
  /** YYYY-MM-DD, or null when not enrolled. */
  enrolled_at: string | null;
}

/** What the figures need besides impact/: the run's outcomes, belts and factories (from its database) and its leads. */
export interface RunContext {
  outcomes: Outcome[];
  belts: Belt[];
  factories: FactoryBrief[];
  leads: LeadBrief[];
}

/** Reads a run's outcomes and belts from its database (read-only) and its leads from leads.geojson. */
export async function readRunContext(out: string): Promise<RunContext> {
  const runPath = join(out, RESULT_FILES.run);
  if (!existsSync(runPath)) throw new UserError(`not an analysis output folder (no run.json): ${out}`, 'file_missing');
  const run = JSON.parse(readFileSync(runPath, 'utf8')) as { database?: string | null };
  const dbPath = run.database && run.database !== ':memory:' ? run.database : join(out, 'dragnet.duckdb');
  if (!existsSync(dbPath)) throw new UserError(`the run's database is gone (${dbPath}): rerun the analysis with a database file`, 'file_missing');
  const db = await Database.open(dbPath, { readOnly: true });
  try {
    const outcomes = await db.all<Outcome>(
      `SELECT outcome_id, lat, lng, strftime(date, '%Y-%m-%d') AS date, result, seized_value, arrests, note FROM outcomes ORDER BY date, outcome_id`,
    );
    const belts = await db.all<Belt>(`SELECT belt_id, name, province FROM belts ORDER BY belt_id`);
    const factories = await db.all<FactoryBrief>(
      `SELECT factory_id, belt_id, lat, lng, strftime(enrolled_at, '%Y-%m-%d') AS enrolled_at FROM factories ORDER BY factory_id`,
    );
    const geo = JSON.parse(readFileSync(join(out, RESULT_FILES.leads), 'utf8')) as {
      features: { geometry: { coordinates: [number, number] }; properties: { lead_id: string; radius_m: number; first_seen: string } }[];
    };
    const leads = geo.features.map((f) => ({
      lead_id: f.properties.lead_id,
      lng: f.geometry.coordinates[0],
      lat: f.geometry.coordinates[1],
      radius_m: f.properties.radius_m,
      first_seen: f.properties.first_seen,
    }));
    return { outcomes: outcomes.map((o) => ({ ...o, seized_value: nullableNumber(o.seized_value), arrests: nullableNumber(o.arrests) })), belts, factories, leads };
  } finally {
    db.close();
  }
}

const nullableNumber = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export interface RaidDeterrence {
  outcome_id: string;
  date: string | null;
  leads: number;
  perDayBefore: number;
  perDayAfter: number;
  /** Relative change of the region's parcels per day, after against before. */
  dip: number | null;
  continued: number;
  paused: number;
  stopped: number;
  moved: number;
  medianPausedDays: number | null;
}

/** One line per raid: its region's leads and how their activity changed. */
export function deterrenceByRaid(rows: ImpactFiles['deterrence'], outcomes: readonly Outcome[] = []): RaidDeterrence[] {
  const dates = new Map(outcomes.map((o) => [o.outcome_id, o.date]));
  const byRaid = new Map<string, ImpactFiles['deterrence']>();
  for (const r of rows) byRaid.set(r.outcome_id, [...(byRaid.get(r.outcome_id) ?? []), r]);
  return [...byRaid.entries()].map(([id, rs]) => {
    const before = rs.reduce((s, r) => s + r.parcels_per_day_before, 0);
    const after = rs.reduce((s, r) => s + r.parcels_per_day_after, 0);
    const paused = rs.filter((r) => r.paused_days > 0).map((r) => r.paused_days);
    const count = (st: string) => rs.filter((r) => r.status_after === st).length;
    return {
      outcome_id: id,
      date: dates.get(id) ?? null,
      leads: rs.length,
      perDayBefore: before,
      perDayAfter: after,
      dip: before > 0 ? (after - before) / before : null,
      continued: count('continued'),
      paused: count('paused'),
      stopped: count('stopped'),
      moved: count('moved'),
      medianPausedDays: paused.length > 0 ? median(paused) : null,
    };
  });
}

/** Days either side of a raid over which enrolments near it are counted (as the workspace's deterrence figures count them). */
export const ENROLMENT_WINDOW_DAYS = 180;
/** Months listed after a raid's month (and as many before it). */
export const ENROLMENT_MONTHS = 3;

export interface LegalWayAfterRaid {
  outcome_id: string;
  date: string;
  /** Programme factories within REGION_METERS of the raid, leaving out those flagged as capacity at risk. */
  factories: number;
  /** Of them, enrolled by the raid day. */
  enrolledBefore: number;
  /** Enrolments in the ENROLMENT_WINDOW_DAYS up to the raid day (included), and in as many days after it. */
  windowBefore: number;
  windowAfter: number;
  /** Enrolments per month, from ENROLMENT_MONTHS before the raid's month to as many after it. */
  byMonth: { month: string; enrolments: number }[];
}

/**
 * After each confirmed raid, the legitimate factories and enrolments in its
 * area (within REGION_METERS): whether the legal way grew where the fakes
 * were stopped. Factories flagged in capacity_at_risk.csv are not counted
 * as legitimate; factories without a point are left out.
 */
export function legalWayAfterRaids(ctx: Pick<RunContext, 'outcomes' | 'factories'>, atRisk: ReadonlySet<string> = new Set()): LegalWayAfterRaid[] {
  const monthShift = (month: string, k: number) => {
    const [y, m] = month.split('-').map(Number);
    const d = new Date(Date.UTC(y, m - 1 + k, 1));
    return d.toISOString().slice(0, 7);
  };
  return ctx.outcomes
    .filter((o) => o.result === 'confirmed')
    .map((o) => {
      const near = ctx.factories.filter(
        (f) => f.lat !== null && f.lng !== null && !atRisk.has(f.factory_id) && haversineMeters(o.lat, o.lng, f.lat, f.lng) <= REGION_METERS,
      );
      const enrolled = near.map((f) => f.enrolled_at).filter((d): d is string => d !== null);
      const gap = (d: string) => days(o.date, d);
      const month = o.date.slice(0, 7);
      return {
        outcome_id: o.outcome_id,
        date: o.date,
        factories: near.length,
        enrolledBefore: enrolled.filter((d) => d <= o.date).length,
        windowBefore: enrolled.filter((d) => gap(d) <= 0 && gap(d) >= -ENROLMENT_WINDOW_DAYS).length,
        windowAfter: enrolled.filter((d) => gap(d) > 0 && gap(d) <= ENROLMENT_WINDOW_DAYS).length,
        byMonth: Array.from({ length: 2 * ENROLMENT_MONTHS + 1 }, (_, k) => {
          const m = monthShift(month, k - ENROLMENT_MONTHS);
          return { month: m, enrolments: enrolled.filter((d) => d.startsWith(m)).length };
        }),
      };
    });
}

/** Kinds of site a raid found, read off its note (the contract has no column for it). */
export const SITE_KINDS = ['production', 'storage', 'shipping'] as const;
const KIND_WORDS: Record<(typeof SITE_KINDS)[number], RegExp> = {
  production: /production|factory|workshop|manufactur|生产|加工|作坊|工厂/i,
  storage: /storage|warehouse|stock|仓库|仓储|囤/i,
  shipping: /shipping|packing|dispatch|parcel|发货|打包|包装|快递/i,
};

export function siteKinds(note: string | null): (typeof SITE_KINDS)[number][] {
  return note === null ? [] : SITE_KINDS.filter((k) => KIND_WORDS[k].test(note));
}

/** A raid's region: a 0.1-degree cell (about 10 km), named by its south-west corner. */
export function regionOf(lat: number, lng: number): string {
  return `${(Math.floor(lat * 10) / 10).toFixed(1)},${(Math.floor(lng * 10) / 10).toFixed(1)}`;
}

export interface CaseDates {
  lead_id: string;
  opened: string;
  referred: string | null;
}

export interface OutcomeFigures {
  month: string;
  region: string;
  leads: number;
  checks: number;
  raids: number;
  sites: Record<(typeof SITE_KINDS)[number], number>;
  arrests: number;
  seized: number;
  /** Raids at a lead over leads first seen in the month and region. */
  conversion: number | null;
  /** Median days from a raided lead's first parcel to the raid. */
  firstParcelToRaidDays: number | null;
  /** With a workspace: cases opened and referred, median days from first parcel to the case and from the case to the raid. */
  casesOpened: number | null;
  casesReferred: number | null;
  firstParcelToLeadDays: number | null;
  leadToRaidDays: number | null;
}

const DAY = 86_400_000;
const days = (from: string, to: string) => Math.round((Date.parse(to.slice(0, 10)) - Date.parse(from.slice(0, 10))) / DAY);

/**
 * Enforcement figures by month and region, in the shape the industry
 * reports them. A raid "at a lead" lies within the lead's radius (at least
 * RAIDED_METERS) of it; `cases` (from a workspace) date the leads sent on.
 */
export function outcomeFigures(ctx: RunContext, cases: readonly CaseDates[] | null = null): OutcomeFigures[] {
  const cells = new Map<string, OutcomeFigures & { gaps: number[]; leadGaps: number[]; raidGaps: number[] }>();
  const cell = (month: string, region: string) => {
    const key = `${month}|${region}`;
    let c = cells.get(key);
    if (!c) {
      c = {
        month,
        region,
        leads: 0,
        checks: 0,
        raids: 0,
        sites: { production: 0, storage: 0, shipping: 0 },
        arrests: 0,
        seized: 0,
        conversion: null,
        firstParcelToRaidDays: null,
        casesOpened: cases ? 0 : null,
        casesReferred: cases ? 0 : null,
        firstParcelToLeadDays: null,
        leadToRaidDays: null,
        gaps: [],
        leadGaps: [],
        raidGaps: [],
      };
      cells.set(key, c);
    }
    return c;
  };
  const leadById = new Map(ctx.leads.map((l) => [l.lead_id, l]));
  for (const l of ctx.leads) cell(l.first_seen.slice(0, 7), regionOf(l.lat, l.lng)).leads++;
  const caseOf = new Map((cases ?? []).map((c) => [c.lead_id, c]));
  for (const c of cases ?? []) {
    const lead = leadById.get(c.lead_id);
    if (!lead) continue;
    const here = cell(c.opened.slice(0, 7), regionOf(lead.lat, lead.lng));
    here.casesOpened!++;
    here.leadGaps.push(days(lead.first_seen, c.opened));
    if (c.referred) cell(c.referred.slice(0, 7), regionOf(lead.lat, lead.lng)).casesReferred!++;
  }
  let raidsAtLeads = new Map<string, number>();
  for (const o of ctx.outcomes) {
    const c = cell(o.date.slice(0, 7), regionOf(o.lat, o.lng));
    c.checks++;
    if (o.result !== 'confirmed') continue;
    c.raids++;
    for (const k of siteKinds(o.note)) c.sites[k]++;
    c.arrests += o.arrests ?? 0;
    c.seized += o.seized_value ?? 0;
    const at = ctx.leads.find((l) => haversineMeters(o.lat, o.lng, l.lat, l.lng) <= Math.max(l.radius_m, RAIDED_METERS));
    if (at) {
      c.gaps.push(days(at.first_seen, o.date));
      const k = `${at.first_seen.slice(0, 7)}|${regionOf(at.lat, at.lng)}`;
      raidsAtLeads = raidsAtLeads.set(k, (raidsAtLeads.get(k) ?? 0) + 1);
      const opened = caseOf.get(at.lead_id)?.opened;
      if (opened) c.raidGaps.push(days(opened, o.date));
    }
  }
  return [...cells.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([key, { gaps, leadGaps, raidGaps, ...c }]) => ({
      ...c,
      conversion: c.leads > 0 ? (raidsAtLeads.get(key) ?? 0) / c.leads : null,
      firstParcelToRaidDays: gaps.length > 0 ? median(gaps) : null,
      firstParcelToLeadDays: leadGaps.length > 0 ? median(leadGaps) : null,
      leadToRaidDays: raidGaps.length > 0 ? median(raidGaps) : null,
    }));
}

/** Cases of a workspace with the date each was opened and first referred. */
export function workspaceCases(sql: { prepare(q: string): { all(): unknown[] } }): CaseDates[] {
  return sql
    .prepare(
      `SELECT c.lead_id, c.created_at AS opened,
         (SELECT min(e.at) FROM case_events e WHERE e.case_id = c.case_id AND e.to_state = 'referred') AS referred
       FROM cases c ORDER BY c.case_id`,
    )
    .all() as CaseDates[];
}

export interface ProgrammeHeadline {
  belts: number;
  enrolledBelts: number;
  categories: string[];
  from: string | null;
  to: string | null;
  total: number;
  orders: number;
  /** Mean turnover per day over the last 28 days of the data. */
  dailyTurnover: number | null;
  /** Share of the turnover by province (belts' province; 'unknown' where empty). */
  byProvince: { province: string; share: number }[];
  byBelt: { belt_id: string; name: string | null; turnover: number; orders: number; growth: number | null }[];
  /** Turnover of the last 28 days against the same 28 days a year before; null without data that far back. */
  growth: number | null;
}

/** The programme's headline figures from turnover.csv and the belts read. */
export function programmeHeadline(turnover: ImpactFiles['turnover'], belts: readonly Belt[] = []): ProgrammeHeadline {
  const dates = turnover.map((t) => t.date).sort();
  const from = dates[0] ?? null;
  const to = dates.at(-1) ?? null;
  const shift = (date: string, d: number) => new Date(Date.parse(date) + d * DAY).toISOString().slice(0, 10);
  const lastFrom = to ? shift(to, -27) : null;
  const sum = (rows: readonly { turnover: number }[]) => rows.reduce((s, r) => s + r.turnover, 0);
  const within = (rows: typeof turnover, a: string, b: string) => rows.filter((r) => r.date >= a && r.date <= b);
  const growthOf = (rows: typeof turnover) => {
    if (!to || !lastFrom || !from || from > shift(lastFrom, -365)) return null;
    const before = sum(within(rows, shift(lastFrom, -365), shift(to, -365)));
    return before > 0 ? sum(within(rows, lastFrom, to)) / before - 1 : null;
  };
  const total = sum(turnover);
  const beltOf = new Map(belts.map((b) => [b.belt_id, b]));
  const provinces = new Map<string, number>();
  for (const r of turnover) {
    const p = beltOf.get(r.belt_id)?.province ?? 'unknown';
    provinces.set(p, (provinces.get(p) ?? 0) + r.turnover);
  }
  const beltIds = [...new Set(turnover.map((t) => t.belt_id))].sort();
  return {
    belts: belts.length || beltIds.length,
    enrolledBelts: beltIds.length,
    categories: [...new Set(turnover.map((t) => t.category).filter((c) => c !== ''))].sort(),
    from,
    to,
    total,
    orders: turnover.reduce((s, r) => s + r.orders, 0),
    dailyTurnover: to && lastFrom ? sum(within(turnover, lastFrom, to)) / 28 : null,
    byProvince: [...provinces.entries()].map(([province, v]) => ({ province, share: total > 0 ? v / total : 0 })).sort((a, b) => b.share - a.share),
    byBelt: beltIds.map((id) => {
      const rows = turnover.filter((t) => t.belt_id === id);
      return { belt_id: id, name: beltOf.get(id)?.name ?? null, turnover: sum(rows), orders: rows.reduce((s, r) => s + r.orders, 0), growth: growthOf(rows) };
    }),
    growth: growthOf(turnover),
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Scores a run's impact/ files against the world's truth: resurfacings
 * linked to the right operation, candidates ranked against the true
 * candidates, and turnover against the true turnover. Each figure is null
 * where the run or the truth lacks what it needs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { IMPACT_DIR, IMPACT_FILES } from '../impact/stage.ts';
import { WINDOW_DAYS } from '../impact/deterrence.ts';
import { TRUTH_IMPACT_FILES } from '../world/impact-truth.ts';
import { averagePrecisionOfHits, matchLeadsToSites, type RankedLead, type TrueSite } from './metrics.ts';
import { readCsv } from './evaluate.ts';
import { median } from '../stats.ts';

/** A lead within this distance of a true site stands for it (as for the status figure). */
const MATCH_METERS = 500;

export interface ImpactMetrics {
  resurfacings: {
    /** Rows of resurfacings.csv. */
    found: number;
    /** Share of them whose two leads stand for two sites of one true operation. */
    linked: number | null;
    /** True moves (a site with a successor that shipped) whose old site a lead found, and share of them reported as a resurfacing to the right operation. */
    moves: number;
    recall: number | null;
  } | null;
  /**
   * deterrence.csv against truth/deterrence.csv: rows whose lead stands for
   * a site of an operation the truth lists for that raid; the share whose
   * status_after is what the operation did (observedReaction); the median error of paused_days
   * where both say paused (truth: resumed_at - quiet_from); and the median
   * error, over raids, of the region's dip (parcels per day after against
   * before, all leads of the row against all operations of the truth).
   */
  deterrence: { rows: number; matched: number; statusAccuracy: number | null; pauseErrorDays: number | null; dipError: number | null } | null;
  candidates: { ranked: number; relevant: number; ap: number | null } | null;
  /**
   * Factories flagged in capacity_at_risk.csv against the world's den
   * suppliers (those whose den shipped): precision (null when none flagged)
   * and recall (null when the world has none).
   */
  capacity: { flagged: number; relevant: number; precision: number | null; recall: number | null } | null;
  /** Error of the total, and the sum of the errors of each belt, date and category, both relative to the true total. */
  turnover: { truth: number; measured: number; error: number | null; cellError: number | null } | null;
}

const ResurfacingSchema = z.object({ from_lead_id: z.string().min(1), to_lead_id: z.string().min(1) });
const CandidateSchema = z.object({ seller_id: z.string().min(1), score: z.coerce.number() });
const TurnoverSchema = z.object({ belt_id: z.string(), date: z.string(), category: z.string().default(''), turnover: z.coerce.number() });
const DeterrenceSchema = z.object({
  outcome_id: z.string().min(1),
  lead_id: z.string().min(1),
  parcels_per_day_before: z.coerce.number(),
  parcels_per_day_after: z.coerce.number(),
  paused_days: z.coerce.number(),
  status_after: z.string(),
});
const TruthDeterrenceSchema = z.object({
  raid_date: z.string(),
  outcome_ids: z.string().default(''),
  network_id: z.string().min(1),
  reaction: z.string(),
  quiet_from: z.string(),
  resumed_at: z.string(),
  parcels_per_day_before: z.coerce.number(),
  parcels_per_day_after: z.coerce.number(),
  status_observed: z.string().default(''),
  quiet_days_observed: z.string().default(''),
});
const FactorySchema = z.object({ factory_id: z.string().min(1) });
const TruthSupplierSchema = z.object({ factory_id: z.string().min(1), site_id: z.string().min(1) });
const TruthCandidateSchema = z.object({ seller_id: z.string().min(1), parcels: z.coerce.number() });

export interface ImpactTruthSite extends TrueSite {
  network_id: string;
}

/** Impact figures of a run in `outDir`; null when the run wrote no impact/. */
export async function evaluateImpact(outDir: string, truthDir: string, leads: readonly RankedLead[], sites: readonly ImpactTruthSite[]): Promise<ImpactMetrics | null> {
  const dir = join(outDir, IMPACT_DIR);
  if (!existsSync(dir)) return null;
  const file = (key: keyof typeof IMPACT_FILES) => join(dir, IMPACT_FILES[key].file);
  const truth = (name: string) => join(truthDir, name);

  const siteOf = new Map<string, ImpactTruthSite>();
  for (const m of matchLeadsToSites(leads, sites, MATCH_METERS)) if (m.site) siteOf.set(m.lead.lead_id, m.site as ImpactTruthSite);

  let deterrence: ImpactMetrics['deterrence'] = null;
  if (existsSync(file('deterrence')) && existsSync(truth(TRUTH_IMPACT_FILES.deterrence))) {
    deterrence = scoreDeterrence(await readCsv(file('deterrence'), DeterrenceSchema), await readCsv(truth(TRUTH_IMPACT_FILES.deterrence), TruthDeterrenceSchema), siteOf);
  }

  let resurfacings: ImpactMetrics['resurfacings'] = null;
  if (existsSync(file('resurfacings'))) {
    const rows = await readCsv(file('resurfacings'), ResurfacingSchema);
    const right = (r: z.infer<typeof ResurfacingSchema>) => {
      const a = siteOf.get(r.from_lead_id);
      const b = siteOf.get(r.to_lead_id);
      return a !== undefined && b !== undefined && a.site_id !== b.site_id && a.network_id === b.network_id;
    };
    const moved = sites.filter((s) => s.status === 'moved' && s.successor_site_id !== null && [...siteOf.values()].includes(s));
    const reported = moved.filter((s) => rows.some((r) => siteOf.get(r.from_lead_id) === s && right(r)));
    resurfacings = {
      found: rows.length,
      linked: rows.length === 0 ? null : rows.filter(right).length / rows.length,
      moves: moved.length,
      recall: moved.length === 0 ? null : reported.length / moved.length,
    };
  }

  let candidates: ImpactMetrics['candidates'] = null;
  if (existsSync(file('candidates')) && existsSync(truth(TRUTH_IMPACT_FILES.candidates))) {
    const ranked = (await readCsv(file('candidates'), CandidateSchema)).sort((a, b) => b.score - a.score);
    // A candidate that never shipped leaves nothing to find.
    const relevant = new Set((await readCsv(truth(TRUTH_IMPACT_FILES.candidates), TruthCandidateSchema)).filter((c) => c.parcels > 0).map((c) => c.seller_id));
    candidates = { ranked: ranked.length, relevant: relevant.size, ap: averagePrecisionOfHits(ranked.map((c) => relevant.has(c.seller_id)), relevant.size) };
  }

  let capacity: ImpactMetrics['capacity'] = null;
  if (existsSync(file('capacityAtRisk')) && existsSync(truth(TRUTH_IMPACT_FILES.capacityAtRisk))) {
    const flagged = new Set((await readCsv(file('capacityAtRisk'), FactorySchema)).map((r) => r.factory_id));
    const shipped = new Set(sites.map((s) => s.site_id));
    const relevant = new Set((await readCsv(truth(TRUTH_IMPACT_FILES.capacityAtRisk), TruthSupplierSchema)).filter((r) => shipped.has(r.site_id)).map((r) => r.factory_id));
    const hits = [...flagged].filter((f) => relevant.has(f)).length;
    capacity = {
      flagged: flagged.size,
      relevant: relevant.size,
      precision: flagged.size === 0 ? null : hits / flagged.size,
      recall: relevant.size === 0 ? null : hits / relevant.size,
    };
  }

  let turnover: ImpactMetrics['turnover'] = null;
  if (existsSync(file('turnover')) && existsSync(truth(TRUTH_IMPACT_FILES.turnover))) {
    const cells = new Map<string, number>();
    const add = (rows: z.infer<typeof TurnoverSchema>[], sign: number) => {
      let total = 0;
      for (const r of rows) {
        const key = `${r.belt_id}|${r.date}|${r.category}`;
        cells.set(key, (cells.get(key) ?? 0) + sign * r.turnover);
        total += r.turnover;
      }
      return total;
    };
    const t = add(await readCsv(truth(TRUTH_IMPACT_FILES.turnover), TurnoverSchema), 1);
    const m = add(await readCsv(file('turnover'), TurnoverSchema), -1);
    const l1 = [...cells.values()].reduce((s, v) => s + Math.abs(v), 0);
    turnover = { truth: round(t), measured: round(m), error: t === 0 ? null : Math.abs(m - t) / t, cellError: t === 0 ? null : l1 / t };
  }
  return { deterrence, resurfacings, candidates, capacity, turnover };
}

const DAY_MS = 86_400_000;

/** Scores deterrence rows against the truth's (see ImpactMetrics.deterrence); `siteOf` maps a lead to the true site it stands for. */
export function scoreDeterrence(
  rows: readonly z.infer<typeof DeterrenceSchema>[],
  truthRows: readonly z.infer<typeof TruthDeterrenceSchema>[],
  siteOf: ReadonlyMap<string, { network_id: string }>,
): ImpactMetrics['deterrence'] {
  const truthOf = new Map<string, z.infer<typeof TruthDeterrenceSchema>[]>();
  for (const t of truthRows) for (const id of t.outcome_ids.split(';').filter(Boolean)) truthOf.set(id, [...(truthOf.get(id) ?? []), t]);
  let matched = 0;
  let right = 0;
  const pauseErrors: number[] = [];
  for (const r of rows) {
    const network = siteOf.get(r.lead_id)?.network_id;
    const t = network === undefined ? undefined : truthOf.get(r.outcome_id)?.find((x) => x.network_id === network);
    if (!t) continue;
    matched++;
    // The schedule's own account where the truth has it (holiday pauses included), else the reactions'.
    const observed = t.status_observed !== '' ? { reaction: t.status_observed, row: null } : observedReaction(t, truthRows);
    if (r.status_after === observed.reaction) right++;
    if (r.status_after === 'paused' && observed.reaction === 'paused') {
      const truthDays = observed.row
        ? Math.round((Date.parse(observed.row.resumed_at) - Date.parse(observed.row.quiet_from)) / DAY_MS)
        : Number(t.quiet_days_observed);
      pauseErrors.push(Math.abs(r.paused_days - truthDays));
    }
  }
  const dip = (before: number, after: number) => (before > 0 ? after / before - 1 : null);
  const dipErrors: number[] = [];
  for (const [outcome, ts] of truthOf) {
    const rs = rows.filter((r) => r.outcome_id === outcome);
    const measured = dip(sum(rs.map((r) => r.parcels_per_day_before)), sum(rs.map((r) => r.parcels_per_day_after)));
    const real = dip(sum(ts.map((t) => t.parcels_per_day_before)), sum(ts.map((t) => t.parcels_per_day_after)));
    if (measured !== null && real !== null) dipErrors.push(Math.abs(measured - real));
  }
  return {
    rows: rows.length,
    matched,
    statusAccuracy: matched === 0 ? null : right / matched,
    pauseErrorDays: pauseErrors.length === 0 ? null : median(pauseErrors),
    dipError: dipErrors.length === 0 ? null : median(dipErrors),
  };
}

type TruthDeterrence = z.infer<typeof TruthDeterrenceSchema>;

/**
 * What an operation did in the 28 days after a raid, as the truth has it:
 * the reaction it drew to this raid or to any other (it reacts once, to the
 * first raid that reaches it) whose quiet spell began within those days,
 * else `continued`. A pause that outlasts the data is `stopped`, as the
 * data cannot tell the two apart.
 */
export function observedReaction(t: TruthDeterrence, all: readonly TruthDeterrence[]): { reaction: string; row: TruthDeterrence | null } {
  const from = Date.parse(t.raid_date);
  const reacted = all.find((x) => {
    if (x.network_id !== t.network_id || x.reaction === 'continued' || x.quiet_from === '') return false;
    const q = Date.parse(x.quiet_from);
    return q > from && q <= from + WINDOW_DAYS * DAY_MS;
  });
  if (!reacted) return { reaction: 'continued', row: null };
  return { reaction: reacted.reaction === 'paused' && reacted.resumed_at === '' ? 'stopped' : reacted.reaction, row: reacted };
}

const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);


const round = (v: number) => Math.round(v * 100) / 100;

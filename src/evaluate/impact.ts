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
import { TRUTH_IMPACT_FILES } from '../world/impact-truth.ts';
import { averagePrecisionOfHits, matchLeadsToSites, type RankedLead, type TrueSite } from './metrics.ts';
import { readCsv } from './evaluate.ts';

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
  candidates: { ranked: number; relevant: number; ap: number | null } | null;
  /** Error of the total, and the sum of the errors of each belt, date and category, both relative to the true total. */
  turnover: { truth: number; measured: number; error: number | null; cellError: number | null } | null;
}

const ResurfacingSchema = z.object({ from_lead_id: z.string().min(1), to_lead_id: z.string().min(1) });
const CandidateSchema = z.object({ seller_id: z.string().min(1), score: z.coerce.number() });
const TurnoverSchema = z.object({ belt_id: z.string(), date: z.string(), category: z.string().default(''), turnover: z.coerce.number() });
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

  let resurfacings: ImpactMetrics['resurfacings'] = null;
  if (existsSync(file('resurfacings'))) {
    const rows = await readCsv(file('resurfacings'), ResurfacingSchema);
    const siteOf = new Map<string, ImpactTruthSite>();
    for (const m of matchLeadsToSites(leads, sites, MATCH_METERS)) if (m.site) siteOf.set(m.lead.lead_id, m.site as ImpactTruthSite);
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
  return { resurfacings, candidates, turnover };
}

const round = (v: number) => Math.round(v * 100) / 100;

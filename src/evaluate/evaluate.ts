/**
 * Scores one analysis run (an OUT folder, shared/contract/RESULTS.md) against
 * the ground truth a world generator wrote (DATASET/truth/), and prints the
 * result as a table that lines up beside other runs or a baseline.
 */
import { evaluateImpact, type ImpactMetrics } from './impact.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { LeadCollectionSchema, RESULT_FILES } from '../contract/results.ts';
import { TruthListingSchema, TruthSellerSchema, TruthSiteSchema, type TruthSite } from '../contract/truth.ts';
import { UserError } from '../errors.ts';
import {
  auroc,
  averagePrecision,
  leadAveragePrecision,
  locationAccuracy,
  pairwiseF1,
  reliability,
  siteRecall,
  statusAccuracy,
  type RankedLead,
  type ReliabilityBin,
  type TrueSite,
} from './metrics.ts';

/** A den that drops its parcels at a public station is found by a lead within this distance (issue 9: "counting station drops at 500 m"). */
export const STATION_MATCH_M = 500;

/** Ground-truth file names inside DATASET/truth/. */
export const TRUTH_FILES = { sites: 'sites.csv', sellers: 'sellers.csv', listings: 'listings.csv' } as const;

/** How well one kind of score (seller or listing) separates counterfeit from legitimate. */
export interface ScoreMetrics {
  auroc: number | null;
  ap: number | null;
  /** Ids both scored and in the truth: what the metrics are computed over. */
  scored: number;
  /** Ids in the truth that the run did not score. */
  missing: number;
  /** Ids the run scored that the truth does not know. */
  unknown: number;
}

/** Everything `dragnet evaluate` measures about one run; null means undefined for this data. */
export interface EvaluationReport {
  leads: number;
  sites: {
    n: number;
    recall250: number | null;
    recall500: number | null;
    leadAP: number | null;
    medianErrorM: number | null;
    insideRadius: number | null;
  };
  sellers: ScoreMetrics;
  listings: ScoreMetrics;
  networks: { precision: number; recall: number; f1: number; sellers: number };
  status: { accuracy: number | null; matched: number };
  /** Figures of impact/, where the run wrote it (evaluate/impact.ts). */
  impact: ImpactMetrics | null;
  /** Lead scores read as probabilities: per score bin, the share of leads that found a true site (metrics.ts). */
  reliability: ReliabilityBin[];
}

const SellerScoreSchema = z.object({ seller_id: z.string().min(1), score: z.coerce.number(), network_id: z.string().min(1) });
const ListingScoreSchema = z.object({ listing_id: z.string().min(1), score: z.coerce.number() });

/** The truth's sites as the metrics take them: a station drop is found within STATION_MATCH_M. */
export function trueSites(truth: readonly TruthSite[]): TrueSite[] {
  return truth.map((s) => ({
    site_id: s.site_id,
    lat: s.lat,
    lng: s.lng,
    status: s.status,
    successor_site_id: s.successor_site_id,
    ...(s.pickup_mode === 'station' ? { minMatchM: STATION_MATCH_M } : {}),
  }));
}

/** Reads a run's outputs and the truth, and computes every metric. Throws UserError naming any missing or malformed file. */
export async function evaluateRun(outDir: string, truthDir: string): Promise<EvaluationReport> {
  const [leadCollection, sellerScores, listingScores, truthSites, truthSellers, truthListings] = await Promise.all([
    readJson(join(outDir, RESULT_FILES.leads), LeadCollectionSchema),
    readCsv(join(outDir, RESULT_FILES.sellerScores), SellerScoreSchema),
    readCsv(join(outDir, RESULT_FILES.listingScores), ListingScoreSchema),
    readCsv(join(truthDir, TRUTH_FILES.sites), TruthSiteSchema),
    readCsv(join(truthDir, TRUTH_FILES.sellers), TruthSellerSchema),
    readCsv(join(truthDir, TRUTH_FILES.listings), TruthListingSchema),
  ]);

  const leads: Array<RankedLead & { score: number }> = leadCollection.features.map((f) => ({
    lead_id: f.properties.lead_id,
    rank: f.properties.rank,
    score: f.properties.score,
    // GeoJSON order is [lng, lat].
    lng: f.geometry.coordinates[0],
    lat: f.geometry.coordinates[1],
    radius_m: f.properties.radius_m,
    status: f.properties.status,
    successor_lead_id: f.properties.successor_lead_id,
  }));
  const sites = trueSites(truthSites);
  const location = locationAccuracy(leads, sites, 500);
  const status = statusAccuracy(leads, sites, 500);

  const sellerTruth = new Map(truthSellers.map((s) => [s.seller_id, s]));
  const predictedNetworks = new Map(sellerScores.map((s) => [s.seller_id, s.network_id]));
  const networks = pairwiseF1(predictedNetworks, new Map(truthSellers.map((s) => [s.seller_id, s.network_id])));

  return {
    leads: leads.length,
    sites: {
      n: sites.length,
      recall250: siteRecall(leads, sites, 250),
      recall500: siteRecall(leads, sites, 500),
      leadAP: leadAveragePrecision(leads, sites, 250),
      medianErrorM: location.medianErrorM,
      insideRadius: location.insideRadius,
    },
    sellers: scoreMetrics(
      sellerScores.map((s) => [s.seller_id, s.score] as const),
      new Map([...sellerTruth].map(([id, s]) => [id, s.is_counterfeit])),
    ),
    listings: scoreMetrics(
      listingScores.map((l) => [l.listing_id, l.score] as const),
      new Map(truthListings.map((l) => [l.listing_id, l.is_counterfeit])),
    ),
    networks: { precision: networks.precision, recall: networks.recall, f1: networks.f1, sellers: networks.items },
    status: { accuracy: status.accuracy, matched: status.matched },
    reliability: reliability(leads, sites, 250),
    impact: await evaluateImpact(outDir, truthDir, leads, sites.map((x, i) => ({ ...x, network_id: truthSites[i].network_id }))),
  };
}

/** AUROC and AP over the ids both scored and labelled; the rest are counted, not guessed. */
function scoreMetrics(scored: ReadonlyArray<readonly [string, number]>, truth: ReadonlyMap<string, boolean>): ScoreMetrics {
  const scores: number[] = [];
  const labels: boolean[] = [];
  const seen = new Set<string>();
  let unknown = 0;
  for (const [id, score] of scored) {
    const label = truth.get(id);
    if (label === undefined) {
      unknown++;
      continue;
    }
    // A duplicated row would weigh one id twice; the first one wins.
    if (seen.has(id)) continue;
    seen.add(id);
    scores.push(score);
    labels.push(label);
  }
  return {
    auroc: auroc(scores, labels),
    ap: averagePrecision(scores, labels),
    scored: scores.length,
    missing: truth.size - seen.size,
    unknown,
  };
}

/** One printed row: a label and how to pull and format its value from a report. */
interface Row {
  label: string;
  value: (r: EvaluationReport) => string;
}

const fraction = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
const metres = (v: number | null) => (v === null ? 'n/a' : Math.round(v).toString());

const METRIC_ROWS: Row[] = [
  { label: 'sites (n)', value: (r) => String(r.sites.n) },
  { label: 'site recall @250m (top 2n; station drops @500m)', value: (r) => fraction(r.sites.recall250) },
  { label: 'site recall @500m (top 2n)', value: (r) => fraction(r.sites.recall500) },
  { label: 'lead AP', value: (r) => fraction(r.sites.leadAP) },
  { label: 'median error (m)', value: (r) => metres(r.sites.medianErrorM) },
  { label: 'inside radius_m', value: (r) => fraction(r.sites.insideRadius) },
  { label: 'seller AUROC', value: (r) => fraction(r.sellers.auroc) },
  { label: 'seller AP', value: (r) => fraction(r.sellers.ap) },
  { label: 'listing AUROC', value: (r) => fraction(r.listings.auroc) },
  { label: 'listing AP', value: (r) => fraction(r.listings.ap) },
  { label: 'network pairwise F1', value: (r) => fraction(r.networks.f1) },
  { label: 'status accuracy', value: (r) => fraction(r.status.accuracy) },
];

// Coverage rows come after a gap: they say whether the metrics above can be trusted, not how good the run is.
const COVERAGE_ROWS: Row[] = [
  { label: 'leads', value: (r) => String(r.leads) },
  { label: 'sellers scored / missing / unknown', value: (r) => `${r.sellers.scored}/${r.sellers.missing}/${r.sellers.unknown}` },
  { label: 'listings scored / missing / unknown', value: (r) => `${r.listings.scored}/${r.listings.missing}/${r.listings.unknown}` },
];

/** Formats several runs side by side: one row per metric, one column per run, right-aligned numbers. */
export function formatComparison(reports: ReadonlyArray<{ name: string; report: EvaluationReport }>): string {
  const header = ['metric', ...reports.map((r) => r.name)];
  const body = (rows: Row[]) => rows.map((row) => [row.label, ...reports.map((r) => row.value(r.report))]);
  const metricLines = body(METRIC_ROWS);
  const coverageLines = body(COVERAGE_ROWS);
  const all = [header, ...metricLines, ...coverageLines];
  const widths = header.map((_, c) => Math.max(...all.map((line) => line[c].length)));
  const render = (line: string[]) =>
    line
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(header), rule, ...metricLines.map(render), '', ...coverageLines.map(render)].join('\n') + '\n';
}

/** Formats one run as a table (a comparison with a single column named "run"). */
export function formatReport(report: EvaluationReport, name = 'run'): string {
  return formatComparison([{ name, report }]);
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${code ?? String(err)}`, 'file_missing');
  }
}

async function readJson<T>(path: string, schema: z.ZodType<T>): Promise<T> {
  const text = await readText(path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path} is not valid JSON: ${(err as Error).message}`, 'file_invalid');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${path} breaks the results contract: ${describeIssues(parsed.error)}`, 'file_invalid');
  return parsed.data;
}

export async function readCsv<T>(path: string, schema: z.ZodType<T>): Promise<T[]> {
  const text = await readText(path);
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new UserError(`${path} is not valid CSV: ${(err as Error).message}`, 'file_invalid');
  }
  const rows: T[] = [];
  for (let i = 0; i < records.length; i++) {
    const parsed = schema.safeParse(records[i]);
    // Line numbers count the header as line 1, as an editor would show them.
    if (!parsed.success) throw new UserError(`${path} line ${i + 2}: ${describeIssues(parsed.error)}`, 'file_invalid');
    rows.push(parsed.data);
  }
  return rows;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

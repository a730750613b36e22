/**
 * The evaluation suite: every named scenario over several seeds, Dragnet
 * beside two baselines computed in the same run (night hotspots; density
 * clusters of sellers flagged by price alone), summarised as medians per
 * scenario and over all runs.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { generateWorld } from '../world/generate.ts';
import { SCENARIOS } from '../world/scenarios.ts';
import { analyze, type Method } from '../pipeline.ts';
import type { Progress } from '../cli/progress.ts';
import { silentProgress } from '../cli/progress.ts';
import { evaluateRun, type EvaluationReport } from './evaluate.ts';
import { median } from '../stats.ts';
import { timeToDetection, type SiteDetection } from './detection.ts';
import { ALL_SIGNALS, Signals, type Signal } from '../stages/signals.ts';

export interface SuiteOptions {
  scenarios: readonly string[];
  seeds: readonly number[];
  pickups: number;
  /** Worlds and runs go here; each world is removed once scored unless `keep`. */
  workDir: string;
  keep?: boolean;
  /** Seeds per scenario (the first ones) on which time to detection is measured; 0 for none. */
  ttdSeeds?: number;
  /** Days between the reruns that measure time to detection. */
  ttdStepDays?: number;
  /**
   * Ablation: instead of the baselines, run Dragnet once more per listed
   * signal with that signal switched off.
   */
  ablate?: readonly Signal[];
  progress: Progress;
}

export interface SuiteRun {
  scenario: string;
  seed: number;
  method: Method;
  /** The method's label in the table: the method, or 'dragnet -signal' for an ablated run. */
  label: string;
  report: EvaluationReport;
  /** Days to detection of each true site (null: never in the top 2n), where measured (Dragnet only). */
  detection?: SiteDetection[];
}

const METHODS: readonly Method[] = ['dragnet', 'hotspot', 'price-dbscan'];

interface Variant {
  method: Method;
  label: string;
  signals: Signals;
}

/** Dragnet and the baselines; or, for an ablation, Dragnet whole and without each listed signal in turn. */
function variants(ablate: readonly Signal[] | undefined): Variant[] {
  if (!ablate) return METHODS.map((method) => ({ method, label: method, signals: ALL_SIGNALS }));
  return [
    { method: 'dragnet', label: 'dragnet', signals: ALL_SIGNALS },
    ...ablate.map((signal) => ({ method: 'dragnet' as const, label: `dragnet -${signal}`, signals: new Signals([signal]) })),
  ];
}

/** Generates, analyses and scores every (scenario, seed) with every method. */
export async function runSuite(options: SuiteOptions): Promise<SuiteRun[]> {
  const runs: SuiteRun[] = [];
  const total = options.scenarios.length * options.seeds.length;
  options.progress.step('suite', total);
  let done = 0;
  for (const name of options.scenarios) {
    const named = SCENARIOS[name];
    if (!named) throw new Error(`unknown scenario ${name}`);
    for (const seed of options.seeds) {
      const root = join(options.workDir, `${name}-${seed}`);
      const world = join(root, 'world');
      await generateWorld({ scenario: named.scenario, seed, pickups: options.pickups, out: world, format: 'csv', crs: named.crs }, silentProgress);
      for (const { method, label, signals } of variants(options.ablate)) {
        const out = join(root, label.replace(/\s+-/g, '-without-'));
        await analyze({ dataset: world, out, dbPath: ':memory:', method, signals, progress: silentProgress });
        const run: SuiteRun = { scenario: name, seed, method, label, report: await evaluateRun(out, join(world, 'truth')) };
        if (label === 'dragnet' && options.seeds.indexOf(seed) < (options.ttdSeeds ?? 0)) {
          run.detection = await timeToDetection(world, { stepDays: options.ttdStepDays });
        }
        runs.push(run);
      }
      if (!options.keep) rmSync(root, { recursive: true, force: true });
      options.progress.tick(++done);
    }
  }
  options.progress.done();
  return runs;
}

/**
 * Seeds of the `randomised` scenario on which the issue's acceptance figures
 * are read, chosen once and never tuned on; tune on seeds 1-50. See README
 * (evaluation suite).
 */
export const ACCEPTANCE_SEEDS: readonly number[] = Array.from({ length: 10 }, (_, i) => 101 + i);
export const TUNING_SEEDS: readonly [number, number] = [1, 50];

/**
 * Seeds from the command line: a count `n` (seeds 1..n), a range `a-b`, or a
 * comma-separated list (`101,105`); `acceptance` for ACCEPTANCE_SEEDS.
 */
export function parseSeeds(text: string): number[] {
  const t = text.trim();
  if (t === 'acceptance') return [...ACCEPTANCE_SEEDS];
  const bad = () => new Error(`seeds: expected a count, a range a-b, a list a,b,c or 'acceptance', not '${text}'`);
  const int = (x: string) => {
    if (!/^\d+$/.test(x.trim())) throw bad();
    return Number(x.trim());
  };
  if (t.includes(',')) return t.split(',').map(int);
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(t);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a) throw bad();
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  const n = int(t);
  if (n < 1) throw bad();
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** The figures the suite reports, each read off one run's report. */
const COLUMNS: ReadonlyArray<[string, (r: EvaluationReport) => number | null, number]> = [
  ['recall@250', (r) => r.sites.recall250, 3],
  ['recall@500', (r) => r.sites.recall500, 3],
  ['lead AP', (r) => r.sites.leadAP, 3],
  ['err m', (r) => r.sites.medianErrorM, 0],
  ['in radius', (r) => r.sites.insideRadius, 3],
  ['seller AP', (r) => r.sellers.ap, 3],
  ['listing AP', (r) => r.listings.ap, 3],
  ['net F1', (r) => r.networks.f1, 3],
  ['status', (r) => r.status.accuracy, 3],
];

/** Impact figures (evaluate/impact.ts), for the runs whose world has them. */
const IMPACT_COLUMNS: ReadonlyArray<[string, (r: EvaluationReport) => number | null, number]> = [
  ['status acc', (r) => r.impact?.deterrence?.statusAccuracy ?? null, 3],
  ['pause err d', (r) => r.impact?.deterrence?.pauseErrorDays ?? null, 1],
  ['dip err', (r) => r.impact?.deterrence?.dipError ?? null, 3],
  ['resurfacings', (r) => r.impact?.resurfacings?.found ?? null, 0],
  ['linked', (r) => r.impact?.resurfacings?.linked ?? null, 3],
  ['moves found', (r) => r.impact?.resurfacings?.recall ?? null, 3],
  ['candidate AP', (r) => r.impact?.candidates?.ap ?? null, 3],
  ['at-risk flagged', (r) => r.impact?.capacity?.flagged ?? null, 0],
  ['at-risk prec', (r) => r.impact?.capacity?.precision ?? null, 3],
  ['at-risk recall', (r) => r.impact?.capacity?.recall ?? null, 3],
  ['turnover err', (r) => r.impact?.turnover?.error ?? null, 4],
  ['cell err', (r) => r.impact?.turnover?.cellError ?? null, 4],
];

/**
 * Median days to detection over the sites where it was measured; a site never
 * found counts as the whole period (so misses cannot flatter the median).
 */
function detectionDays(runs: readonly SuiteRun[]): string {
  const sites = runs.flatMap((r) => r.detection ?? []);
  if (sites.length === 0) return '';
  const never = sites.filter((s) => s.days === null).length;
  const days = sites.map((s) => s.days ?? Number.POSITIVE_INFINITY);
  const m = median(days);
  return `${Number.isFinite(m) ? m.toFixed(0) : 'never'}${never ? ` (${never} never)` : ''}`;
}

/** One table: a row per scenario and method with the median of each figure over seeds, then the medians over all runs. */
export function formatSuite(runs: readonly SuiteRun[]): string {
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const rows: string[][] = [['scenario', 'method', ...COLUMNS.map(([label]) => label), 'TTD days']];
  const summarise = (subset: readonly SuiteRun[], columns = COLUMNS) =>
    columns.map(([, read, digits]) => {
      const values = subset.map((r) => read(r.report)).filter((v): v is number => v !== null);
      return values.length === 0 ? 'n/a' : median(values).toFixed(digits);
    });
  const labels = [...new Set(runs.map((r) => r.label))];
  for (const scenario of [...scenarios, 'ALL (median)']) {
    for (const label of labels) {
      const subset = runs.filter((r) => r.label === label && (scenario === 'ALL (median)' || r.scenario === scenario));
      if (subset.length > 0) rows.push([scenario, label, ...summarise(subset), detectionDays(subset)]);
    }
  }
  // Where there are several seeds, Dragnet's worst seed per scenario beside the medians (lowest figure; largest error).
  const seedCount = new Set(runs.map((r) => r.seed)).size;
  if (seedCount > 1) {
    for (const scenario of scenarios) {
      const subset = runs.filter((r) => r.label === 'dragnet' && r.scenario === scenario);
      if (subset.length < 2) continue;
      rows.push([
        `worst:${scenario}`,
        'dragnet',
        ...COLUMNS.map(([label, read, digits]) => {
          const values = subset.map((r) => read(r.report)).filter((v): v is number => v !== null);
          if (values.length === 0) return 'n/a';
          return (label === 'err m' ? Math.max(...values) : Math.min(...values)).toFixed(digits);
        }),
        '',
      ]);
    }
  }
  const seeds = new Set(runs.map((r) => r.seed)).size;
  const lines = [`${scenarios.length} scenarios x ${seeds} seeds; medians over seeds`, ...table(rows)];
  // Impact figures: Dragnet's runs whose world carries the programme's or the raids' truth.
  const impactRows: string[][] = [['scenario', 'method', ...IMPACT_COLUMNS.map(([label]) => label)]];
  for (const scenario of scenarios) {
    const subset = runs.filter((r) => r.label === 'dragnet' && r.scenario === scenario && r.report.impact);
    if (subset.length > 0) impactRows.push([scenario, 'dragnet', ...summarise(subset, IMPACT_COLUMNS)]);
  }
  if (impactRows.length > 1) lines.push('', 'impact (medians over seeds)', ...table(impactRows));
  lines.push('', "reliability of Dragnet's lead scores (all runs pooled; a hit is a lead on a distinct true site)", ...table(reliabilityRows(runs)));
  return lines.join('\n') + '\n';
}

/** Dragnet's lead scores binned over every run: leads, mean score and share of hits per bin. */
function reliabilityRows(runs: readonly SuiteRun[]): string[][] {
  const rows: string[][] = [['score', 'leads', 'mean score', 'found a site']];
  const pooled = runs.filter((r) => r.label === 'dragnet').flatMap((r) => r.report.reliability ?? []);
  for (const lo of [...new Set(pooled.map((b) => b.lo))].sort((a, b) => a - b)) {
    const bins = pooled.filter((b) => b.lo === lo);
    const leads = bins.reduce((n, b) => n + b.leads, 0);
    const hits = bins.reduce((n, b) => n + b.hits, 0);
    const scoreSum = bins.reduce((n, b) => n + (b.meanScore ?? 0) * b.leads, 0);
    const range = `${lo.toFixed(1)}-${(lo + 0.2).toFixed(1)}`;
    rows.push([range, String(leads), leads ? (scoreSum / leads).toFixed(3) : 'n/a', leads ? (hits / leads).toFixed(3) : 'n/a']);
  }
  return rows;
}

/** A text table: the first two columns left-aligned, the rest right-aligned, a rule under the header. */
function table(rows: readonly string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const render = (r: readonly string[]) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [render(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(render)];
}

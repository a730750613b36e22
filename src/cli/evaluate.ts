/** `dragnet evaluate OUT`: scores an analysis run against the dataset's ground truth. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { RESULT_FILES } from '../contract/results.ts';
import { UserError } from '../errors.ts';
import { evaluateRun, formatReport } from '../evaluate/evaluate.ts';
import { formatSuite, parseSeeds, runSuite } from '../evaluate/suite.ts';
import { SCENARIOS } from '../world/scenarios.ts';
import { createProgress } from './progress.ts';
import { SIGNALS, Signals, type Signal } from '../stages/signals.ts';

/** Registers the `evaluate` command on the program. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('Score a run (leads, seller and listing scores, networks, statuses) against ground truth')
    .argument('[out]', 'output folder of an analysis run (not with --suite)')
    .option('--truth <dir>', 'ground-truth folder (default: <dataset>/truth, with the dataset named in OUT/run.json)')
    .option('--json', 'print the report as JSON instead of a table')
    .option('--suite', 'run every named scenario over several seeds, Dragnet beside the hotspot and price-dbscan baselines')
    .option('--seeds <n>', "with --suite: seeds per scenario: a count n (seeds 1..n), a range a-b, a list a,b,c, or 'acceptance' (the randomised scenario's acceptance seeds, 101-110)", '5')
    .option('--pickups <n>', 'with --suite: pickups per world', '100000')
    .option('--scenarios <list>', `with --suite: comma-separated scenarios (default all: ${Object.keys(SCENARIOS).join(', ')})`)
    .option('--work <dir>', 'with --suite: where worlds and runs are written', 'out/suite')
    .option('--keep', 'with --suite: keep the worlds and runs')
    .option('--ttd-seeds <n>', 'with --suite: seeds per scenario on which to measure time to detection (reruns)', '1')
    .option('--ttd-step <days>', 'with --suite: days between time-to-detection reruns (1: daily, as a team would rerun it)', '1')
    .option('--ablation [signals]', `with --suite: instead of the baselines, Dragnet without each signal in turn (default all: ${Object.keys(SIGNALS).join(', ')})`)
    .action(async (out: string | undefined, options: EvaluateOptions) => {
      if (options.suite) {
        await suite(options);
        return;
      }
      if (!out) throw new UserError('evaluate needs the output folder of a run (or --suite)');
      const truthDir = options.truth ?? defaultTruthDir(out);
      const report = await evaluateRun(out, truthDir);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    });
}

interface EvaluateOptions {
  truth?: string;
  json?: boolean;
  suite?: boolean;
  seeds: string;
  pickups: string;
  scenarios?: string;
  work: string;
  keep?: boolean;
  ttdSeeds: string;
  ttdStep: string;
  ablation?: string | true;
}

async function suite(options: EvaluateOptions): Promise<void> {
  let seeds: number[];
  try {
    seeds = parseSeeds(options.seeds);
  } catch (e) {
    throw new UserError(`--${(e as Error).message}`);
  }
  const pickups = Number(options.pickups);
  if (!Number.isInteger(pickups) || pickups < 1000) throw new UserError(`--pickups must be an integer >= 1000, not ${options.pickups}`);
  const scenarios = options.scenarios ? options.scenarios.split(',').map((s) => s.trim()) : Object.keys(SCENARIOS);
  const unknown = scenarios.filter((s) => !SCENARIOS[s]);
  if (unknown.length > 0) throw new UserError(`unknown scenario ${unknown.join(', ')} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const runs = await runSuite({
    scenarios,
    seeds,
    pickups,
    workDir: options.work,
    keep: options.keep,
    ttdSeeds: Number(options.ttdSeeds) || 0,
    ttdStepDays: Math.max(1, Number(options.ttdStep) || 1),
    ablate: options.ablation === undefined ? undefined : ablated(options.ablation),
    progress: createProgress({}),
  });
  process.stdout.write(options.json ? `${JSON.stringify(runs, null, 2)}\n` : formatSuite(runs));
}

function ablated(list: string | true): Signal[] {
  if (list === true) return Object.keys(SIGNALS) as Signal[];
  try {
    return Signals.parse(list).without;
  } catch (e) {
    throw new UserError(`--ablation: ${(e as Error).message}`);
  }
}

/**
 * `<dataset>/truth` when OUT/run.json names its dataset. Read leniently: run.json
 * is written by another part of the project and only this one field matters here.
 */
export function defaultTruthDir(out: string): string {
  let dataset: unknown;
  try {
    const run: unknown = JSON.parse(readFileSync(join(out, RESULT_FILES.run), 'utf8'));
    if (run !== null && typeof run === 'object') dataset = (run as Record<string, unknown>).dataset;
  } catch {
    // Missing or unreadable run.json: fall through to the error below, which says what to do.
  }
  if (typeof dataset === 'string' && dataset.length > 0) return join(dataset, 'truth');
  // Some writers may record the dataset as an object with a path.
  if (dataset !== null && typeof dataset === 'object') {
    const path = (dataset as Record<string, unknown>).path;
    if (typeof path === 'string' && path.length > 0) return join(path, 'truth');
  }
  throw new UserError(`no --truth given and ${join(out, RESULT_FILES.run)} names no dataset; pass --truth DATASET/truth`, 'truth_missing');
}

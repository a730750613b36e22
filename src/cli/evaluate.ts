/** `dragnet evaluate OUT`: scores an analysis run against the dataset's ground truth. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { RESULT_FILES } from '../contract/results.ts';
import { UserError } from '../errors.ts';
import { evaluateRun, formatReport } from '../evaluate/evaluate.ts';

/** Registers the `evaluate` command on the program. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('Score a run (leads, seller and listing scores, networks, statuses) against ground truth')
    .argument('<out>', 'output folder of an analysis run')
    .option('--truth <dir>', 'ground-truth folder (default: <dataset>/truth, with the dataset named in OUT/run.json)')
    .option('--json', 'print the report as JSON instead of a table')
    .action(async (out: string, options: { truth?: string; json?: boolean }) => {
      const truthDir = options.truth ?? defaultTruthDir(out);
      const report = await evaluateRun(out, truthDir);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    });
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

/**
 * `dragnet demo`: the main job end to end on the embedded default. Generates
 * a world, analyses it, scores the run against the world's truth beside the
 * naive night-hotspot baseline, prints the top leads and where everything is.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateWorld } from '../world/generate.ts';
import { SCENARIOS } from '../world/scenarios.ts';
import { analyze } from '../pipeline.ts';
import { evaluateRun, formatComparison } from '../evaluate/evaluate.ts';
import { createProgress } from './progress.ts';
import { formatSummary } from './analyze.ts';
import { writeMapSvg } from '../results/map-svg.ts';
import { UserError } from '../errors.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Generate a demo world, analyze it, evaluate it against its truth and print the top leads')
    .option('--out <dir>', 'where to put the world and the results', 'out/demo')
    .option('--seed <n>', 'world seed', '1')
    .option('--pickups <n>', 'pickups in the world', '300000')
    .option('--quiet', 'no progress on stderr')
    .action(async (opts: { out: string; seed: string; pickups: string; quiet?: boolean }) => {
      const seed = Number(opts.seed);
      const pickups = Number(opts.pickups);
      if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed must be a non-negative integer, not ${opts.seed}`);
      if (!Number.isInteger(pickups) || pickups < 1000) throw new UserError(`--pickups must be an integer >= 1000, not ${opts.pickups}`);
      const progress = createProgress({ quiet: opts.quiet });
      const root = resolve(opts.out);
      const world = join(root, 'world');
      const results = join(root, 'results');
      const baseline = join(root, 'baseline');

      const w = await generateWorld({ scenario: SCENARIOS.putian.scenario, seed, pickups, out: world, format: 'csv', crs: 'WGS84' }, progress);
      process.stdout.write(
        `Generated a world: ${w.sellers.toLocaleString('en-US')} sellers, ${w.rows.pickups.toLocaleString('en-US')} pickups, ` +
          `${w.sites} counterfeit sites run by ${w.operations} operations (${w.seconds.toFixed(1)}s)\n\n`,
      );
      const run = await analyze({ dataset: world, out: results, progress });
      process.stdout.write(formatSummary(run, results, 10));
      await analyze({ dataset: world, out: baseline, dbPath: ':memory:', method: 'hotspot', progress });
      const truth = join(world, 'truth');
      const ours = await evaluateRun(results, truth);
      const naive = await evaluateRun(baseline, truth);
      const mapPath = join(root, 'map.svg');
      await writeMapSvg(mapPath, { dbPath: join(results, 'dragnet.duckdb'), leads: run.leads, truthDir: truth });
      process.stdout.write(`\nAgainst the world's ground truth (${truth}):\n`);
      process.stdout.write(formatComparison([
        { name: 'dragnet', report: ours },
        { name: 'night hotspots', report: naive },
      ]));
      process.stdout.write(`\nMap of leads and true sites: ${mapPath}\nDatabase for the console: ${join(results, 'dragnet.duckdb')}\n`);
    });
}

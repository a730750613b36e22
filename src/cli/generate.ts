/** `dragnet generate`: writes a synthetic world (dataset + ground truth) to a folder. */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { CRS_VALUES } from '../contract/dataset.ts';
import { UserError } from '../errors.ts';
import { generateWorld, type WorldSummary } from '../world/generate.ts';
import { randomisedVariant, SCENARIOS } from '../world/scenarios.ts';
import { createProgress } from './progress.ts';

const OptionsSchema = z.object({
  scenario: z.string(),
  seed: z.number().int().min(0),
  pickups: z.number().int().min(100).max(1_000_000_000),
  out: z.string().min(1),
  format: z.enum(['csv', 'jsonl']),
  crs: z.enum(CRS_VALUES).optional(),
  days: z.number().int().min(7).max(730).optional(),
  quiet: z.boolean().optional(),
  randomise: z.boolean().optional(),
});

function integer(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
}

/** Registers `generate` on the program. */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Write a synthetic world: every table of the dataset contract, a few bad rows, and the ground truth in truth/.')
    .addOption(new Option('--scenario <name>', 'scenario').choices(Object.keys(SCENARIOS)).default('putian'))
    .option('--seed <n>', 'random seed', integer, 1)
    .option('--pickups <n>', 'number of pickups (exact)', integer, 300_000)
    .requiredOption('--out <dir>', 'output folder')
    .addOption(new Option('--format <format>', 'table format').choices(['csv', 'jsonl']).default('csv'))
    .addOption(new Option('--crs <crs>', "coordinate system of the dataset (default: the scenario's; truth stays WGS84)").choices([...CRS_VALUES]))
    .option('--days <n>', 'length of the period in days (default: the scenario\'s)', integer)
    .option('--randomise', "draw every mechanism's parameters per seed from wide ranges around the scenario's (putian: the 'randomised' scenario); the drawn values go to truth/params.json")
    .option('--quiet', 'no progress on stderr')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = OptionsSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UserError(`generate: --${issue.path.join('.')}: ${issue.message}`);
      }
      const o = parsed.data;
      const found = SCENARIOS[o.scenario];
      if (!found) throw new UserError(`generate: unknown scenario '${o.scenario}'`);
      const named = o.randomise ? randomisedVariant(found) : found;
      const summary = await generateWorld(
        { scenario: named.scenario, seed: o.seed, pickups: o.pickups, out: resolve(o.out), format: o.format, crs: o.crs ?? named.crs, days: o.days },
        createProgress({ quiet: o.quiet }),
      );
      process.stdout.write(formatSummary(summary));
    });
}

/** A short human summary of a generated world. */
export function formatSummary(s: WorldSummary): string {
  const lines = [
    `Generated world '${s.scenario}' (seed ${s.seed}), ${s.startDate} to ${s.endDate}, in ${s.seconds.toFixed(1)}s (peak memory ${s.peakRssMb} MB)`,
    `  ${s.sellers} sellers (${s.counterfeitSellers} counterfeit accounts in ${s.operations} operations), ${s.sites} counterfeit sites`,
  ];
  const width = Math.max(10, ...Object.keys(s.rows).map((t) => t.length));
  lines.push(`  ${'table'.padEnd(width)} ${'rows'.padStart(12)} ${'bad'.padStart(6)}`);
  for (const [t, n] of Object.entries(s.rows)) {
    lines.push(`  ${t.padEnd(width)} ${n.toLocaleString('en-US').padStart(12)} ${String(s.badRows[t as keyof typeof s.badRows]).padStart(6)}`);
  }
  lines.push(`Written to ${s.out} (ground truth in ${s.out}/truth)`);
  return `${lines.join('\n')}\n`;
}

/**
 * generate -> analyze -> evaluate on fixed seeds, with quality floors that a
 * broken analysis fails, the naive baseline beaten, every row accounted for,
 * and reruns on the same data giving the same leads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../src/world/generate.ts';
import { SCENARIOS } from '../../src/world/scenarios.ts';
import { analyze, type RunSummary } from '../../src/pipeline.ts';
import { evaluateRun, type EvaluationReport } from '../../src/evaluate/evaluate.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { tempDir } from '../helpers/db.ts';

const SEEDS = [11, 12];
const PICKUPS = 80_000;

interface SeedRun {
  world: string;
  run: RunSummary;
  ours: EvaluationReport;
  naive: EvaluationReport;
  out: string;
}

const runs = new Map<number, SeedRun>();

beforeAll(async () => {
  for (const seed of SEEDS) {
    const root = tempDir(`dragnet-it-${seed}-`);
    const world = join(root, 'world');
    await generateWorld({ scenario: SCENARIOS.putian.scenario, seed, pickups: PICKUPS, out: world, format: seed % 2 ? 'csv' : 'jsonl', crs: seed % 2 ? 'WGS84' : 'GCJ-02' }, silentProgress);
    const out = join(root, 'out');
    const run = await analyze({ dataset: world, out, dbPath: ':memory:', progress: silentProgress });
    await analyze({ dataset: world, out: join(root, 'naive'), dbPath: ':memory:', method: 'hotspot', progress: silentProgress });
    runs.set(seed, {
      world,
      run,
      out,
      ours: await evaluateRun(out, join(world, 'truth')),
      naive: await evaluateRun(join(root, 'naive'), join(world, 'truth')),
    });
  }
});

describe.each(SEEDS)('seed %i', (seed) => {
  it('accounts for every row and quarantines exactly the injected bad rows', () => {
    const { world, run } = runs.get(seed)!;
    const truth = JSON.parse(readFileSync(join(world, 'truth/world.json'), 'utf8')) as { bad_rows: Record<string, number> };
    for (const [table, c] of Object.entries(run.tables)) {
      expect(c.read, table).toBe(c.accepted + c.quarantined);
      expect(c.quarantined, table).toBe(truth.bad_rows[table] ?? 0);
    }
  });

  it('meets the quality floors', () => {
    const { ours } = runs.get(seed)!;
    expect(ours.sites.n).toBeGreaterThanOrEqual(5);
    expect(ours.sites.recall500).toBeGreaterThanOrEqual(0.7);
    expect(ours.sites.leadAP).toBeGreaterThanOrEqual(0.5);
    expect(ours.sellers.auroc).toBeGreaterThanOrEqual(0.9);
    expect(ours.listings.auroc).toBeGreaterThanOrEqual(0.9);
    expect(ours.networks.f1).toBeGreaterThanOrEqual(0.8);
    expect(ours.sites.insideRadius).toBeGreaterThanOrEqual(0.6);
  });

  it('beats the naive night-hotspot baseline', () => {
    const { ours, naive } = runs.get(seed)!;
    expect(ours.sites.leadAP!).toBeGreaterThan(naive.sites.leadAP!);
    expect(ours.sites.recall250!).toBeGreaterThanOrEqual(naive.sites.recall250!);
  });
});

it('gives the same leads when rerun on the same data', async () => {
  const { world, out } = runs.get(SEEDS[0])!;
  const again = join(tempDir(), 'again');
  await analyze({ dataset: world, out: again, dbPath: ':memory:', progress: silentProgress });
  expect(readFileSync(join(again, 'leads.geojson'), 'utf8')).toBe(readFileSync(join(out, 'leads.geojson'), 'utf8'));
  expect(readFileSync(join(again, 'seller_scores.csv'), 'utf8')).toBe(readFileSync(join(out, 'seller_scores.csv'), 'utf8'));
});

/**
 * generate -> analyze -> impact/: a small deterrence world writes the four
 * contract files (and capacity_at_risk.csv) with the contract's columns;
 * every row refers to the run's outcomes and leads; turnover matches the
 * world's truth; the figures the CLI prints read the files back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/cli/progress.ts';
import { analyze, type RunSummary } from '../../src/pipeline.ts';
import { evaluateRun } from '../../src/evaluate/evaluate.ts';
import { IMPACT_FILES } from '../../src/impact/stage.ts';
import { deterrenceByRaid, legalWayAfterRaids, outcomeFigures, programmeHeadline, readImpactFiles, readRunContext } from '../../src/impact/figures.ts';
import { generateWorld } from '../../src/world/generate.ts';
import { haversineMeters } from '../../src/geo.ts';
import { SCENARIOS } from '../../src/world/scenarios.ts';
import { tempDir } from '../helpers/db.ts';

const root = tempDir('dragnet-impact-');
const world = join(root, 'world');
const out = join(root, 'out');
let run: RunSummary;

const csv = (path: string): Record<string, string>[] => parse(readFileSync(path), { columns: true, skip_empty_lines: true });
const header = (path: string) => readFileSync(path, 'utf8').split('\n')[0].split(',');
const file = (k: keyof typeof IMPACT_FILES) => join(out, 'impact', IMPACT_FILES[k].file);

beforeAll(async () => {
  const named = SCENARIOS.deterrence;
  await generateWorld({ scenario: named.scenario, seed: 3, pickups: 40_000, out: world, format: 'csv', crs: named.crs }, silentProgress);
  run = await analyze({ dataset: world, out, progress: silentProgress });
}, 240_000);

describe('impact/ of a deterrence world', () => {
  it('writes the contract files with the contract columns, and lists them in run.json', () => {
    for (const k of Object.keys(IMPACT_FILES) as (keyof typeof IMPACT_FILES)[]) expect(header(file(k)), k).toEqual([...IMPACT_FILES[k].columns]);
    const written = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { impact_files: string[] };
    expect(written.impact_files).toContain('impact/deterrence.csv');
    expect(written.impact_files).toContain('impact/turnover.csv');
  });

  it('deterrence rows: confirmed raids, other leads within 10 km, a status each', () => {
    const outcomes = new Map(csv(join(world, 'outcomes.csv')).map((o) => [o.outcome_id, o.result]));
    const leads = new Set(run.leads.map((l) => l.lead_id));
    const rows = csv(file('deterrence'));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(outcomes.get(r.outcome_id)).toBe('confirmed');
      expect(leads.has(r.lead_id)).toBe(true);
      expect(Number(r.distance_m)).toBeLessThanOrEqual(10_000);
      expect(['continued', 'paused', 'stopped', 'moved']).toContain(r.status_after);
      expect(r.status_after === 'continued').toBe(Number(r.paused_days) === 0);
    }
  });

  it('resurfacings join moved leads to their successors', () => {
    const byId = new Map(run.leads.map((l) => [l.lead_id, l]));
    for (const r of csv(file('resurfacings'))) {
      expect(byId.get(r.from_lead_id)?.successor_lead_id).toBe(r.to_lead_id);
      for (const d of [r.quiet_from, r.resumed_at]) expect(d).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(r.network_id).not.toBe('');
    }
  });

  it('turnover is the truth\'s within 2%, and candidates are never enrolled accounts', () => {
    const sum = (rows: Record<string, string>[]) => rows.reduce((s, r) => s + Number(r.turnover), 0);
    const truth = sum(csv(join(world, 'truth', 'turnover.csv')));
    expect(truth).toBeGreaterThan(0);
    expect(Math.abs(sum(csv(file('turnover'))) - truth) / truth).toBeLessThan(0.02);
    const enrolledFactories = new Set(csv(join(world, 'factories.csv')).filter((f) => f.enrolled_at).map((f) => f.factory_id));
    const enrolled = new Set(csv(join(world, 'factory_accounts.csv')).filter((a) => enrolledFactories.has(a.factory_id)).map((a) => a.seller_id));
    const candidates = csv(file('candidates'));
    expect(candidates.length).toBeGreaterThan(0);
    for (const c of candidates) expect(enrolled.has(c.seller_id), c.seller_id).toBe(false);
  });

  it('the world has factories that also supply a den, each tied to the den in the tables', () => {
    const suppliers = csv(join(world, 'truth', 'capacity_at_risk.csv'));
    expect(suppliers.length).toBeGreaterThanOrEqual(2);
    const network = new Map(csv(join(world, 'truth', 'sellers.csv')).map((s) => [s.seller_id, s.network_id]));
    const accounts = new Set(csv(join(world, 'factory_accounts.csv')).map((a) => `${a.factory_id}|${a.seller_id}`));
    const factories = new Map(csv(join(world, 'factories.csv')).map((f) => [f.factory_id, f]));
    const sites = new Map(csv(join(world, 'truth', 'sites.csv')).map((s) => [s.site_id, s]));
    for (const d of suppliers) {
      if (d.link === 'account') {
        expect(accounts.has(`${d.factory_id}|${d.seller_id}`), d.factory_id).toBe(true);
        expect(network.get(d.seller_id)).toBe(d.network_id);
        expect(factories.get(d.factory_id)?.enrolled_at).toBe('');
      } else {
        expect(d.link).toBe('premises');
        const f = factories.get(d.factory_id)!;
        const s = sites.get(d.site_id);
        if (s) expect(haversineMeters(Number(f.lat), Number(f.lng), Number(s.lat), Number(s.lng))).toBeLessThan(100);
      }
    }
  });

  it('the evaluation scores the impact files against the truth', async () => {
    const report = await evaluateRun(out, join(world, 'truth'));
    expect(report.impact?.turnover?.error).toBeLessThan(0.02);
    expect(report.impact?.candidates?.ap).toBeGreaterThan(0.5);
    // Every den supplier whose den shipped is among the flagged factories, and nothing else is.
    expect(report.impact?.capacity?.relevant).toBeGreaterThan(0);
    expect(report.impact?.capacity?.recall).toBeGreaterThanOrEqual(0.5);
    expect(report.impact?.capacity?.precision).toBeGreaterThanOrEqual(0.5);
    // Deterrence rows scored against the raids' truth: some rows stand for a true operation of the raid.
    expect(report.impact?.deterrence?.matched).toBeGreaterThan(0);
    expect(report.impact?.deterrence?.statusAccuracy).not.toBeNull();
    expect(report.impact?.deterrence?.dipError).not.toBeNull();
  });

  it('truth/deterrence.csv names each raid\'s confirmed outcomes and the true parcels per day', () => {
    const confirmed = new Set(csv(join(world, 'outcomes.csv')).filter((o) => o.result === 'confirmed').map((o) => o.outcome_id));
    const rows = csv(join(world, 'truth', 'deterrence.csv'));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const ids = r.outcome_ids.split(';');
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(confirmed.has(id), id).toBe(true);
      expect(Number(r.parcels_per_day_before)).toBeGreaterThanOrEqual(0);
      expect(['continued', 'paused', 'stopped', 'moved']).toContain(r.status_observed);
      expect(r.status_observed === 'continued').toBe(r.quiet_days_observed === '');
      // A reaction drawn for this raid shows in what the site did (unless an earlier quiet spell, e.g. the holiday, came first).
      if (r.reaction !== 'continued' && r.quiet_from) expect(r.status_observed).not.toBe('continued');
      // An operation that stopped for good ships at most its few days of lag after the raid.
      if (r.reaction === 'stopped') expect(Number(r.parcels_per_day_after)).toBeLessThan(Number(r.parcels_per_day_before) * 3 / 28 + 1);
    }
    expect(rows.some((r) => Number(r.parcels_per_day_before) > 0)).toBe(true);
  });

  it('the figures read the files and the run\'s database back', async () => {
    const files = readImpactFiles(out);
    const ctx = await readRunContext(out);
    const raids = deterrenceByRaid(files.deterrence, ctx.outcomes);
    expect(raids.reduce((n, r) => n + r.leads, 0)).toBe(files.deterrence.length);
    for (const r of raids) expect(r.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const months = outcomeFigures(ctx);
    expect(months.reduce((n, m) => n + m.raids, 0)).toBe(ctx.outcomes.filter((o) => o.result === 'confirmed').length);
    expect(ctx.factories.length).toBe(csv(join(world, 'factories.csv')).length);
    const legal = legalWayAfterRaids(ctx, new Set(files.capacityAtRisk.map((c) => c.factory_id)));
    expect(legal.length).toBe(ctx.outcomes.filter((o) => o.result === 'confirmed').length);
    expect(legal.some((r) => r.factories > 0)).toBe(true);
    expect(programmeHeadline(files.turnover, ctx.belts).total).toBeCloseTo(files.turnover.reduce((s, t) => s + t.turnover, 0), 6);
  });
});

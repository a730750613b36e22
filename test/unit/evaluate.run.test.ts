import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { evaluateRun, formatComparison, formatReport } from '../../src/evaluate/evaluate.ts';
import { defaultTruthDir, registerEvaluate } from '../../src/cli/evaluate.ts';
import { UserError } from '../../src/errors.ts';

const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;

/** A contract-complete lead feature `northM` metres north of (lat, lng). */
function feature(lead_id: string, rank: number, lat: number, lng: number, northM: number, radius_m: number, status = 'active', successor: string | null = null) {
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [lng, lat + northM / M_PER_DEG] },
    properties: {
      lead_id, rank, score: 1 / rank, radius_m, seller_ids: [], network_ids: [], waybills: 3, night_share: 0.5,
      first_seen: null, last_seen: null, status, successor_lead_id: successor, brands: [], categories: [], est_value: 0, evidence: [],
    },
  };
}

let root: string;
let out: string;
let truth: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dragnet-eval-'));
  out = join(root, 'out');
  truth = join(root, 'dataset', 'truth');
  await mkdir(out, { recursive: true });
  await mkdir(truth, { recursive: true });
  await writeFile(
    join(truth, 'sites.csv'),
    [
      'site_id,network_id,lat,lng,pickup_mode,first_active,last_active,status,successor_site_id',
      'S1,N1,0,0,doorstep,2024-01-01,2024-03-01,active,',
      'S2,N1,0,0.01,alley,2024-01-01,2024-02-01,moved,S3',
      'S3,N1,0.01,0,alley,2024-02-02,2024-03-01,active,',
    ].join('\n'),
  );
  await writeFile(
    join(truth, 'sellers.csv'),
    ['seller_id,is_counterfeit,network_id,kind', 's1,1,N1,den_account', 's2,true,N1,den_account', 's3,0,s3,brand_store', 's4,false,s4,reseller'].join('\n'),
  );
  await writeFile(join(truth, 'listings.csv'), ['listing_id,is_counterfeit', 'l1,1', 'l2,0', 'l3,0'].join('\n'));
  await writeFile(
    join(out, 'leads.geojson'),
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        feature('L1', 1, 0, 0, 100, 300),
        feature('L2', 2, 0, 0.01, 50, 100, 'moved', 'L3'),
        feature('L3', 3, 0.01, 0, 400, 200),
        feature('L4', 4, 1, 1, 0, 100),
      ],
    }),
  );
  // s4 is never scored (missing); s5 is unknown to the truth.
  await writeFile(join(out, 'seller_scores.csv'), ['seller_id,score,network_id', 's1,0.9,A', 's2,0.8,A', 's3,0.85,B', 's5,0.1,C'].join('\n'));
  await writeFile(join(out, 'listing_scores.csv'), ['listing_id,score', 'l1,0.7', 'l3,0.7', 'l2,0.2'].join('\n'));
  await writeFile(join(out, 'run.json'), JSON.stringify({ dataset: join(root, 'dataset'), stages: [] }));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

describe('evaluateRun', () => {
  it('computes every metric on a tiny run', async () => {
    const r = await evaluateRun(out, truth);
    expect(r.leads).toBe(4);
    expect(r.sites.n).toBe(3);
    // L3 is 400 m off S3: found at 500 m, not at 250 m.
    expect(r.sites.recall250).toBeCloseTo(2 / 3, 12);
    expect(r.sites.recall500).toBe(1);
    expect(r.sites.leadAP).toBeCloseTo(2 / 3, 12);
    expect(r.sites.medianErrorM).toBeCloseTo(100, 3);
    expect(r.sites.insideRadius).toBeCloseTo(2 / 3, 12);
    // Sellers over s1..s3: 0.9 and 0.8 (counterfeit) vs 0.85 -> 1 of 2 pairs.
    expect(r.sellers).toEqual({ auroc: 0.5, ap: expect.closeTo((1 + 2 / 3) / 2, 12), scored: 3, missing: 1, unknown: 1 });
    // Listings: l1 ties l3 (half a pair), beats l2; AP keeps file order, so l1 comes first.
    expect(r.listings).toEqual({ auroc: 0.75, ap: 1, scored: 3, missing: 0, unknown: 0 });
    expect(r.networks).toEqual({ precision: 1, recall: 1, f1: 1, sellers: 3 });
    expect(r.status).toEqual({ accuracy: 1, matched: 3 });
  });

  it('names a missing file in a UserError', async () => {
    await rm(join(out, 'listing_scores.csv'));
    await expect(evaluateRun(out, truth)).rejects.toThrow(UserError);
    await expect(evaluateRun(out, truth)).rejects.toThrow(/listing_scores\.csv/);
  });

  it('names a file that breaks the contract', async () => {
    await writeFile(join(out, 'leads.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature' }] }));
    await expect(evaluateRun(out, truth)).rejects.toThrow(/leads\.geojson breaks the results contract/);
    await writeFile(join(out, 'seller_scores.csv'), 'seller_id,score,network_id\ns1,,A\n');
    await writeFile(join(truth, 'sites.csv'), 'site_id,lat\nS1,north\n');
    await expect(evaluateRun(out, truth)).rejects.toThrow(UserError);
  });
});

describe('formatComparison', () => {
  it('prints one aligned row per metric and one column per run', async () => {
    const r = await evaluateRun(out, truth);
    const text = formatComparison([
      { name: 'baseline', report: { ...r, sites: { ...r.sites, leadAP: null } } },
      { name: 'candidate', report: r },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^metric\s+baseline\s+candidate$/);
    expect(text).toMatch(/^lead AP\s+n\/a\s+0\.667$/m);
    expect(text).toMatch(/^site recall @250m \(top 2n; station drops @500m\)\s+0\.667\s+0\.667$/m);
    expect(text).toMatch(/^median error \(m\)\s+100\s+100$/m);
    for (const label of ['sites (n)', 'seller AUROC', 'listing AP', 'network pairwise F1', 'status accuracy', 'inside radius_m']) {
      expect(text).toContain(label);
    }
    // Right-aligned columns: every table line has the same width.
    const table = lines.filter((l) => /\d|n\/a/.test(l) && !l.includes('/'));
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
    expect(formatReport(r)).toMatch(/^metric\s+run$/m);
  });
});

describe('dragnet evaluate', () => {
  async function runCli(args: string[]): Promise<string> {
    let printed = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    const program = new Command().exitOverride();
    registerEvaluate(program);
    await program.parseAsync(['node', 'dragnet', 'evaluate', ...args]);
    return printed;
  }

  it('finds the truth through run.json and prints JSON', async () => {
    expect(defaultTruthDir(out)).toBe(truth);
    const report = JSON.parse(await runCli([out, '--json']));
    expect(report.sites.n).toBe(3);
  });

  it('prints the table with an explicit --truth', async () => {
    expect(await runCli([out, '--truth', truth])).toMatch(/^status accuracy\s+1\.000$/m);
  });

  it('asks for --truth when run.json names no dataset', async () => {
    await writeFile(join(out, 'run.json'), '{not json');
    expect(() => defaultTruthDir(out)).toThrow(/--truth/);
  });
});

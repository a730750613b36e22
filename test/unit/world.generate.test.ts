/**
 * The world generator against the dataset contract: determinism, headers,
 * exact pickup counts, truth files, and bad rows counted exactly as
 * world.json says (checked with a small independent validator).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnNames, keyColumns, PROGRAMME_TABLES, TABLE_NAMES as ALL_TABLES, TABLES, type TableName } from '../../src/contract/dataset.ts';

/** The tables the generator writes. */
const TABLE_NAMES = ALL_TABLES.filter((t) => !PROGRAMME_TABLES.includes(t));
import { TruthListingSchema, TruthSellerSchema, TruthSiteSchema } from '../../src/contract/truth.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { generateWorld } from '../../src/world/generate.ts';
import { putian } from '../../src/world/scenario.ts';

const PICKUPS = 12_000;
const root = mkdtempSync(join(tmpdir(), 'dragnet-world-'));
const dir = (name: string) => join(root, name);

function gen(name: string, seed: number, extra: Partial<{ format: 'csv' | 'jsonl'; crs: 'WGS84' | 'GCJ-02' }> = {}) {
  return generateWorld({ scenario: putian, seed, pickups: PICKUPS, out: dir(name), format: extra.format ?? 'csv', crs: extra.crs ?? 'WGS84' }, silentProgress);
}

function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(path), { columns: true, skip_empty_lines: true });
}

function filesOf(d: string): string[] {
  return readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(d.length))
    .sort();
}

beforeAll(async () => {
  await gen('a', 5);
  await gen('b', 5);
  await gen('c', 6);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('generateWorld', () => {
  it('is byte-identical for a seed and differs for another seed', () => {
    const files = filesOf(dir('a'));
    expect(files).toEqual(filesOf(dir('b')));
    for (const f of files) expect(readFileSync(join(dir('b'), f)).equals(readFileSync(join(dir('a'), f))), f).toBe(true);
    expect(readFileSync(join(dir('c'), 'pickups.csv')).equals(readFileSync(join(dir('a'), 'pickups.csv')))).toBe(false);
  });

  it('writes every table with the contract header and the exact number of pickups', () => {
    for (const t of TABLE_NAMES) {
      const header = readFileSync(join(dir('a'), `${t}.csv`), 'utf8').split('\n', 1)[0];
      expect(header, t).toBe(columnNames(t).join(','));
    }
    expect(readCsv(join(dir('a'), 'pickups.csv'))).toHaveLength(PICKUPS);
    const manifest = JSON.parse(readFileSync(join(dir('a'), 'dataset.json'), 'utf8'));
    expect(manifest).toMatchObject({ crs: 'WGS84', timezone: 'Asia/Shanghai', currency: 'CNY' });
  });

  it('writes truth files that parse with the truth schemas and cover every clean seller and listing', () => {
    const sites = readCsv(join(dir('a'), 'truth/sites.csv')).map((r) => TruthSiteSchema.parse(r));
    const sellers = readCsv(join(dir('a'), 'truth/sellers.csv')).map((r) => TruthSellerSchema.parse(r));
    const listings = readCsv(join(dir('a'), 'truth/listings.csv')).map((r) => TruthListingSchema.parse(r));
    expect(sites.length).toBeGreaterThanOrEqual(putian.scale.minSites);
    expect(sellers.some((s) => s.is_counterfeit)).toBe(true);
    expect(listings.some((l) => l.is_counterfeit)).toBe(true);
    const networks = new Set(sellers.filter((s) => s.is_counterfeit).map((s) => s.network_id));
    for (const s of sites) expect(networks.has(s.network_id)).toBe(true);
    const world = JSON.parse(readFileSync(join(dir('a'), 'truth/world.json'), 'utf8'));
    expect(world.clean_rows.sellers).toBe(sellers.length);
    expect(world.clean_rows.listings).toBe(listings.length);
  });

  it('lists copies of new releases around the launch and genuine resale weeks after it', () => {
    const released = new Map(readCsv(join(dir('a'), 'catalog.csv')).map((p) => [p.product_id, Date.parse(p.release_date)]));
    const fake = new Set(readCsv(join(dir('a'), 'truth/listings.csv')).filter((l) => l.is_counterfeit === '1').map((l) => l.listing_id));
    const lags = { fake: [] as number[], genuine: [] as number[] };
    for (const l of readCsv(join(dir('a'), 'listings.csv'))) {
      const at = released.get(l.product_ref);
      if (at === undefined || Number.isNaN(at) || !l.created_at) continue;
      const lag = (Date.parse(l.created_at.replace(' ', 'T')) - at) / 86_400_000;
      (fake.has(l.listing_id) ? lags.fake : lags.genuine).push(lag);
    }
    expect(lags.fake.filter((d) => d < 0).length).toBeGreaterThan(0);
    // Only brand stores (authorised) list a new release in its first days; every copy listed before it is a fake.
    const beforeRelease = lags.genuine.filter((d) => d < -1.5).length;
    expect(beforeRelease).toBe(0);
  });

  it('injects exactly the bad rows world.json counts, at least one per table', () => {
    const world = JSON.parse(readFileSync(join(dir('a'), 'truth/world.json'), 'utf8'));
    const found = quarantine(dir('a'));
    for (const t of TABLE_NAMES) {
      expect(world.bad_rows[t], t).toBeGreaterThanOrEqual(1);
      expect(found[t], t).toBe(world.bad_rows[t]);
    }
  });

  it('writes JSONL and GCJ-02 on request, truth staying WGS84', async () => {
    await gen('g', 5, { format: 'jsonl', crs: 'GCJ-02' });
    const manifest = JSON.parse(readFileSync(join(dir('g'), 'dataset.json'), 'utf8'));
    expect(manifest.crs).toBe('GCJ-02');
    const first = JSON.parse(readFileSync(join(dir('g'), 'places.jsonl'), 'utf8').split('\n', 1)[0]);
    expect(Object.keys(first)).toEqual(columnNames('places'));
    const wgs = readCsv(join(dir('a'), 'places.csv'))[0];
    // GCJ-02 is shifted a few hundred metres from WGS84 in China.
    expect(Math.abs(first.lng - Number(wgs.lng))).toBeGreaterThan(0.002);
    expect(readFileSync(join(dir('g'), 'truth/sites.csv'))).toEqual(readFileSync(join(dir('a'), 'truth/sites.csv')));
  });
});

const TS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const validDate = (y: string, m: string, d: string) => {
  const t = new Date(Date.UTC(+y, +m - 1, +d));
  return t.getUTCMonth() === +m - 1 && t.getUTCDate() === +d;
};

/** A minimal, independent reading of the contract's rules: how many rows of each table break one. */
function quarantine(d: string): Record<TableName, number> {
  const accepted = new Map<TableName, Set<string>>();
  const out = {} as Record<TableName, number>;
  for (const t of ['catalog', 'sellers', 'listings', 'shipments', 'pickups', 'reports', 'places', 'outcomes'] as const) {
    const spec = TABLES[t];
    const keys = new Set<string>();
    let bad = 0;
    for (const row of readCsv(join(d, `${t}.csv`))) {
      const ok = spec.columns.every((c) => {
        const v = row[c.name];
        if (v === '' || v === undefined) return !c.required;
        switch (c.type) {
          case 'number':
          case 'integer': {
            const n = Number(v);
            if (!Number.isFinite(n) || (c.type === 'integer' && !Number.isInteger(n))) return false;
            if (c.min !== undefined && n < c.min) return false;
            if (c.max !== undefined && n > c.max) return false;
            if (c.gt !== undefined && n <= c.gt) return false;
            return true;
          }
          case 'timestamp': {
            const m = TS.exec(v);
            return !!m && validDate(m[1], m[2], m[3]) && +m[4] < 24 && +m[5] < 60 && +m[6] < 60;
          }
          case 'date': {
            const m = DATE.exec(v);
            return !!m && validDate(m[1], m[2], m[3]);
          }
          default:
            return !c.values || c.values.includes(v);
        }
      });
      const refsOk = (spec.references ?? []).every((r) => !row[r.column] || accepted.get(r.table)?.has(row[r.column]));
      const pairsOk = !spec.anyPairRequired || (spec.coordPairs ?? []).some((p) => row[p.lat] !== '' && row[p.lng] !== '');
      const key = spec.key ? keyColumns(spec).map((k) => row[k]).join('\u0000') : undefined;
      const unique = key === undefined || !keys.has(key);
      if (ok && refsOk && pairsOk && unique) {
        if (key !== undefined) keys.add(key);
      } else bad++;
    }
    accepted.set(t, keys);
    out[t] = bad;
  }
  return out;
}

describe('named scenarios', () => {
  it('each generates a world that differs from putian where it says', async () => {
    const { SCENARIOS } = await import('../../src/world/scenarios.ts');
    expect(Object.keys(SCENARIOS)).toEqual(expect.arrayContaining(['putian', 'doorstep', 'alley', 'station', 'split', 'relocation', 'late_scans', 'disguised', 'small_dens', 'night_legit', 'gcj02', 'mixed']));
    expect(SCENARIOS.station.scenario.den.modeWeights).toEqual({ doorstep: 0, alley: 0, station: 1 });
    expect(SCENARIOS.gcj02.crs).toBe('GCJ-02');
    for (const [name, named] of Object.entries(SCENARIOS)) {
      expect(named.scenario.name, name).toBe(name);
    }
  });
});

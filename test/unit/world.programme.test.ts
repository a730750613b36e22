/**
 * The own-brand programme tables of a generated world: the contract's
 * headers, references that hold, no counterfeit operation's account among
 * the factories' shops, every row accepted by ingest, and every other file
 * independent of the programme's random stream.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/cli/progress.ts';
import { columnNames, PROGRAMME_TABLES } from '../../src/contract/dataset.ts';
import { analyze, type RunSummary } from '../../src/pipeline.ts';
import { generateWorld } from '../../src/world/generate.ts';
import { putian } from '../../src/world/scenario.ts';
import { tempDir } from '../helpers/db.ts';

const SEED = 7;
const PICKUPS = 20_000;
const root = tempDir('dragnet-programme-');
const dir = (name: string) => join(root, name);

const gen = (name: string, programmeSalt?: string) =>
  generateWorld({ scenario: putian, seed: SEED, pickups: PICKUPS, out: dir(name), format: 'csv', crs: 'WGS84', programmeSalt }, silentProgress);

const readCsv = (path: string): Record<string, string>[] => parse(readFileSync(path), { columns: true, skip_empty_lines: true });
const table = (name: string) => readCsv(join(dir('a'), `${name}.csv`));

function filesOf(d: string): string[] {
  return readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(d.length + 1))
    .sort();
}

/** The programme's tables, and the truth drawn from them (truth/candidates.csv, truth/turnover.csv). */
const isProgramme = (file: string) =>
  PROGRAMME_TABLES.some((t) => file === `${t}.csv`) || file === join('truth', 'candidates.csv') || file === join('truth', 'turnover.csv');

let run: RunSummary;

beforeAll(async () => {
  await gen('a');
  await gen('b', 'another-programme');
  run = await analyze({ dataset: dir('a'), out: dir('run'), dbPath: ':memory:', progress: silentProgress });
}, 120_000);

describe('programme tables of a generated world', () => {
  it('writes belts, factories and factory_accounts with the contract headers', () => {
    for (const t of PROGRAMME_TABLES) {
      const header = readFileSync(join(dir('a'), `${t}.csv`), 'utf8').split('\n', 1)[0];
      expect(header, t).toBe(columnNames(t).join(','));
    }
    const belts = table('belts');
    expect(belts.length).toBeGreaterThanOrEqual(2);
    expect(belts.length).toBeLessThanOrEqual(4);
    const perBelt = new Map<string, number>();
    for (const f of table('factories')) perBelt.set(f.belt_id, (perBelt.get(f.belt_id) ?? 0) + 1);
    for (const b of belts) {
      expect(perBelt.get(b.belt_id), b.belt_id).toBeGreaterThanOrEqual(5);
      expect(perBelt.get(b.belt_id), b.belt_id).toBeLessThanOrEqual(20);
    }
    expect(table('factory_accounts').length).toBeGreaterThan(0);
  });

  it('ties belts to the places and catalog, and factories to brands and the time span', () => {
    const places = new Map(table('places').map((p) => [p.aoi_id, p.aoi_type]));
    const categories = new Set(table('catalog').map((p) => p.category));
    const brands = new Set(table('catalog').map((p) => p.brand));
    for (const b of table('belts')) {
      for (const a of b.aoi_ids.split(';')) expect(places.get(a), a).toBe('industrial');
      for (const c of b.categories.split(';')) expect(categories.has(c), c).toBe(true);
    }
    const factories = table('factories');
    for (const f of factories) for (const br of f.oem_brands.split(';').filter(Boolean)) expect(brands.has(br), br).toBe(true);
    expect(factories.some((f) => f.oem_brands !== '')).toBe(true);
    expect(factories.some((f) => f.oem_brands === '')).toBe(true);
    const world = JSON.parse(readFileSync(join(dir('a'), 'truth/world.json'), 'utf8'));
    const enrolled = factories.filter((f) => f.enrolled_at !== '');
    expect(enrolled.length).toBeGreaterThan(0);
    expect(enrolled.length).toBeLessThan(factories.length);
    for (const f of enrolled) {
      expect(f.enrolled_at >= world.start_date && f.enrolled_at <= world.end_date, f.enrolled_at).toBe(true);
    }
  });

  it('references only existing belts, factories and sellers, never a counterfeit account', () => {
    const belts = new Set(table('belts').map((b) => b.belt_id));
    const factories = new Set(table('factories').map((f) => f.factory_id));
    const sellers = new Set(table('sellers').map((s) => s.seller_id));
    const truth = new Map(readCsv(join(dir('a'), 'truth/sellers.csv')).map((s) => [s.seller_id, s]));
    for (const f of table('factories')) expect(belts.has(f.belt_id), f.belt_id).toBe(true);
    const pairs = new Set<string>();
    for (const fa of table('factory_accounts')) {
      expect(factories.has(fa.factory_id), fa.factory_id).toBe(true);
      expect(sellers.has(fa.seller_id), fa.seller_id).toBe(true);
      expect(truth.get(fa.seller_id)?.is_counterfeit, fa.seller_id).toBe('0');
      expect(truth.get(fa.seller_id)?.kind, fa.seller_id).not.toBe('den_account');
      expect(fa.since).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      pairs.add(`${fa.factory_id}|${fa.seller_id}`);
    }
    expect(pairs.size).toBe(table('factory_accounts').length);
  });

  it('passes ingest: every programme row accepted, none quarantined', () => {
    const written = JSON.parse(readFileSync(join(dir('run'), 'run.json'), 'utf8')) as Pick<RunSummary, 'tables'>;
    for (const t of PROGRAMME_TABLES) {
      const rows = table(t).length;
      for (const counts of [run.tables[t], written.tables[t]]) {
        expect(counts, t).toMatchObject({ read: rows, accepted: rows, quarantined: 0 });
      }
    }
  });

  it('leaves every other file independent of the programme stream', () => {
    const files = filesOf(dir('a'));
    expect(files).toEqual(filesOf(dir('b')));
    for (const t of PROGRAMME_TABLES) expect(files).toContain(`${t}.csv`);
    for (const f of files.filter((x) => !isProgramme(x))) {
      expect(readFileSync(join(dir('b'), f)).equals(readFileSync(join(dir('a'), f))), f).toBe(true);
    }
    const differs = PROGRAMME_TABLES.filter((t) => !readFileSync(join(dir('b'), `${t}.csv`)).equals(readFileSync(join(dir('a'), `${t}.csv`))));
    expect(differs.length).toBeGreaterThan(0);
  });
});

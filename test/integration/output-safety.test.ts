/**
 * A run never destroys or mixes outputs: killed (SIGKILL, through
 * DRAGNET_FAULT) or failed at any point, it leaves the previous results byte
 * for byte, and --db never replaces a file that is not a Dragnet database.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, literal } from '../../src/engine/database.ts';
import { dragnet, EXAMPLE, removeScratch, scratchDir, snapshot } from '../helpers/cli.ts';

/** The result files proper: what two runs on the same data write alike (run.json has timings, the database its own layout). */
const results = (s: Record<string, string>) =>
  Object.fromEntries(Object.entries(s).filter(([f]) => f !== 'run.json' && !f.startsWith('dragnet.duckdb')));
const method = (out: string) => JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).method as string;

/** Opens a database read-only (leaving its bytes alone) and reads the marker and a result table. */
async function expectDatabaseOpens(file: string): Promise<void> {
  const db = await Database.open(':memory:');
  try {
    await db.run(`ATTACH ${literal(file)} AS run (READ_ONLY)`);
    expect(await db.scalar(`SELECT count(*) FROM run.dragnet_meta WHERE key = 'writer'`)).toBe(1);
    expect(await db.scalar(`SELECT count(*) FROM run.seller_scores`)).toBeGreaterThan(0);
  } finally {
    db.close();
  }
}

let first: string;
let firstFiles: Record<string, string>;

afterAll(removeScratch);

beforeAll(() => {
  first = join(scratchDir(), 'out');
  const r = dragnet(['analyze', EXAMPLE, '--out', first, '--quiet']);
  expect(r.status, r.stderr).toBe(0);
  firstFiles = snapshot(first);
  expect(Object.keys(firstFiles)).toEqual(expect.arrayContaining(['run.json', 'leads.geojson', 'seller_scores.csv', 'dragnet.duckdb']));
});

/** A folder holding OUT = the first run's results, exactly. */
function previousRun(): { root: string; out: string } {
  const root = scratchDir();
  const out = join(root, 'out');
  cpSync(first, out, { recursive: true });
  return { root, out };
}

/** A second run (another method, so its files differ) killed at `point`. */
function killedRun(out: string, point: string, extra: string[] = []): void {
  const r = dragnet(['analyze', EXAMPLE, '--out', out, '--quiet', '--method', 'hotspot', ...extra], { DRAGNET_FAULT: point });
  expect(r.signal, r.stderr).toBe('SIGKILL');
}

/** A clean run succeeds after the crash, and leaves nothing beside OUT (stale staging and backups gone). */
function cleanRunSucceeds(root: string, out: string): void {
  const r = dragnet(['analyze', EXAMPLE, '--out', out, '--quiet']);
  expect(r.status, r.stderr).toBe(0);
  expect(readdirSync(root)).toEqual(['out']);
  expect(results(snapshot(out))).toEqual(results(firstFiles));
  expect(method(out)).toBe('dragnet');
}

describe('a run killed before its outputs are swapped in', () => {
  for (const point of ['after-ingest', 'after-stages', 'mid-write', 'before-swap']) {
    it(`leaves the previous results whole (${point})`, async () => {
      const { root, out } = previousRun();
      killedRun(out, point);
      expect(snapshot(out)).toEqual(firstFiles);
      await expectDatabaseOpens(join(out, 'dragnet.duckdb'));
      // The killed run's staging is still there, for the next run to clear.
      expect(readdirSync(root).some((e) => e.startsWith('.out.partial-'))).toBe(true);
      cleanRunSucceeds(root, out);
    });
  }
});

describe('a run killed inside the swap', () => {
  it('between the two renames: the next run puts the previous results back first', async () => {
    const { root, out } = previousRun();
    killedRun(out, 'mid-swap');
    expect(existsSync(out)).toBe(false);
    expect(snapshot(join(root, '.out.previous'))).toEqual(firstFiles);
    // Even a run that dies right after starting restores them.
    killedRun(out, 'after-ingest');
    expect(snapshot(out)).toEqual(firstFiles);
    expect(existsSync(join(root, '.out.previous'))).toBe(false);
    await expectDatabaseOpens(join(out, 'dragnet.duckdb'));
    cleanRunSucceeds(root, out);
  });

  it('after the swap: OUT holds the new run whole, and the next run drops the backup', async () => {
    const { root, out } = previousRun();
    killedRun(out, 'after-swap');
    expect(method(out)).toBe('hotspot');
    expect(Object.keys(snapshot(out)).sort()).toEqual(Object.keys(firstFiles).sort());
    expect(snapshot(join(root, '.out.previous'))).toEqual(firstFiles);
    await expectDatabaseOpens(join(out, 'dragnet.duckdb'));
    cleanRunSucceeds(root, out);
  });
});

describe('a failed run', () => {
  it('leaves the previous results whole and no staging behind', () => {
    const { root, out } = previousRun();
    const data = join(root, 'data');
    cpSync(EXAMPLE, data, { recursive: true });
    rmSync(join(data, 'pickups.csv'));
    const r = dragnet(['analyze', data, '--out', out, '--quiet']);
    expect(r.status).toBe(2);
    expect(snapshot(out)).toEqual(firstFiles);
    expect(readdirSync(root).sort()).toEqual(['data', 'out']);
  });

  it('refuses an OUT holding files that are not Dragnet results, and leaves them be', () => {
    const { out } = previousRun();
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    const r = dragnet(['analyze', EXAMPLE, '--out', out, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/holds files that are not Dragnet results \(notes\.txt\)/);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(snapshot(out)).toEqual({ ...firstFiles, 'notes.txt': expect.any(String) });
  });
});

describe('--db FILE', () => {
  it('refuses a dataset input file and leaves it byte-identical', () => {
    const root = scratchDir();
    const data = join(root, 'data');
    cpSync(EXAMPLE, data, { recursive: true });
    const input = join(data, 'pickups.csv');
    const before = readFileSync(input);
    const r = dragnet(['analyze', data, '--out', join(root, 'out'), '--db', input, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(input);
    expect(r.stderr).toMatch(/is not a DuckDB database/);
    expect(readFileSync(input).equals(before)).toBe(true);
    expect(readdirSync(root)).toEqual(['data']);
  });

  it('refuses a DuckDB database that Dragnet did not write', async () => {
    const root = scratchDir();
    const file = join(root, 'theirs.duckdb');
    const db = await Database.open(file);
    await db.run(`CREATE TABLE cases AS SELECT 1 AS id`);
    db.close();
    const before = readFileSync(file);
    const r = dragnet(['analyze', EXAMPLE, '--out', join(root, 'out'), '--db', file, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/DuckDB database that Dragnet did not write/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('replaces its own database only when the run succeeds', async () => {
    const root = scratchDir();
    const out = join(root, 'out');
    const file = join(root, 'keep.duckdb');
    expect(dragnet(['analyze', EXAMPLE, '--out', out, '--db', file, '--quiet']).status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).database).toBe(file);
    expect(existsSync(join(out, 'dragnet.duckdb'))).toBe(false);
    const before = snapshot(root);
    killedRun(out, 'mid-write', ['--db', file]);
    expect(Object.fromEntries(Object.entries(snapshot(root)).filter(([f]) => !f.startsWith('.')))).toEqual(before);
    await expectDatabaseOpens(file);
    // A rerun replaces the database it wrote, and clears the killed run's staging beside it.
    expect(dragnet(['analyze', EXAMPLE, '--out', out, '--db', file, '--quiet']).status).toBe(0);
    expect(readdirSync(root).sort()).toEqual(['keep.duckdb', 'out']);
    await expectDatabaseOpens(file);
  });
});

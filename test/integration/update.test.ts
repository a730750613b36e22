/**
 * `dragnet update`: a world analysed whole and the same world analysed up to
 * a day and then updated day by day end with the same results, byte for
 * byte; an update killed (SIGKILL) at any point leaves the database as it was
 * and a rerun completes; bad input gets a clear error or the quarantine.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE_NAMES } from '../../src/contract/dataset.ts';
import { Database, ident, literal } from '../../src/engine/database.ts';
import { cutDatabase, extractDay, splitByDay, type SplitDataset } from '../../src/evaluate/split.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { analyze } from '../../src/pipeline.ts';
import { update, UPDATES_TABLE, type UpdateSummary } from '../../src/update.ts';
import { generateWorld } from '../../src/world/generate.ts';
import { SCENARIOS } from '../../src/world/scenarios.ts';
import { dragnet, removeScratch, scratchDir, snapshot } from '../helpers/cli.ts';
import { Workspace } from '../../src/workspace/store.ts';
import { listRuns } from '../../src/workspace/runs.ts';
import { SYSTEM } from '../../src/workspace/audit.ts';
import { addUser, actorOf } from '../../src/workspace/users.ts';
import { addPartner } from '../../src/workspace/partners.ts';
import { openCase, transition, type TransitionInput } from '../../src/workspace/cases.ts';

/** The result files (run.json has timings and paths; the full run's folder also holds its database). */
const results = (dir: string) =>
  Object.fromEntries(Object.entries(snapshot(dir)).filter(([f]) => f !== 'run.json' && !f.startsWith('dragnet.duckdb')));

/**
 * Every table of a database file: row count and an order-free sum of row
 * hashes. dragnet_meta without its start time, dragnet_updates without its
 * clock columns; `skip` leaves tables out.
 */
async function fingerprint(file: string, skip: readonly string[] = []): Promise<Record<string, string>> {
  const db = await Database.open(':memory:');
  try {
    await db.run(`ATTACH ${literal(file)} AS f (READ_ONLY)`);
    const tables = await db.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE database_name = 'f' ORDER BY 1`);
    const out: Record<string, string> = {};
    for (const { t } of tables) {
      if (skip.includes(t)) continue;
      const rows =
        t === 'dragnet_meta' ? `(SELECT * FROM f.dragnet_meta WHERE key <> 'started_at')`
        : t === UPDATES_TABLE ? `(SELECT day, fingerprint, "read", accepted, quarantined, tables FROM f.${UPDATES_TABLE})`
        : `f.${ident(t)}`;
      const r = await db.one<{ n: number; h: string | null }>(`SELECT count(*) AS n, sum(hash(x))::VARCHAR AS h FROM ${rows} x`);
      out[t] = `${r?.n}:${r?.h}`;
    }
    return out;
  } finally {
    db.close();
  }
}

async function quarantined(file: string): Promise<Record<string, number>> {
  const db = await Database.open(':memory:');
  try {
    await db.run(`ATTACH ${literal(file)} AS f (READ_ONLY)`);
    const rows = await db.all<{ t: string; n: number }>(`SELECT table_name AS t, count(*) AS n FROM f.quarantine GROUP BY 1 ORDER BY 1`);
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  } finally {
    db.close();
  }
}

let root: string;
let world: string;
let split: SplitDataset;
let fullOut: string;
/** The database with every day but the last applied, and the outputs and database the last day's update gives. */
let before: string;
let beforeFp: Record<string, string>;
let after: string;
let afterFp: Record<string, string>;
let afterOut: string;
const summaries: UpdateSummary[] = [];

beforeAll(async () => {
  root = scratchDir();
  world = join(root, 'world');
  const generated = await generateWorld({ scenario: SCENARIOS.putian.scenario, seed: 7, pickups: 20_000, out: world, format: 'csv', crs: SCENARIOS.putian.crs }, silentProgress);
  // The last three days come as updates.
  const from = new Date(Date.parse(`${generated.endDate}T00:00:00Z`) - 2 * 86_400_000).toISOString().slice(0, 10);
  split = await splitByDay(world, join(root, 'split'), from);
  fullOut = join(root, 'full');
  await analyze({ dataset: world, out: fullOut, progress: silentProgress });

  const run = join(root, 'run.duckdb');
  const out = join(root, 'out');
  await analyze({ dataset: split.initial, out, dbPath: run, progress: silentProgress });
  for (const [i, day] of split.days.entries()) {
    if (i === split.days.length - 1) {
      before = join(root, 'before.duckdb');
      copyFileSync(run, before);
    }
    summaries.push(await update({ day: day.dir, dbPath: run, out, progress: silentProgress }));
  }
  after = run;
  afterOut = out;
  beforeFp = await fingerprint(before);
  afterFp = await fingerprint(after);
});

afterAll(removeScratch);

describe('day by day against one full run', () => {
  it('splits the world into an initial part and days that together hold every row', () => {
    expect(split.days.length).toBeGreaterThanOrEqual(3);
    const lines = (dir: string, f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim().split('\n').length - 1 : 0);
    for (const f of ['pickups.csv', 'shipments.csv', 'reports.csv']) {
      const parts = lines(split.initial, f) + split.days.reduce((n, d) => n + lines(d.dir, f), 0);
      expect(parts, f).toBe(lines(world, f));
    }
    // Pickups come every day; the day's pickups were placed on their own, its sales and parcels added to the programme's counts.
    expect(summaries.every((s) => (s.tables.pickups?.read ?? 0) > 0)).toBe(true);
    expect(summaries.map((s) => s.pickupPoints)).toEqual(summaries.map(() => 'appended'));
    expect(summaries.map((s) => s.kept)).toEqual(summaries.map(() => ({ programme_turnover: 'added', programme_points: 'added' })));
  });

  it('extracts a day from the whole world with the same rows as the split gives that day', async () => {
    const day = split.days[1]!;
    const dir = join(root, 'extracted');
    const rows = await extractDay(world, dir, day.day);
    const csvs = (d: string) => readdirSync(d).filter((f) => f.endsWith('.csv')).sort();
    expect(csvs(dir)).toEqual(csvs(day.dir));
    for (const f of csvs(dir)) {
      expect(readFileSync(join(dir, f), 'utf8'), f).toBe(readFileSync(join(day.dir, f), 'utf8'));
      expect(rows[f], f).toBe(readFileSync(join(dir, f), 'utf8').trim().split('\n').length - 1);
    }
    expect(rows['pickups.csv']).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')).name).toBe(day.day);
  });

  it('ends with the same leads, scores, statuses and impact files, byte for byte', () => {
    const full = results(fullOut);
    const daily = results(afterOut);
    for (const f of ['leads.geojson', 'seller_scores.csv', 'listing_scores.csv']) expect(daily[f], f).toBe(full[f]);
    const impact = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([f]) => f.startsWith('impact')));
    expect(impact(daily)).toEqual(impact(full));
    const leads = JSON.parse(readFileSync(join(afterOut, 'leads.geojson'), 'utf8')) as { features: unknown[] };
    expect(leads.features.length).toBeGreaterThan(0);
  });

  it('ends with the same tables as the full run, and every row accepted or quarantined alike', async () => {
    const skip = ['dragnet_meta', UPDATES_TABLE, 'quarantine'];
    expect(await fingerprint(after, skip)).toEqual(await fingerprint(join(fullOut, 'dragnet.duckdb'), skip));
    expect(await quarantined(after)).toEqual(await quarantined(join(fullOut, 'dragnet.duckdb')));
    const run = JSON.parse(readFileSync(join(afterOut, 'run.json'), 'utf8'));
    expect(run.update.day).toBe(split.days.at(-1)!.day);
    expect(Object.keys(run.tables)).toContain('pickups');
  });

  it('records each applied day, and refuses a day already applied without changing anything', async () => {
    const db = await Database.open(':memory:');
    try {
      await db.run(`ATTACH ${literal(after)} AS f (READ_ONLY)`);
      const days = await db.all<{ day: string }>(`SELECT day FROM f.${UPDATES_TABLE} ORDER BY applied_at`);
      expect(days.map((d) => d.day)).toEqual(split.days.map((d) => d.day));
    } finally {
      db.close();
    }
    const out = join(root, 'again');
    await expect(update({ day: split.days[0].dir, dbPath: after, out, progress: silentProgress })).rejects.toThrow(/already has .*applied at .*nothing was changed/);
    expect(await fingerprint(after)).toEqual(afterFp);
    expect(existsSync(out)).toBe(false);
  });

  it("the bench's cut of the full run's database, given the last day again, ends with the day-by-day run's results, twice over", async () => {
    const cut = join(root, 'cut.duckdb');
    copyFileSync(join(fullOut, 'dragnet.duckdb'), cut);
    const last = split.days.at(-1)!;
    const timezone = JSON.parse(readFileSync(join(world, 'dataset.json'), 'utf8')).timezone as string;
    // What the history holds: the database the days before the last gave, day by day.
    const rows = async (file: string, table: string) => {
      const db = await Database.open(file, { readOnly: true });
      try {
        return await db.scalar(`SELECT count(*) FROM ${ident(table)}`);
      } finally {
        db.close();
      }
    };
    for (const pass of [1, 2]) {
      // The second pass cuts a database that has taken the day already, as a rerun of the bench does.
      const left = await cutDatabase(cut, timezone, last.day);
      expect(left, `pass ${pass}`).toBe(await rows(before, 'pickups'));
      for (const t of ['shipments', 'pickup_points']) expect(await rows(cut, t), `pass ${pass}: ${t}`).toBe(await rows(before, t));
      const out = join(root, `cut-${pass}`);
      const s = await update({ day: last.dir, dbPath: cut, out, progress: silentProgress });
      expect(s.pickupPoints).toBe('appended');
      expect(s.kept, `pass ${pass}`).toEqual({ programme_turnover: 'added', programme_points: 'added' });
      expect(results(out), `pass ${pass}`).toEqual(results(afterOut));
    }
  });

  it('reruns pickup-points whole when the day moves the local frame, with the same results', async () => {
    const moved = join(root, 'moved.duckdb');
    copyFileSync(before, moved);
    const db = await Database.open(moved);
    await db.run(`UPDATE frame SET lat0 = lat0 + 0.01`);
    await db.run('CHECKPOINT');
    db.close();
    const out = join(root, 'moved');
    const s = await update({ day: split.days.at(-1)!.dir, dbPath: moved, out, progress: silentProgress });
    expect(s.pickupPoints).toBe('rebuilt');
    // No day's points to add: the parcels are counted again, whole.
    expect(s.kept).toEqual({ programme_turnover: 'added', programme_points: 'whole' });
    expect(results(out)).toEqual(results(afterOut));
  });

  it("takes a day into a database from before pickup_points kept sender_key and dropped the waybill, with the same results", async () => {
    // As an analyze before 1 December 2026 left it: each point's waybill id and sender address, no key.
    const older = join(root, 'older.duckdb');
    copyFileSync(before, older);
    const db = await Database.open(older);
    await db.run(`ALTER TABLE pickup_points ADD COLUMN sender_address VARCHAR`);
    await db.run(`ALTER TABLE pickup_points ADD COLUMN waybill_id VARCHAR`);
    // The address each key stands for, under the same seller (seller_senders keeps the text).
    await db.run(`UPDATE pickup_points SET sender_address = ss.value, waybill_id = 'W' || pickup_points.rowid FROM seller_senders ss
      WHERE ss.kind = 'sender_address' AND ss.seller_id = pickup_points.seller_id AND hash(ss.value) = pickup_points.sender_key`);
    await db.run(`ALTER TABLE pickup_points DROP COLUMN sender_key`);
    expect(await db.scalar(`SELECT count(sender_address) FROM pickup_points`)).toBeGreaterThan(0);
    // Nor did it keep the programme's counts (before 2 December 2026): the update makes them whole.
    await db.run(`DROP TABLE programme_turnover; DROP TABLE programme_points`);
    await db.run('CHECKPOINT');
    db.close();
    const out = join(root, 'older');
    const s = await update({ day: split.days.at(-1)!.dir, dbPath: older, out, progress: silentProgress });
    expect(s.kept).toEqual({ programme_turnover: 'whole', programme_points: 'whole' });
    expect(results(out)).toEqual(results(afterOut));
    const updated = await Database.open(older, { readOnly: true });
    try {
      const columns = (await updated.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE pickup_points)`)).map((c) => c.column_name);
      expect(columns).toContain('sender_key');
      expect(columns).not.toContain('sender_address');
      expect(columns).not.toContain('waybill_id');
    } finally {
      updated.close();
    }
  });

  /** The initial part's rows of a small table, header first. */
  const initialRows = (f: string) => readFileSync(join(split.initial, f), 'utf8').trimEnd().split('\n');
  const field = (line: string, i: number) => line.split(',')[i];

  /**
   * The split copied under `name`, with the rows `moves` picks (per file of
   * the initial part) taken out of the initial part and put in the last day;
   * analysed up to the first day, then updated day by day. Returns how many
   * rows each file gave up, each day's kept-table summary, and the outputs.
   */
  async function lateRows(name: string, moves: Record<string, (line: string) => boolean>) {
    const dir = join(root, name);
    cpSync(split.initial, join(dir, 'initial'), { recursive: true });
    const days = split.days.map((d) => {
      const day = join(dir, 'days', d.day);
      cpSync(d.dir, day, { recursive: true });
      return day;
    });
    const moved: Record<string, number> = {};
    for (const [f, goes] of Object.entries(moves)) {
      const [header, ...rows] = initialRows(f);
      writeFileSync(join(dir, 'initial', f), [header, ...rows.filter((l) => !goes(l))].join('\n') + '\n');
      writeFileSync(join(days.at(-1)!, f), [header, ...rows.filter(goes)].join('\n') + '\n');
      moved[f] = rows.filter(goes).length;
    }
    const run = join(dir, 'run.duckdb');
    const out = join(dir, 'out');
    await analyze({ dataset: join(dir, 'initial'), out, dbPath: run, progress: silentProgress });
    const kept: Array<UpdateSummary['kept']> = [];
    for (const day of days) kept.push((await update({ day, dbPath: run, out, progress: silentProgress })).kept);
    // The kept tables themselves, not only the files read from them, are the full run's.
    const keptTables = ['programme_points', 'programme_turnover'];
    const only = async (file: string) => Object.fromEntries(Object.entries(await fingerprint(file)).filter(([t]) => keptTables.includes(t)));
    expect(Object.keys(await only(run))).toEqual(keptTables);
    expect(await only(run)).toEqual(await only(join(fullOut, 'dragnet.duckdb')));
    return { moved, kept, out };
  }

  it("takes a belt, its factories and their accounts arriving with the last day, with the full run's results", async () => {
    // The split puts every belt, factory and account in the initial part; here the world's last belt
    // and all that hangs on it come with the last day instead, so that day's programme tables change
    // what earlier sales count for: both kept tables must be made whole, and the results stay exact.
    const belt = field(initialRows('belts.csv').at(-1)!, 0);
    const late = new Set(initialRows('factories.csv').filter((l) => field(l, 1) === belt).map((l) => field(l, 0)));
    const { moved, kept, out } = await lateRows('late-belt', {
      'belts.csv': (l) => field(l, 0) === belt,
      'factories.csv': (l) => late.has(field(l, 0)),
      'factory_accounts.csv': (l) => late.has(field(l, 0)),
    });
    expect(moved['belts.csv']).toBe(1);
    expect(moved['factories.csv']).toBeGreaterThan(0);
    expect(moved['factory_accounts.csv']).toBeGreaterThan(0);
    expect(kept.slice(0, -1).every((k) => k?.programme_turnover === 'added' && k?.programme_points === 'added')).toBe(true);
    expect(kept.at(-1)).toEqual({ programme_turnover: 'whole', programme_points: 'whole' });
    expect(results(out)).toEqual(results(afterOut));
    // The late belt shows in the programme's figures the run ends with.
    expect(readFileSync(join(out, 'impact', 'turnover.csv'), 'utf8')).toContain(belt);
  });

  it("takes a place of a belt arriving with the last day: the parcels counted again, whole, with the full run's results", async () => {
    // A belt names its places, and a shop whose return address names one ships from that belt, so a belt
    // place arriving late can change which belt earlier parcels left: the counts must be made whole. (In
    // this world the other rules already give those parcels the same belt, so only the `whole` below, not
    // the tables, tells a missing rebuild apart.) The place most return addresses name arrives late.
    const table = (f: string) => parse(readFileSync(join(split.initial, f), 'utf8'), { columns: true }) as Record<string, string>[];
    const names = new Map(table('places.csv').map((r) => [r.aoi_id, r.name]));
    const addresses = table('sellers.csv').map((r) => r.return_address ?? '');
    const named = (aoi: string) => addresses.filter((a) => names.get(aoi) && a.includes(names.get(aoi)!)).length;
    const place = table('belts.csv')
      .flatMap((b) => b.aoi_ids.split(';'))
      .reduce((best, aoi) => (named(aoi) > named(best) ? aoi : best));
    expect(named(place)).toBeGreaterThan(0);
    const { moved, kept, out } = await lateRows('late-place', { 'places.csv': (l) => field(l, 0) === place });
    expect(moved['places.csv']).toBe(1);
    expect(kept.slice(0, -1).every((k) => k?.programme_turnover === 'added' && k?.programme_points === 'added')).toBe(true);
    expect(kept.at(-1)).toEqual({ programme_turnover: 'added', programme_points: 'whole' });
    expect(results(out)).toEqual(results(afterOut));
  });
});

describe('update --workspace', () => {
  it("registers the updated run in the workspace, with the day's leads and their parcels", () => {
    const dir = join(root, 'ws-update');
    mkdirSync(dir);
    const db = join(dir, 'run.duckdb');
    copyFileSync(before, db);
    const out = join(dir, 'out');
    const ws = join(dir, 'ws');
    const r = dragnet(['update', split.days.at(-1)!.dir, '--db', db, '--out', out, '--workspace', ws, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const leads = JSON.parse(readFileSync(join(out, 'leads.geojson'), 'utf8')).features.length;
    expect(leads).toBeGreaterThan(0);
    expect(r.stdout).toMatch(new RegExp(`Registered update .* \\(${leads} leads\\) in the workspace\\.`));
    const store = Workspace.open(ws);
    try {
      const runs = listRuns(store);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ out_dir: out, leads });
      // The update's database is the run's: every lead has its parcels.
      expect(store.sql.prepare(`SELECT count(*) FROM lead_details WHERE run_id = ?`).pluck().get(runs[0].run_id)).toBe(leads);
    } finally {
      store.close();
    }
  });
});

describe('update --workspace: what the team learned', () => {
  /** One number from a database file, by SQL over its tables attached as `f`. */
  async function count(file: string, sql: string): Promise<number> {
    const d = await Database.open(':memory:');
    try {
      await d.run(`ATTACH ${literal(file)} AS f (READ_ONLY)`);
      return Number(await d.scalar(sql));
    } finally {
      d.close();
    }
  }

  it('reads a case closed in the workspace as an outcome on the next day, and only on that day', async () => {
    const dir = join(root, 'ws-feedback');
    mkdirSync(dir);
    const db = join(dir, 'run.duckdb');
    const out = join(dir, 'out');
    const wsDir = join(dir, 'ws');
    const feedback = join(wsDir, 'feedback', 'outcomes.csv');
    await analyze({ dataset: split.initial, out, dbPath: db, progress: silentProgress });
    const [day1, day2, day3] = split.days;
    let r = dragnet(['update', day1.dir, '--db', db, '--out', out, '--workspace', wsDir, '--quiet']);
    expect(r.status, r.stderr).toBe(0);

    // A supervisor carries the top lead through to a raid that confirms it.
    const lead = JSON.parse(readFileSync(join(out, 'leads.geojson'), 'utf8')).features[0].properties;
    const ws = Workspace.open(wsDir);
    try {
      const boss = await addUser(ws, SYSTEM, { name: 'sup', role: 'supervisor', password: 'correct horse battery' });
      const actor = actorOf(boss, '127.0.0.1');
      addPartner(ws, SYSTEM, {
        partner_id: 'psb', name: 'PSB', categories: lead.categories,
        jurisdiction: { type: 'Polygon', coordinates: [[[100, 10], [130, 10], [130, 40], [100, 40], [100, 10]]] },
      });
      const c = openCase(ws, actor, boss, listRuns(ws)[0].run_id, lead.lead_id);
      const steps: TransitionInput[] = [
        { to: 'analysing', comment: 'top lead' },
        { to: 'offline_check', comment: 'parcels still leaving' },
        { to: 'referral_proposed', comment: 'seen at night', partner_id: 'psb' },
        { to: 'referred', comment: 'approved' },
        { to: 'closed', comment: 'seized', outcome: { result: 'confirmed', raid_date: lead.last_seen.slice(0, 10) } },
      ];
      for (const step of steps) transition(ws, actor, boss, c.case_id, step);
    } finally {
      ws.close();
    }

    r = dragnet(['update', day2.dir, '--db', db, '--out', out, '--workspace', wsDir, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).tables.outcomes.files).toContain(feedback);
    expect(await count(db, `SELECT count(*) FROM f.outcomes WHERE outcome_id LIKE 'ws-case-%'`)).toBe(1);
    // The next run learns from it: the lead at that place says the raid confirmed it.
    const evidence = JSON.parse(readFileSync(join(out, 'leads.geojson'), 'utf8')).features.flatMap(
      (f: { properties: { evidence: string[] } }) => f.properties.evidence,
    );
    expect(evidence).toContain(`confirmed by an offline check on ${lead.last_seen.slice(0, 10)}`);

    // The database holds the case now: the third day neither reads it again nor quarantines it as a duplicate.
    r = dragnet(['update', day3.dir, '--db', db, '--out', out, '--workspace', wsDir, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).tables.outcomes?.files ?? []).not.toContain(feedback);
    expect(await count(db, `SELECT count(*) FROM f.outcomes WHERE outcome_id LIKE 'ws-case-%'`)).toBe(1);
    expect(await count(db, `SELECT count(*) FROM f.quarantine WHERE file LIKE '%feedback%'`)).toBe(0);
  });
});

describe('an update killed with SIGKILL', () => {
  const lastDay = () => split.days.at(-1)!.dir;

  /** A fresh copy of the database before the last day, and an OUT for it. */
  function fresh(name: string): { db: string; out: string } {
    const dir = join(root, `kill-${name}`);
    mkdirSync(dir);
    const db = join(dir, 'run.duckdb');
    copyFileSync(before, db);
    return { db, out: join(dir, 'out') };
  }

  async function rerunCompletes(db: string, out: string): Promise<void> {
    const r = dragnet(['update', lastDay(), '--db', db, '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(await fingerprint(db)).toEqual(afterFp);
    expect(results(out)).toEqual(results(afterOut));
    // The killed run's staging is gone.
    expect(readdirSync(join(out, '..')).filter((e) => e.includes('.partial-'))).toEqual([]);
  }

  for (const point of ['update-ingested', 'update-appended', 'mid-write', 'mid-swap', 'before-commit']) {
    it(`at ${point}: leaves the database as it was, and a rerun completes`, async () => {
      const { db, out } = fresh(point);
      const r = dragnet(['update', lastDay(), '--db', db, '--out', out, '--quiet'], { DRAGNET_FAULT: point });
      expect(r.signal, r.stderr).toBe('SIGKILL');
      expect(await fingerprint(db)).toEqual(beforeFp);
      await rerunCompletes(db, out);
    });
  }

  it('after the commit: the update is in the database (replayed from its log), and a rerun is refused', async () => {
    const { db, out } = fresh('after-commit');
    const r = dragnet(['update', lastDay(), '--db', db, '--out', out, '--quiet'], { DRAGNET_FAULT: 'after-commit' });
    expect(r.signal, r.stderr).toBe('SIGKILL');
    expect(await fingerprint(db)).toEqual(afterFp);
    const again = dragnet(['update', lastDay(), '--db', db, '--out', out, '--quiet']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already has the same files as day/);
  });

  for (const ms of [2500, 4500]) {
    it(`after ${ms} ms: the database is as before or as after, and a rerun completes`, async () => {
      const { db, out } = fresh(`t${ms}`);
      const child = spawn(process.execPath, [join(import.meta.dirname, '../../bin/dragnet.js'), 'update', lastDay(), '--db', db, '--out', out, '--quiet'], {
        stdio: 'ignore',
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((done) =>
        child.on('exit', (c, s) => done({ code: c, signal: s })),
      );
      clearTimeout(timer);
      const fp = await fingerprint(db);
      if (signal === 'SIGKILL' && JSON.stringify(fp) === JSON.stringify(beforeFp)) {
        await rerunCompletes(db, out);
      } else {
        // Killed after the commit, or done before the timer.
        expect({ code, fp }).toEqual({ code: signal === 'SIGKILL' ? null : 0, fp: afterFp });
      }
    });
  }
});

describe('bad input to update', () => {
  const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

  it('a --db that does not exist', () => {
    const dir = scratchDir();
    const r = dragnet(['update', split.days[0].dir, '--db', join(dir, 'nope.duckdb'), '--out', join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--db .*nope\.duckdb does not exist.*dragnet analyze DATASET --db FILE/);
    noStack(r.stderr);
  });

  it('a --db that is not a DuckDB database, or not one Dragnet wrote', async () => {
    const dir = scratchDir();
    const text = join(dir, 'notes.duckdb');
    writeFileSync(text, 'not a database\n');
    let r = dragnet(['update', split.days[0].dir, '--db', text, '--out', join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not a DuckDB database/);
    noStack(r.stderr);
    const other = join(dir, 'other.duckdb');
    const db = await Database.open(other);
    await db.run('CREATE TABLE t AS SELECT 1 AS x');
    db.close();
    r = dragnet(['update', split.days[0].dir, '--db', other, '--out', join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Dragnet did not write.*dragnet update applies a day/);
    noStack(r.stderr);
    expect(readFileSync(text, 'utf8')).toBe('not a database\n');
  });

  it('a --db inside --out, which an update replaces', () => {
    const r = dragnet(['update', split.days[0].dir, '--db', join(fullOut, 'dragnet.duckdb'), '--out', fullOut]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/lies inside --out/);
    noStack(r.stderr);
  });

  it('a pickup whose waybill exists nowhere, and one already in the database: quarantined with their reasons', async () => {
    const dir = scratchDir();
    const db = join(dir, 'run.duckdb');
    copyFileSync(before, db);
    const day = join(dir, 'day');
    mkdirSync(day);
    copyFileSync(join(split.initial, 'dataset.json'), join(day, 'dataset.json'));
    // A pickup the database holds (the file's first row might be one of the world's bad rows).
    const probe = await Database.open(':memory:');
    await probe.run(`ATTACH ${literal(before)} AS f (READ_ONLY)`);
    const held = (await probe.one<{ w: string }>(`SELECT waybill_id AS w FROM f.pickups ORDER BY waybill_id LIMIT 1`))!.w;
    probe.close();
    const [header, ...lines] = readFileSync(join(split.initial, 'pickups.csv'), 'utf8').split('\n');
    const first = lines.find((l) => l.startsWith(`${held},`))!;
    writeFileSync(join(day, 'pickups.csv'), `${header}\n${first.replace(/^[^,]*/, 'WB-NOWHERE-1')}\n${first}\n`);
    const out = join(dir, 'out');
    const s = await update({ day, dbPath: db, out, progress: silentProgress });
    expect(s.tables.pickups).toMatchObject({ read: 2, accepted: 0, quarantined: 2 });
    const q = readFileSync(join(out, 'quarantine', 'pickups.csv'), 'utf8');
    expect(q).toMatch(/pickups\.csv,1,waybill_id,dangling reference: no such waybill_id in shipments: WB-NOWHERE-1/);
    expect(q).toMatch(/pickups\.csv,2,waybill_id,duplicate id: already in the database: /);
    const fp = await fingerprint(db);
    expect(fp.pickups).toBe(beforeFp.pickups);
    expect(fp.quarantine).not.toBe(beforeFp.quarantine);
  });

  it('a day folder that does not exist', () => {
    const dir = scratchDir();
    const r = dragnet(['update', join(dir, 'missing-day'), '--db', before, '--out', join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dataset folder not found/);
    noStack(r.stderr);
  });
});

// Every dataset table is fingerprinted (a table missing from either database would show).
it('fingerprints the dataset tables', () => {
  for (const t of TABLE_NAMES) expect(Object.keys(beforeFp)).toContain(t);
});

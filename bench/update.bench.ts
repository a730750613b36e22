/**
 * `npm run bench:update`: one day's `dragnet update` on a history of N
 * pickups, beside one full `analyze` of the same world, on this machine. The
 * world (cached in .bench/, as `npm run bench` makes it) is split before its
 * last full day (evaluate/split.ts); the part before is analysed with --db,
 * then that day is applied to a copy of the database. Every run is its own
 * CLI process (the bundle bin/dragnet.js runs, see bench/cli.ts), timed on
 * the wall clock; the stage times come from each run.json. Sizes:
 * BENCH_SIZES=1000000 (default).
 *
 * Where the split's copies of the world would not fit on the disk (100M
 * pickups: about 30 GB of CSV twice over, or when BENCH_UPDATE_CUT=1), the
 * history is instead the database of the full analyze that `npm run bench`
 * left in .bench/out-SEED-N with the day's rows and later cut out of it
 * (`cutDatabase`, src/evaluate/split.ts), and the day is streamed out of the
 * world's files (`extractDay`). The database is changed in place: this bench
 * can run on it again (the cut also forgets the day's update), but for
 * anything else rerun `npm run bench` for that size first.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cutDatabase, extractDay, splitByDay } from '../src/evaluate/split.ts';
import { readManifest } from '../src/ingest/manifest.ts';
import { benchCli } from './cli.ts';

const root = resolve(import.meta.dirname, '..');
// The bundle bin/dragnet.js runs, built now if stale and pinned for the whole bench (bench/cli.ts).
const cli = benchCli(root);
const sizes = (process.env.BENCH_SIZES ?? '1000000').split(',').map(Number);
const seed = Number(process.env.BENCH_SEED ?? 1);

function run(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`dragnet ${args.join(' ')} failed with status ${r.status}`);
  return (performance.now() - t) / 1000;
}

interface RunJson {
  seconds: number;
  peak_rss_mb: number;
  stages: Record<string, number>;
  tables: Record<string, { read: number }>;
}
const runJson = (out: string) => JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
const stages = (r: RunJson) => Object.entries(r.stages).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');

const lines = [
  '| history (pickups) | day (pickups) | full analyze (wall s) | update (wall s) | update / analyze | update stages (s) | full analyze stages (s) | peak RSS (analyze / update) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const n of sizes) {
  const bench = join(root, '.bench');
  const world = join(bench, `world-${seed}-${n}`);
  if (!existsSync(join(world, 'truth/world.json'))) {
    process.stderr.write(`generating ${n.toLocaleString('en-US')} pickups...\n`);
    run(['generate', '--seed', String(seed), '--pickups', String(n), '--out', world, '--quiet']);
  }
  const end = (JSON.parse(readFileSync(join(world, 'truth/world.json'), 'utf8')) as { end_date: string }).end_date;
  // The last full day of the world comes as the update.
  const day = new Date(Date.parse(`${end}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const work = join(bench, `update-${seed}-${n}`);
  const worldBytes = ['pickups.csv', 'shipments.csv'].reduce((sum, f) => sum + (existsSync(join(world, f)) ? statSync(join(world, f)).size : 0), 0);
  const free = statfsSync(bench).bavail * statfsSync(bench).bsize;
  const m = process.env.BENCH_UPDATE_CUT === '1' || 2 * worldBytes > free ? await cutMeasure(world, work, day, n) : await splitMeasure(world, work, day);
  lines.push(
    `| ${m.history.toLocaleString('en-US')} | ${m.update.tables.pickups?.read.toLocaleString('en-US') ?? 0} | ${m.full.toFixed(1)} | ${m.seconds.toFixed(1)} | ` +
      `${(m.seconds / m.full).toFixed(2)} | ${stages(m.update)} | ${stages(m.fullRun)} | ${m.fullRun.peak_rss_mb} / ${m.update.peak_rss_mb} MB |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);

interface Measured {
  /** Pickups in the history the day was applied to. */
  history: number;
  /** Wall seconds of the full analyze, and of the update. */
  full: number;
  seconds: number;
  fullRun: RunJson;
  update: RunJson;
}

/** The world split before `day`; the history analysed with --db, the day applied to a copy; a full in-memory analyze beside. */
async function splitMeasure(world: string, work: string, day: string): Promise<Measured> {
  process.stderr.write(`splitting before ${day}...\n`);
  const split = await splitByDay(world, join(work, 'split'), day);
  const first = split.days[0]!;
  process.stderr.write('full analyze...\n');
  const fullOut = join(work, 'full');
  const full = run(['analyze', world, '--out', fullOut, '--db', ':memory:', '--quiet']);
  process.stderr.write('analyze of the history with --db...\n');
  const db = join(work, 'history.duckdb');
  rmSync(db, { force: true });
  run(['analyze', split.initial, '--out', join(work, 'history'), '--db', db, '--quiet']);
  const copy = join(work, 'run.duckdb');
  copyFileSync(db, copy);
  rmSync(`${copy}.wal`, { force: true });
  process.stderr.write(`update with ${first.day}...\n`);
  const updOut = join(work, 'updated');
  const seconds = run(['update', first.dir, '--db', copy, '--out', updOut, '--quiet']);
  process.stderr.write(`database ${(statSync(copy).size / 2 ** 20).toFixed(0)} MB\n`);
  return { history: runJson(join(work, 'history')).tables.pickups.read, full, seconds, fullRun: runJson(fullOut), update: runJson(updOut) };
}

/**
 * The full analyze `npm run bench` left (its run.json's seconds stand for its
 * wall time), cut back to the history before `day`; the day streamed out of
 * the world and applied to it.
 */
async function cutMeasure(world: string, work: string, day: string, n: number): Promise<Measured> {
  const fullOut = join(root, '.bench', `out-${seed}-${n}`);
  const file = join(fullOut, 'dragnet.duckdb');
  if (!existsSync(file)) throw new Error(`${file} is missing: run BENCH_SIZES=${n} npm run bench first`);
  const fullRun = runJson(fullOut);
  process.stderr.write(`extracting ${day}...\n`);
  const dayDir = join(work, 'day');
  await extractDay(world, dayDir, day);
  process.stderr.write(`cutting ${day} and later out of ${file}...\n`);
  const history = await cutDatabase(file, readManifest(world).timezone, day);
  process.stderr.write(`update with ${day}...\n`);
  const updOut = join(work, 'updated');
  const seconds = run(['update', dayDir, '--db', file, '--out', updOut, '--quiet']);
  process.stderr.write(`database ${(statSync(file).size / 2 ** 20).toFixed(0)} MB\n`);
  return { history, full: fullRun.seconds, seconds, fullRun, update: runJson(updOut) };
}


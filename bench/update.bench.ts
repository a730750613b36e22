/**
 * `npm run bench:update`: one day's `dragnet update` on a history of N
 * pickups, beside one full `analyze` of the same world, on this machine. The
 * world (cached in .bench/, as `npm run bench` makes it) is split before its
 * last full day (evaluate/split.ts); the part before is analysed with --db,
 * then that day is applied to a copy of the database. Every run is its own
 * CLI process (bin/dragnet.js), timed on the wall clock; the stage times come
 * from each run.json. Sizes: BENCH_SIZES=1000000 (default).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { splitByDay } from '../src/evaluate/split.ts';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'bin/dragnet.js');
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
  process.stderr.write(`splitting before ${day}...\n`);
  const work = join(bench, `update-${seed}-${n}`);
  const split = await splitByDay(world, join(work, 'split'), day);
  const first = split.days[0];

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
  const upd = run(['update', first.dir, '--db', copy, '--out', updOut, '--quiet']);
  const u = runJson(updOut);
  const f = runJson(fullOut);
  const history = runJson(join(work, 'history')).tables.pickups.read;
  lines.push(
    `| ${history.toLocaleString('en-US')} | ${u.tables.pickups?.read.toLocaleString('en-US') ?? 0} | ${full.toFixed(1)} | ${upd.toFixed(1)} | ` +
      `${(upd / full).toFixed(2)} | ${stages(u)} | ${stages(f)} | ${f.peak_rss_mb} / ${u.peak_rss_mb} MB |`,
  );
  process.stderr.write(`database ${(statSync(copy).size / 2 ** 20).toFixed(0)} MB\n`);
}
process.stdout.write(`${lines.join('\n')}\n`);

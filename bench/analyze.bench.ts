/**
 * `npm run bench`: analyze beside a bare DuckDB pass over the same files, at
 * 1M and 10M pickups on this machine, as tables. Worlds come from the
 * generator (cached in .bench/, regenerated when missing); every run is its
 * own process, so its peak RSS is its own, and the CLI runs as users run it
 * (bin/dragnet.js). Sizes: BENCH_SIZES=1000000,10000000 (default; add
 * 100000000 for the national scale: about 30 GB of CSV and an hour to
 * generate). The generate time and peak memory are kept beside the cached
 * world (.bench/world-SEED-N.generate.json), so a cached world still reports
 * what making it cost.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'bin/dragnet.js');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const sizes = (process.env.BENCH_SIZES ?? '1000000,10000000').split(',').map(Number);
const seed = Number(process.env.BENCH_SEED ?? 1);

function run(args: string[], stdout: 'ignore' | 'pipe' = 'ignore'): { seconds: number; out: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', stdout, 'inherit'], encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed with status ${r.status}`);
  return { seconds: (performance.now() - t) / 1000, out: r.stdout ?? '' };
}

/** Median wall time of a few runs of the CLI doing nothing but start (and print its help). */
function startup(): number {
  const times = Array.from({ length: 5 }, () => run([cli, '--help']).seconds).sort((a, b) => a - b);
  return times[2];
}

interface Row {
  pickups: number;
  megabytes: number;
  generate: { seconds: number; peak_rss_mb: number } | null;
  bare: number;
  bareRss: number;
  analyze: number;
  rss: number;
  stages: Record<string, number>;
  dbMegabytes: number;
}

const rows: Row[] = [];
for (const n of sizes) {
  const world = join(root, '.bench', `world-${seed}-${n}`);
  const generated = `${world}.generate.json`;
  if (!existsSync(join(world, 'truth/world.json'))) {
    process.stderr.write(`generating ${n.toLocaleString('en-US')} pickups...\n`);
    const { out } = run([cli, 'generate', '--seed', String(seed), '--pickups', String(n), '--out', world, '--quiet'], 'pipe');
    // The summary's first line: "Generated world ... in 12.3s (peak memory 480 MB)".
    const m = /in ([\d.]+)s \(peak memory (\d+) MB\)/.exec(out);
    if (m) writeFileSync(generated, JSON.stringify({ seconds: Number(m[1]), peak_rss_mb: Number(m[2]) }) + '\n');
  }
  const generate = existsSync(generated) ? (JSON.parse(readFileSync(generated, 'utf8')) as Row['generate']) : null;
  const megabytes = ['pickups.csv', 'shipments.csv', 'listings.csv', 'sellers.csv']
    .map((f) => (existsSync(join(world, f)) ? readFileSync(join(world, f)).byteLength : 0))
    .reduce((a, b) => a + b, 0) / 2 ** 20;
  process.stderr.write(`bare DuckDB pass over ${n.toLocaleString('en-US')} pickups...\n`);
  const bare = JSON.parse(run([tsx, join(root, 'bench/bare-duckdb.ts'), world], 'pipe').out) as { seconds: number; peak_rss_mb: number };
  const out = join(root, '.bench', `out-${seed}-${n}`);
  process.stderr.write(`analyzing ${n.toLocaleString('en-US')} pickups...\n`);
  const { seconds } = run([cli, 'analyze', world, '--out', out, '--quiet']);
  const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { peak_rss_mb: number; stages: Record<string, number> };
  const dbMegabytes = statSync(join(out, 'dragnet.duckdb')).size / 2 ** 20;
  rows.push({ pickups: n, megabytes, generate, bare: bare.seconds, bareRss: bare.peak_rss_mb, analyze: seconds, rss: runJson.peak_rss_mb, stages: runJson.stages, dbMegabytes });
}

const cpu = cpus();
console.log(`\nMachine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
console.log(`CLI start-up (\`dragnet --help\`, median of 5): ${startup().toFixed(2)} s\n`);
console.log('| pickups | CSV MB | generate (peak RSS) | bare DuckDB pass | ingest | analyze (wall) | analyze / bare | pickups/s | peak RSS (bare / analyze) | database MB |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.pickups.toLocaleString('en-US')} | ${r.megabytes.toFixed(0)} | ${r.generate ? `${r.generate.seconds.toFixed(0)} s (${r.generate.peak_rss_mb} MB)` : 'not recorded'} | ` +
      `${r.bare.toFixed(1)} s | ${(r.stages.ingest ?? 0).toFixed(1)} s | ` +
      `${r.analyze.toFixed(1)} s | ${(r.analyze / r.bare).toFixed(1)}x | ${Math.round(r.pickups / r.analyze).toLocaleString('en-US')} | ` +
      `${r.bareRss.toLocaleString('en-US')} / ${r.rss.toLocaleString('en-US')} MB | ${r.dbMegabytes.toFixed(0)} |`,
  );
}
const names = [...new Set(rows.flatMap((r) => Object.keys(r.stages)))];
console.log(`\nStages (seconds, from run.json):\n`);
console.log(`| pickups | ${names.join(' | ')} |`);
console.log(`|---:|${names.map(() => '---:').join('|')}|`);
for (const r of rows) {
  console.log(`| ${r.pickups.toLocaleString('en-US')} | ${names.map((s) => (r.stages[s] ?? 0).toFixed(2)).join(' | ')} |`);
}

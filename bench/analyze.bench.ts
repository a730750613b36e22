/**
 * `npm run bench`: analyze beside a bare DuckDB pass over the same files, at
 * 1M and 10M pickups on this machine, as tables. Worlds come from the
 * generator (cached in .bench/, regenerated when missing); every run is its
 * own process, so its peak RSS is its own, and the CLI runs as users run it
 * (the bundle bin/dragnet.js runs, see bench/cli.ts). Sizes: BENCH_SIZES=1000000,10000000 (default; add
 * 100000000 for the national scale: about 30 GB of CSV and an hour to
 * generate). The generate time and peak memory are kept beside the cached
 * world (.bench/world-SEED-N.generate.json), so a cached world still reports
 * what making it cost. BENCH_RUNS=N (default 1) runs the bare pass and
 * analyze N times each, alternated, and reports the median run with the
 * range: on a shared machine one run of the same code can differ from the
 * next by a third.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { benchCli } from './cli.ts';

const root = resolve(import.meta.dirname, '..');
// The bundle bin/dragnet.js runs, built now if stale and pinned for the whole bench (bench/cli.ts).
const cli = benchCli(root);
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const sizes = (process.env.BENCH_SIZES ?? '1000000,10000000').split(',').map(Number);
const seed = Number(process.env.BENCH_SEED ?? 1);
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));

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
  /** Fastest and slowest of the runs (BENCH_RUNS). */
  bareRange: [number, number];
  analyzeRange: [number, number];
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
    .map((f) => (existsSync(join(world, f)) ? statSync(join(world, f)).size : 0))
    .reduce((a, b) => a + b, 0) / 2 ** 20;
  const out = join(root, '.bench', `out-${seed}-${n}`);
  const bares: { seconds: number; peak_rss_mb: number }[] = [];
  const analyses: { seconds: number; peak_rss_mb: number; stages: Record<string, number>; dbMegabytes: number }[] = [];
  for (let i = 1; i <= runs; i++) {
    const of = runs > 1 ? ` (run ${i} of ${runs})` : '';
    process.stderr.write(`bare DuckDB pass over ${n.toLocaleString('en-US')} pickups${of}...\n`);
    bares.push(JSON.parse(run([tsx, join(root, 'bench/bare-duckdb.ts'), world], 'pipe').out) as { seconds: number; peak_rss_mb: number });
    process.stderr.write(`analyzing ${n.toLocaleString('en-US')} pickups${of}...\n`);
    const { seconds } = run([cli, 'analyze', world, '--out', out, '--quiet']);
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { peak_rss_mb: number; stages: Record<string, number> };
    analyses.push({ seconds, peak_rss_mb: runJson.peak_rss_mb, stages: runJson.stages, dbMegabytes: statSync(join(out, 'dragnet.duckdb')).size / 2 ** 20 });
  }
  const bare = median(bares);
  const analysis = median(analyses);
  rows.push({
    pickups: n,
    megabytes,
    generate,
    bare: bare.seconds,
    bareRss: bare.peak_rss_mb,
    bareRange: range(bares),
    analyze: analysis.seconds,
    analyzeRange: range(analyses),
    rss: analysis.peak_rss_mb,
    stages: analysis.stages,
    dbMegabytes: analysis.dbMegabytes,
  });
}

/** The run with the median wall time (the lower middle of an even number). */
function median<T extends { seconds: number }>(xs: readonly T[]): T {
  return [...xs].sort((a, b) => a.seconds - b.seconds)[Math.floor((xs.length - 1) / 2)];
}

function range(xs: readonly { seconds: number }[]): [number, number] {
  const s = xs.map((x) => x.seconds);
  return [Math.min(...s), Math.max(...s)];
}

/** Seconds, with the range of the runs when there were several. */
const secs = (v: number, [lo, hi]: [number, number]) => (runs > 1 ? `${v.toFixed(1)} s (${lo.toFixed(1)}-${hi.toFixed(1)})` : `${v.toFixed(1)} s`);

const cpu = cpus();
console.log(`\nMachine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
console.log(`CLI start-up (\`dragnet --help\`, median of 5): ${startup().toFixed(2)} s`);
console.log(runs > 1 ? `Runs: ${runs} of each, alternated; the median run, its fastest and slowest in brackets.\n` : '');
console.log('| pickups | CSV MB | generate (peak RSS) | bare DuckDB pass | ingest | analyze (wall) | analyze / bare | pickups/s | peak RSS (bare / analyze) | database MB |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.pickups.toLocaleString('en-US')} | ${r.megabytes.toFixed(0)} | ${r.generate ? `${r.generate.seconds.toFixed(0)} s (${r.generate.peak_rss_mb} MB)` : 'not recorded'} | ` +
      `${secs(r.bare, r.bareRange)} | ${(r.stages.ingest ?? 0).toFixed(1)} s | ` +
      `${secs(r.analyze, r.analyzeRange)} | ${(r.analyze / r.bare).toFixed(1)}x | ${Math.round(r.pickups / r.analyze).toLocaleString('en-US')} | ` +
      `${r.bareRss.toLocaleString('en-US')} / ${r.rss.toLocaleString('en-US')} MB | ${r.dbMegabytes.toFixed(0)} |`,
  );
}
const names = [...new Set(rows.flatMap((r) => Object.keys(r.stages)))];
console.log(`\nStages (seconds, from run.json${runs > 1 ? ' of the median run' : ''}):\n`);
console.log(`| pickups | ${names.join(' | ')} |`);
console.log(`|---:|${names.map(() => '---:').join('|')}|`);
for (const r of rows) {
  console.log(`| ${r.pickups.toLocaleString('en-US')} | ${names.map((s) => (r.stages[s] ?? 0).toFixed(2)).join(' | ')} |`);
}

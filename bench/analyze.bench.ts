/**
 * `npm run bench`: analyze time and peak memory at 1M and 10M pickups on
 * this machine, as a table. Worlds come from the generator (cached in
 * .bench/, regenerated when missing); each analysis runs in its own process
 * so its peak RSS is its own. Sizes: BENCH_SIZES=1000000,10000000 (default).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'bin/dragnet.js');
const sizes = (process.env.BENCH_SIZES ?? '1000000,10000000').split(',').map(Number);
const seed = Number(process.env.BENCH_SEED ?? 1);

function run(args: string[]): { seconds: number } {
  const t = Date.now();
  const r = spawnSync(process.execPath, [cli, ...args, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`dragnet ${args.join(' ')} failed with status ${r.status}`);
  return { seconds: (Date.now() - t) / 1000 };
}

interface Row {
  pickups: number;
  generate: string;
  analyze: number;
  rss: number;
  rate: number;
  stages: Record<string, number>;
}

const rows: Row[] = [];
for (const n of sizes) {
  const world = join(root, '.bench', `world-${seed}-${n}`);
  let generate = 'cached';
  if (!existsSync(join(world, 'truth/world.json'))) {
    process.stderr.write(`generating ${n.toLocaleString('en-US')} pickups...\n`);
    generate = `${run(['generate', '--seed', String(seed), '--pickups', String(n), '--out', world]).seconds.toFixed(0)} s`;
  }
  const out = join(root, '.bench', `out-${seed}-${n}`);
  process.stderr.write(`analyzing ${n.toLocaleString('en-US')} pickups...\n`);
  const { seconds } = run(['analyze', world, '--out', out]);
  const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { peak_rss_mb: number; stages: Record<string, number> };
  rows.push({ pickups: n, generate, analyze: seconds, rss: runJson.peak_rss_mb, rate: n / seconds, stages: runJson.stages });
}

const cpu = cpus();
console.log(`\nMachine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
console.log('| pickups | generate | analyze (wall) | pickups/s | peak RSS | ingest | sites+leads |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const sitesAndLeads = (r.stages.sites ?? 0) + (r.stages.leads ?? 0);
  console.log(
    `| ${r.pickups.toLocaleString('en-US')} | ${r.generate} | ${r.analyze.toFixed(1)} s | ${Math.round(r.rate).toLocaleString('en-US')} | ` +
      `${r.rss.toLocaleString('en-US')} MB | ${(r.stages.ingest ?? 0).toFixed(1)} s | ${sitesAndLeads.toFixed(1)} s |`,
  );
}

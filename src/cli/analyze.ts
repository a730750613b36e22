/** `dragnet analyze DATASET --out DIR [--db FILE]`: dataset in, results contract out. */
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { analyze, METHODS, type Method, type RunSummary } from '../pipeline.ts';
import { createProgress } from './progress.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_MEMORY_LIMIT } from '../engine/database.ts';
import { SIGNALS, Signals } from '../stages/signals.ts';
import { Workspace } from '../workspace/store.ts';
import { feedbackFiles } from '../workspace/feedback.ts';
import { registerRun } from '../workspace/runs.ts';
import { SYSTEM } from '../workspace/audit.ts';
import { formatRegistered } from './workspace.ts';

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Read a dataset in the contract, score listings and sellers, link networks, locate and rank sites')
    .argument('<dataset>', 'dataset folder (see shared/contract/DATASET.md)')
    .requiredOption('--out <dir>', 'folder for the results (leads.geojson, seller_scores.csv, listing_scores.csv, run.json, quarantine/), replaced whole once the run succeeds')
    .option('--db <file>', 'DuckDB database file to keep the tables in (default OUT/dragnet.duckdb; ":memory:" keeps none); an existing FILE is replaced only if an earlier run wrote it')
    .option('--method <name>', `analysis method: ${METHODS.join(', ')} (hotspot: naive night-pickup baseline; price-dbscan: density clusters of sellers flagged by price alone)`, 'dragnet')
    .option('--memory-limit <size>', `DuckDB memory ceiling before it spills to disk, e.g. 8GB, 8GiB or 50% of memory (default ${DEFAULT_MEMORY_LIMIT})`)
    .option('--engine <url>', 'run the heavy stages on a ClickHouse cluster: clickhouse://HOST:PORT[,HOST:PORT...]/DATABASE[?cluster=NAME] (HTTP ports; see docs/scale.md); default: all in the embedded DuckDB')
    .option('--top <n>', 'leads to print in the summary', '10')
    .option('--without <signals>', `switch signals off, to see what they add (comma-separated: ${Object.keys(SIGNALS).join(', ')})`)
    .option('--workspace <dir>', 'register the run in this workspace (created if needed), and read its closed cases as outcomes and its reports beside the dataset\'s')
    .option('--quiet', 'no progress on stderr')
    .action(async (dataset: string, opts: AnalyzeCliOptions) => {
      if (!(METHODS as readonly string[]).includes(opts.method)) {
        throw new UserError(`--method must be one of ${METHODS.join(', ')}, not ${opts.method}`);
      }
      let signals: Signals | undefined;
      try {
        signals = opts.without ? Signals.parse(opts.without) : undefined;
      } catch (e) {
        throw new UserError(`--without: ${(e as Error).message}`);
      }
      if (!/^\d+$/.test(opts.top.trim())) {
        throw new UserError(`--top takes the number of leads to print, e.g. --top 20, not ${JSON.stringify(opts.top)}`);
      }
      const ws = opts.workspace ? Workspace.open(opts.workspace, { create: true }) : undefined;
      try {
        const extraFiles = ws ? feedbackFiles(ws) : undefined;
        const summary = await analyze({
          dataset,
          out: opts.out,
          dbPath: opts.db,
          method: opts.method as Method,
          memoryLimit: opts.memoryLimit === undefined ? undefined : memoryLimit(opts.memoryLimit),
          engine: opts.engine,
          signals,
          progress: createProgress({ quiet: opts.quiet }),
          extraFiles,
        });
        process.stdout.write(formatSummary(summary, opts.out, Number(opts.top)));
        if (ws) process.stdout.write(formatRegistered(await registerRun(ws, SYSTEM, opts.out)));
      } finally {
        ws?.close();
      }
    });
}

const UNITS: Record<string, number> = {
  b: 1, bytes: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20,
  g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40,
};
/** Below this DuckDB cannot hold even its first buffers and fails mid-run. */
const MIN_MEMORY = 64e6;

/**
 * --memory-limit in DuckDB's size syntax (512MB, 4GB, 4GiB), or a share of
 * the machine's memory (80%), which DuckDB's setting does not take and is
 * therefore turned into MiB here. Checked up front: DuckDB's own complaint
 * would come after the run started, as a stack trace.
 */
export function memoryLimit(value: string): string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+|%)\s*$/i.exec(value);
  const unit = m?.[2].toLowerCase();
  const fail = (why: string) =>
    new UserError(`--memory-limit ${JSON.stringify(value)}: ${why}; give a size such as 512MB, 4GB or 4GiB, or a share of memory such as 80%`);
  if (!m || unit === undefined || (unit !== '%' && !(unit in UNITS))) throw fail('not a size');
  const n = Number(m[1]);
  if (unit === '%') {
    if (n <= 0 || n > 100) throw fail('a share of memory is between 1% and 100%');
    const mib = Math.floor((totalmem() * n) / 100 / 2 ** 20);
    if (mib * 2 ** 20 < MIN_MEMORY) throw fail('too little for DuckDB to work in (at least 64MB)');
    return `${mib}MiB`;
  }
  if (n * UNITS[unit] < MIN_MEMORY) throw fail('too little for DuckDB to work in (at least 64MB)');
  return value.trim();
}

interface AnalyzeCliOptions {
  out: string;
  db?: string;
  method: string;
  memoryLimit?: string;
  engine?: string;
  top: string;
  without?: string;
  quiet?: boolean;
  workspace?: string;
}

/** The short human summary that ends `analyze` (and `demo`). */
export function formatSummary(s: RunSummary, out: string, top: number): string {
  const lines: string[] = [];
  lines.push(`Read ${s.dataset} in ${s.seconds.toFixed(1)}s (peak memory ${s.peakRssMb} MB):`);
  const width = Math.max(10, ...Object.keys(s.tables).map((t) => t.length));
  lines.push(`  ${'table'.padEnd(width)} ${'read'.padStart(10)} ${'accepted'.padStart(10)} ${'quarantined'.padStart(12)}`);
  for (const [table, c] of Object.entries(s.tables)) {
    lines.push(`  ${table.padEnd(width)} ${fmt(c.read).padStart(10)} ${fmt(c.accepted).padStart(10)} ${fmt(c.quarantined).padStart(12)}`);
  }
  lines.push('');
  if (s.leads.length === 0) {
    lines.push(`No leads (method ${s.method}): no place gathers enough parcels of risky sellers.`);
  } else {
    lines.push(`${s.leads.length} leads (method ${s.method}). Top ${Math.min(top, s.leads.length)}:`);
  }
  if (s.leads.length > 0) lines.push(`  ${'rank'.padStart(4)}  ${'score'.padStart(5)}  ${'lat,lng (WGS84)'.padEnd(21)} ${'radius'.padStart(6)}  ${'parcels'.padStart(7)}  ${'status'.padEnd(7)}  why`);
  for (const l of s.leads.slice(0, top)) {
    lines.push(
      `  ${String(l.rank).padStart(4)}  ${l.score.toFixed(2).padStart(5)}  ${`${l.lat.toFixed(5)},${l.lng.toFixed(5)}`.padEnd(21)} ${`${l.radius_m}m`.padStart(6)}  ${fmt(l.waybills).padStart(7)}  ${l.status.padEnd(7)}  ${l.evidence[0] ?? ''}`,
    );
  }
  lines.push('');
  const impact = existsSync(join(out, 'impact')) ? ', impact/' : '';
  lines.push(`Results in ${out}: leads.geojson, seller_scores.csv, listing_scores.csv, run.json, quarantine/${impact}`);
  return lines.join('\n') + '\n';
}

const fmt = (n: number) => n.toLocaleString('en-US');

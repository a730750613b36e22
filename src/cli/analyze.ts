/** `dragnet analyze DATASET --out DIR [--db FILE]`: dataset in, results contract out. */
import type { Command } from 'commander';
import { analyze, METHODS, type Method, type RunSummary } from '../pipeline.ts';
import { createProgress } from './progress.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_MEMORY_LIMIT } from '../engine/database.ts';
import { SIGNALS, Signals } from '../stages/signals.ts';

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Read a dataset in the contract, score listings and sellers, link networks, locate and rank sites')
    .argument('<dataset>', 'dataset folder (see shared/contract/DATASET.md)')
    .requiredOption('--out <dir>', 'folder for the results (leads.geojson, seller_scores.csv, listing_scores.csv, run.json, quarantine/)')
    .option('--db <file>', 'DuckDB database file to keep the tables in (default OUT/dragnet.duckdb; ":memory:" keeps none)')
    .option('--method <name>', `analysis method: ${METHODS.join(', ')} (hotspot: naive night-pickup baseline; price-dbscan: density clusters of sellers flagged by price alone)`, 'dragnet')
    .option('--memory-limit <size>', `DuckDB memory ceiling before it spills to disk, e.g. 8GB (default ${DEFAULT_MEMORY_LIMIT})`)
    .option('--top <n>', 'leads to print in the summary', '10')
    .option('--without <signals>', `switch signals off, to see what they add (comma-separated: ${Object.keys(SIGNALS).join(', ')})`)
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
      const summary = await analyze({
        dataset,
        out: opts.out,
        dbPath: opts.db,
        method: opts.method as Method,
        memoryLimit: opts.memoryLimit,
        signals,
        progress: createProgress({ quiet: opts.quiet }),
      });
      process.stdout.write(formatSummary(summary, opts.out, Number(opts.top) || 10));
    });
}

interface AnalyzeCliOptions {
  out: string;
  db?: string;
  method: string;
  memoryLimit?: string;
  top: string;
  without?: string;
  quiet?: boolean;
}

/** The short human summary that ends `analyze` (and `demo`). */
export function formatSummary(s: RunSummary, out: string, top: number): string {
  const lines: string[] = [];
  lines.push(`Read ${s.dataset} in ${s.seconds.toFixed(1)}s (peak memory ${s.peakRssMb} MB):`);
  lines.push(`  ${'table'.padEnd(10)} ${'read'.padStart(10)} ${'accepted'.padStart(10)} ${'quarantined'.padStart(12)}`);
  for (const [table, c] of Object.entries(s.tables)) {
    lines.push(`  ${table.padEnd(10)} ${fmt(c.read).padStart(10)} ${fmt(c.accepted).padStart(10)} ${fmt(c.quarantined).padStart(12)}`);
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
  lines.push(`Results in ${out}: leads.geojson, seller_scores.csv, listing_scores.csv, run.json, quarantine/`);
  return lines.join('\n') + '\n';
}

const fmt = (n: number) => n.toLocaleString('en-US');

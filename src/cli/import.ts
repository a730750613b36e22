/** `dragnet import lade-p FILE... --year N --crs CRS --out DATASET`: outside data layouts into the dataset contract. */
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { CRS_VALUES, type Crs } from '../contract/dataset.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_TIMEZONE, importLadeP, QUARANTINE_FILE, type LadePImportSummary } from '../import/lade-p.ts';
import { createProgress } from './progress.ts';

interface LadePCliOptions {
  year: string;
  crs: string;
  out: string;
  timezone?: string;
  format: string;
  name?: string;
  overwrite?: boolean;
  quiet?: boolean;
}

/** Registers `import` and its adapters on the program. */
export function registerImport(program: Command): void {
  const imp = program
    .command('import')
    .description('Convert outside data layouts into the dataset contract (adapters: lade-p)');

  imp
    .command('lade-p')
    .summary("convert LaDe-P pickup files into the contract's pickups table (+ dataset.json, quarantine)")
    .description(
      "Convert LaDe-P pickup files (Cainiao's public first-mile layout: order_id, ..., pickup_time as MM-DD HH:MM:SS, ds as MMDD) " +
        `into the contract's pickups table DATASET/pickups.csv, with DATASET/${QUARANTINE_FILE} for the rows that cannot be ` +
        'converted and DATASET/dataset.json (name, crs, timezone; merged into one already there)',
    )
    .argument('<files...>', 'LaDe-P CSV files (several are read as one table, e.g. pickup_*.csv)')
    .requiredOption(
      '--year <yyyy>',
      'the year of the data, which LaDe-P times lack: every row gets this year (a file crossing New Year must be split by month and imported part by part)',
    )
    .requiredOption('--crs <crs>', `coordinate system of lng/lat and pickup_gps_lng/lat, which LaDe-P does not name: ${CRS_VALUES.join(' or ')} (Chinese map data is usually GCJ-02)`)
    .requiredOption('--out <dataset>', 'dataset folder to write into (created if absent; other tables in it are left alone)')
    .option('--timezone <zone>', `IANA time zone of the local times (default ${DEFAULT_TIMEZONE})`)
    .option('--format <format>', 'pickups file format: csv or parquet', 'csv')
    .option('--name <name>', "dataset name for dataset.json (default: the manifest's own, else the folder's name)")
    .option('--overwrite', 'replace a pickups file the folder already holds')
    .option('--quiet', 'no progress on stderr')
    .action(async (files: string[], opts: LadePCliOptions) => {
      const summary = await importLadeP({
        files,
        out: opts.out,
        year: parseYear(opts.year),
        crs: parseCrs(opts.crs),
        timezone: opts.timezone,
        format: parseFormat(opts.format),
        name: opts.name,
        overwrite: opts.overwrite,
        progress: createProgress({ quiet: opts.quiet }),
      });
      process.stdout.write(formatImportSummary(summary));
    });
}

export function parseYear(value: string): number {
  if (!/^\d{4}$/.test(value.trim()) || Number(value) < 1000) {
    throw new UserError(`--year must be a four-digit year such as 2026, not '${value}'`);
  }
  return Number(value);
}

/** WGS84 or GCJ-02; spellings such as gcj02 or wgs-84 are accepted. */
export function parseCrs(value: string): Crs {
  const key = value.trim().toUpperCase().replace(/[-_ ]/g, '');
  const crs = CRS_VALUES.find((c) => c.replace('-', '') === key);
  if (!crs) throw new UserError(`--crs must be ${CRS_VALUES.join(' or ')}, not '${value}'`);
  return crs;
}

function parseFormat(value: string): 'csv' | 'parquet' {
  if (value !== 'csv' && value !== 'parquet') throw new UserError(`--format must be csv or parquet, not '${value}'`);
  return value;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** The short human summary that ends `import lade-p`: read = written + quarantined, per file and in all. */
export function formatImportSummary(s: LadePImportSummary): string {
  const shown = (p: string) => {
    const r = relative(process.cwd(), p);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
  };
  const lines = [`Imported LaDe-P pickups in ${s.seconds.toFixed(1)}s (year ${s.year}, crs ${String(s.manifest.crs)}, timezone ${String(s.manifest.timezone)}):`];
  const width = Math.max(4, ...s.files.map((f) => f.file.length));
  lines.push(`  ${'file'.padEnd(width)} ${'read'.padStart(11)} ${'written'.padStart(11)} ${'quarantined'.padStart(11)}`);
  for (const f of s.files) {
    lines.push(`  ${f.file.padEnd(width)} ${fmt(f.read).padStart(11)} ${fmt(f.written).padStart(11)} ${fmt(f.quarantined).padStart(11)}`);
  }
  if (s.files.length > 1) {
    lines.push(`  ${'all'.padEnd(width)} ${fmt(s.read).padStart(11)} ${fmt(s.written).padStart(11)} ${fmt(s.quarantined).padStart(11)}`);
  }
  lines.push(`  read ${fmt(s.read)} = written ${fmt(s.written)} + quarantined ${fmt(s.quarantined)}`);
  if (s.quarantined > 0) {
    lines.push(`  quarantined, by reason${s.rejectedByReader > 0 ? ` (${fmt(s.rejectedByReader)} record${s.rejectedByReader === 1 ? '' : 's'} the CSV reader rejected)` : ''}:`);
    for (const r of s.reasons) lines.push(`    ${fmt(r.count).padStart(9)}  ${r.column}: ${r.reason}`);
  }
  if (s.firstPickup) lines.push(`  pickups from ${s.firstPickup} to ${s.lastPickup} (local time)`);
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  lines.push(`Written to ${shown(s.pickupsPath)}, ${shown(s.manifestPath)} and ${shown(s.quarantinePath)}`);
  return `${lines.join('\n')}\n`;
}

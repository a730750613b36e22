/**
 * Ingest: dataset folder -> typed, validated tables in the database, plus
 * `quarantine` with every rejected record. The manifest and the files of every
 * table are found (and their headers checked) before any table is read, so a
 * missing table or a missing column stops the run before any work.
 */
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { VALIDATION_ORDER, type Manifest, type TableName } from '../contract/dataset.ts';
import { Database, literal } from '../engine/database.ts';
import type { Progress } from '../cli/progress.ts';
import { discoverTables, type TableFile } from './discover.ts';
import { checkedCsvHeader, makeScratch, removeScratch, stageFile } from './load.ts';
import { readManifest } from './manifest.ts';
import { notTextProblem } from './text-scan.ts';
import { createEmpty, createQuarantineTable, createStaging, finishTable, pickupRegion, QUARANTINE_TABLE, type History, type Region, type Stage } from './validate.ts';
import { UserError } from '../errors.ts';

export interface TableCount {
  files: string[];
  read: number;
  accepted: number;
  quarantined: number;
}

export interface IngestReport {
  manifest: Manifest & { name: string };
  tables: Partial<Record<TableName, TableCount>>;
  /** Where the pickups lie, from which implausible places were judged. */
  region?: Region;
  /** Files DuckDB could not read as they are, and why: they were parsed record by record. */
  notes: string[];
}

const TRACE = process.env.DRAGNET_SQL_TRACE === '1';

/**
 * The database a day of new rows is checked against (`dragnet update`): keys
 * and references look at its rows too, every table is optional, and places
 * are judged against the region the database's own pickups gave (a day's few
 * pickups would give another).
 */
export interface IngestHistory extends History {
  region?: Region;
}

/**
 * Reads a dataset into `db`; tables absent from the dataset are created empty so stages can rely on them.
 * `extra` adds CSV files to tables, read after the dataset's own (a workspace's outcomes and reports).
 */
export async function ingestDataset(
  db: Database,
  dir: string,
  progress: Progress,
  extra: Partial<Record<TableName, string[]>> = {},
  history?: IngestHistory,
): Promise<IngestReport> {
  const manifest = readManifest(dir);
  const found = discoverTables(dir, { allOptional: history !== undefined });
  for (const [table, files] of Object.entries(extra) as [TableName, string[]][]) {
    found.set(table, [...(found.get(table) ?? []), ...files.map((path) => ({ path, format: 'csv' as const }))]);
  }
  checkFiles(found);
  await db.run(`SET TimeZone = ${literal(manifest.timezone)}`);
  await createQuarantineTable(db);

  const scratch = makeScratch();
  const present = new Set<TableName>();
  const tables: IngestReport['tables'] = {};
  let region: Region | undefined = history?.region;
  const notes: string[] = [];
  // Progress by bytes read: the pickups and shipments are nearly all of it.
  const sizes = new Map([...found].map(([t, files]) => [t, files.reduce((sum, f) => sum + statSync(f.path).size, 0)]));
  const totalMb = Math.max(1, Math.round([...sizes.values()].reduce((a, b) => a + b, 0) / 2 ** 20));
  let doneMb = 0;
  try {
    for (const table of VALIDATION_ORDER) {
      const files = found.get(table);
      if (!files) {
        // An optional table that is absent behaves as an empty one.
        await createEmpty(db, table);
        continue;
      }
      await createStaging(db, table);
      // One line a table when done; while it runs, the share of the dataset's megabytes read so far.
      progress.step(`ingest ${table}`, totalMb);
      progress.tick(Math.round(doneMb));
      const stages: Stage[] = [];
      for (const file of files) {
        const note = (m: string) => {
          notes.push(m);
          if (TRACE) process.stderr.write(`[ingest] ${m}\n`);
        };
        const ctx = { db, table, scratch, crs: manifest.crs, note };
        stages.push(await stageFile(ctx, file, relative(dir, file.path)));
      }
      await db.checkpoint();
      if (table === 'pickups') region = history?.region ?? (await pickupRegion(db));
      // Records the readers rejected never reached a stage: they count as read and quarantined.
      const readerRejects = await db.scalar(`SELECT count(*) FROM ${QUARANTINE_TABLE} WHERE table_name = $1`, [table]);
      const counts = await finishTable(db, table, stages, present, region, history);
      await db.checkpoint();
      const quarantined = await db.scalar(`SELECT count(*) FROM ${QUARANTINE_TABLE} WHERE table_name = $1`, [table]);
      tables[table] = {
        files: files.map((f) => f.path),
        read: counts.staged + readerRejects,
        accepted: counts.accepted,
        quarantined,
      };
      present.add(table);
      doneMb += (sizes.get(table) ?? 0) / 2 ** 20;
      progress.done(`${counts.accepted.toLocaleString('en-US')} accepted, ${quarantined.toLocaleString('en-US')} quarantined`);
    }
  } finally {
    removeScratch(scratch);
  }
  return { manifest, tables, region, notes };
}

/** Every table file must be text (CSV and JSONL) and every CSV's header sound: checked for all tables before reading any. */
function checkFiles(found: ReadonlyMap<TableName, readonly TableFile[]>): void {
  for (const [table, files] of found) {
    for (const file of files) {
      if (file.format === 'parquet') continue;
      const notText = notTextProblem(file.path);
      if (notText) throw new UserError(`${file.path} (table ${table}) ${notText}`);
      if (file.format === 'csv') checkedCsvHeader(table, file.path);
    }
  }
}

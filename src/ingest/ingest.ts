/**
 * Ingest: dataset folder -> typed, validated tables in the database, plus
 * `quarantine` with every rejected row. All files are opened before any
 * validation, so a missing table or an unreadable file stops the run first.
 */
import { TABLES, VALIDATION_ORDER, type ColumnType, type Manifest, type TableName } from '../contract/dataset.ts';
import { Database, ident, literal } from '../engine/database.ts';
import type { Progress } from '../cli/progress.ts';
import { discoverTables } from './discover.ts';
import { createRejectsTable, loadRawTable, REJECTS_TABLE } from './load.ts';
import { readManifest } from './manifest.ts';
import { createQuarantineTable, QUARANTINE_TABLE, validateTable } from './validate.ts';

export interface TableCount {
  files: string[];
  read: number;
  accepted: number;
  quarantined: number;
}

export interface IngestReport {
  manifest: Manifest & { name: string };
  tables: Partial<Record<TableName, TableCount>>;
}

/** Reads a dataset into `db`; tables absent from the dataset are created empty so stages can rely on them. */
export async function ingestDataset(db: Database, dir: string, progress: Progress): Promise<IngestReport> {
  const manifest = readManifest(dir);
  const found = discoverTables(dir);
  await db.run(`SET TimeZone = ${literal(manifest.timezone)}`);
  await createRejectsTable(db);
  await createQuarantineTable(db);

  progress.step('ingest: reading files', found.size);
  let n = 0;
  for (const [table, files] of found) {
    await loadRawTable(db, table, files, dir);
    progress.tick(++n);
  }
  progress.done();

  progress.step('ingest: validating', VALIDATION_ORDER.length);
  const present = new Set(found.keys());
  const tables: IngestReport['tables'] = {};
  n = 0;
  for (const table of VALIDATION_ORDER) {
    if (!found.has(table)) {
      // An optional table that is absent behaves as an empty one.
      await createEmpty(db, table);
      continue;
    }
    await validateTable(db, table, manifest.crs, present);
    const rawRows = await db.scalar(`SELECT count(*) FROM ${ident(`raw_${table}`)}`);
    const rejected = await db.scalar(`SELECT count(*) FROM ${REJECTS_TABLE} WHERE table_name = $1`, [table]);
    const accepted = await db.scalar(`SELECT count(*) FROM ${ident(table)}`);
    const quarantined = await db.scalar(`SELECT count(*) FROM ${QUARANTINE_TABLE} WHERE table_name = $1`, [table]);
    tables[table] = {
      files: (found.get(table) ?? []).map((f) => f.path),
      read: rawRows + rejected,
      accepted,
      quarantined,
    };
    await db.run(`DROP TABLE ${ident(`raw_${table}`)}`);
    progress.tick(++n);
  }
  progress.done();
  await db.run(`DROP TABLE ${REJECTS_TABLE}`);
  return { manifest, tables };
}

/** SQL type of each contract column type, as validation produces it. */
const SQL_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'BIGINT',
  timestamp: 'TIMESTAMPTZ',
  date: 'DATE',
  list: 'VARCHAR[]',
};

async function createEmpty(db: Database, table: TableName): Promise<void> {
  const cols = TABLES[table].columns.map((c) => `${ident(c.name)} ${SQL_TYPES[c.type]}`).join(', ');
  await db.run(`CREATE OR REPLACE TABLE ${ident(table)} (${cols})`);
}

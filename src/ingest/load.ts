/**
 * Loads a table's files, as text, into `raw_<table>`: one VARCHAR column per
 * contract column (NULL where the file lacks it), plus `_file` and `_row`
 * (the record's number in its file, 1 = first record after the header).
 * Records the reader itself cannot take (wrong number of fields, bytes that
 * are not UTF-8, a line that is not JSON) go to `raw_rejects`, so that every
 * record read is accounted for.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { TABLES, type TableName } from '../contract/dataset.ts';
import { Database, ident, literal } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import type { TableFile } from './discover.ts';

export const REJECTS_TABLE = 'raw_rejects';

export async function createRejectsTable(db: Database): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${REJECTS_TABLE} (
    table_name VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR, reason VARCHAR, record VARCHAR)`);
}

/**
 * Loads all files of one table; throws a UserError naming the file when one
 * cannot be parsed at all. Files are labelled by their path inside the
 * dataset folder (`pickups/2026-01.csv`), as quarantine reports them.
 */
export async function loadRawTable(db: Database, table: TableName, files: readonly TableFile[], datasetDir: string): Promise<void> {
  const raw = ident(`raw_${table}`);
  const columns = TABLES[table].columns.map((c) => c.name);
  await db.run(
    `CREATE OR REPLACE TABLE ${raw} (${columns.map((c) => `${ident(c)} VARCHAR`).join(', ')}, _file VARCHAR, _row BIGINT)`,
  );
  for (const file of files) {
    // An empty file is an empty table, not a broken one.
    if (statSync(file.path).size === 0) continue;
    const label = relative(datasetDir, file.path);
    try {
      switch (file.format) {
        case 'csv':
          await loadCsv(db, table, file.path, label, columns);
          break;
        case 'jsonl':
          await loadJsonl(db, table, file.path, label, columns);
          break;
        case 'parquet':
          await loadParquet(db, table, file.path, label, columns);
          break;
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      const reason = (err as Error).message.split('\n')[0];
      throw new UserError(`cannot read ${file.path} (table ${table}): ${reason}`);
    }
  }
}

/** Header of a CSV file (first line, RFC 4180 quoting), to check required columns before reading the rows. */
function csvHeader(path: string): string[] {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
    const line = text.split(/\r?\n/, 1)[0] ?? '';
    const fields = ((parse(line, { relax_quotes: true })[0] as string[] | undefined) ?? []).map((c) => c.trim());
    const repeated = fields.find((f, i) => fields.indexOf(f) !== i);
    if (repeated !== undefined) throw new UserError(`${path} has the column ${repeated || '(empty name)'} twice in its header`);
    return fields;
  } finally {
    closeSync(fd);
  }
}

function requireColumns(table: TableName, path: string, present: readonly string[]): void {
  const missing = TABLES[table].columns.filter((c) => c.required && !present.includes(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new UserError(`${path} (table ${table}) has no column ${missing.join(', ')}, which the contract requires`);
  }
}

async function loadCsv(db: Database, table: TableName, path: string, label: string, columns: readonly string[]): Promise<void> {
  const header = csvHeader(path);
  requireColumns(table, path, header);
  const raw = ident(`raw_${table}`);
  // Rows append in file order (DuckDB preserves insertion order) and rowids stay contiguous, so a
  // record's number follows from its rowid without a staging copy of the file.
  const start = await db.scalar(`SELECT count(*) FROM ${raw}`);
  const select = columns.map((c) => (header.includes(c) ? `NULLIF(trim(${ident(c)}), '')` : 'NULL')).join(', ');
  await db.run(
    `INSERT INTO ${raw}
     SELECT ${select}, ${literal(label)}, NULL
     FROM read_csv(${literal(path)}, header = true, all_varchar = true, delim = ',', quote = '"',
       escape = '"', auto_detect = false, columns = {${header.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}},
       store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans')`,
  );
  // DuckDB's reader puts records it cannot parse into csv_rejects with their line (one entry per bad field).
  const rejected = await collectRejects(db, 1);
  if (rejected === 0) {
    await db.run(`UPDATE ${raw} SET _row = rowid - ${start} + 1 WHERE rowid >= ${start}`);
  } else {
    await db.run(
      `UPDATE ${raw} SET _row = m.rec FROM (
         SELECT s.rowid AS rid, ${recordNumber(`s.rowid - ${start} + 1`)} AS rec
         FROM ${raw} s ${ASOF_REJECTS(`s.rowid - ${start} + 1`)} WHERE s.rowid >= ${start}) m
       WHERE ${raw}.rowid = m.rid`,
    );
  }
  await keepRejects(db, table, label);
}

/**
 * Gathers the records DuckDB's reader could not take (one entry per record,
 * though it reports one per bad field) into `file_rejects(rec, i, ...)`:
 * `rec` is the record's number, `i` its rank among the rejects. `headerLines`
 * is subtracted from the reader's line numbers. Returns how many there are.
 */
async function collectRejects(db: Database, headerLines: number): Promise<number> {
  await db.run(
    `CREATE OR REPLACE TEMP TABLE file_rejects AS
     SELECT rec, row_number() OVER (ORDER BY rec) AS i, column_name, error_type, error_message, csv_line FROM (
       SELECT line - ${headerLines} AS rec, column_name, error_type, error_message, csv_line FROM csv_rejects
       QUALIFY row_number() OVER (PARTITION BY line ORDER BY column_idx) = 1)`,
  );
  return db.scalar(`SELECT count(*) FROM file_rejects`);
}

/**
 * Rejected record i (1-based, at record number rec) has rec - i accepted
 * records before it, so the k-th accepted record sits at k + (the largest i
 * whose rec - i < k): an ASOF join on the rejects, not a count per row.
 */
const ASOF_REJECTS = (k: string) => `ASOF LEFT JOIN (SELECT rec - i AS t, i FROM file_rejects) f ON ${k} > f.t`;
const recordNumber = (k: string) => `(${k}) + coalesce(f.i, 0)`;

/**
 * Moves the reader's rejects of one file into the rejects table, and drops the
 * reader's tables. `withColumn` is false where the reader's column is our own
 * device (the single text column JSONL lines are read into).
 */
async function keepRejects(db: Database, table: TableName, label: string, withColumn = true): Promise<void> {
  await db.run(
    `INSERT INTO ${REJECTS_TABLE}
     SELECT ${literal(table)}, ${literal(label)}, rec, ${withColumn ? 'column_name' : 'NULL'},
       lower(error_type) || ': ' || error_message, csv_line
     FROM file_rejects`,
  );
  await db.run(`DROP TABLE file_rejects; DROP TABLE csv_rejects; DROP TABLE csv_reject_scans`);
}

async function loadJsonl(db: Database, table: TableName, path: string, label: string, columns: readonly string[]): Promise<void> {
  const stage = ident(`stage_${table}`);
  // Lines are read as text and parsed by DuckDB's JSON functions, so that one malformed line is
  // quarantined with its number instead of failing the file. A key absent from a line is an
  // unknown value, quarantined by validation where the contract requires it.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${stage} AS
     SELECT line FROM read_csv(${literal(path)}, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x1f',
       quote = '', escape = '', auto_detect = false, store_rejects = true,
       rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans')`,
  );
  await collectRejects(db, 0);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE numbered AS
     SELECT s.line, ${recordNumber('s.rowid + 1')} AS rec FROM ${stage} s ${ASOF_REJECTS('s.rowid + 1')}
     WHERE trim(coalesce(s.line, '')) <> ''`,
  );
  const extract = columns
    .map((c) => {
      const jpath = literal(`$.${JSON.stringify(c)}`);
      // Arrays (lists) arrive as JSON arrays; the contract's text form joins them with ';'.
      return `CASE WHEN json_type(line, ${jpath}) = 'ARRAY'
                THEN array_to_string(from_json(json_extract(line, ${jpath}), '["VARCHAR"]'), ';')
                ELSE NULLIF(trim(json_extract_string(line, ${jpath})), '') END`;
    })
    .join(', ');
  // CASE, not AND: json_type() must never see a line that is not JSON.
  const jsonOk = `CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END`;
  const lines = await db.scalar(`SELECT count(*) FROM numbered`);
  if (lines > 0 && (await db.scalar(`SELECT count(*) FROM numbered WHERE ${jsonOk}`)) === 0) {
    throw new UserError(`${path} (table ${table}) holds no JSON object on any line: is it JSON Lines?`);
  }
  await db.run(
    `INSERT INTO ${ident(`raw_${table}`)} SELECT ${extract}, ${literal(label)}, rec FROM numbered WHERE ${jsonOk}`,
  );
  await db.run(
    `INSERT INTO ${REJECTS_TABLE}
     SELECT ${literal(table)}, ${literal(label)}, rec, NULL, 'not a JSON object', line FROM numbered WHERE NOT (${jsonOk})`,
  );
  await keepRejects(db, table, label, false);
  await db.run(`DROP TABLE ${stage}; DROP TABLE numbered`);
}

async function loadParquet(db: Database, table: TableName, path: string, label: string, columns: readonly string[]): Promise<void> {
  const described = await db.all<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM read_parquet(${literal(path)})`,
  );
  const present = described.map((d) => d.column_name);
  requireColumns(table, path, present);
  const select = columns
    .map((c) => {
      const type = described.find((d) => d.column_name === c)?.column_type;
      if (type === undefined) return 'NULL';
      // Lists may be stored as parquet lists; the contract's text form joins them with ';'.
      const text = type.endsWith('[]') ? `array_to_string(${ident(c)}::VARCHAR[], ';')` : `${ident(c)}::VARCHAR`;
      return `NULLIF(trim(${text}), '')`;
    })
    .join(', ');
  await db.run(
    `INSERT INTO ${ident(`raw_${table}`)}
     SELECT ${select}, ${literal(label)}, file_row_number + 1
     FROM read_parquet(${literal(path)}, file_row_number = true)`,
  );
}

/**
 * Loads a table's files, as text, into `raw_<table>`: one VARCHAR column per
 * contract column (NULL where the file lacks it), plus `_file` and `_row`
 * (the record's number in its file, 1 = first record after the header).
 * Records the reader itself cannot take (wrong number of fields, bytes that
 * are not UTF-8, a line that is not JSON) go to `raw_rejects`, so that every
 * record read is accounted for.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
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

/** Loads all files of one table; throws a UserError naming the file when one cannot be parsed at all. */
export async function loadRawTable(db: Database, table: TableName, files: readonly TableFile[]): Promise<void> {
  const raw = ident(`raw_${table}`);
  const columns = TABLES[table].columns.map((c) => c.name);
  await db.run(
    `CREATE OR REPLACE TABLE ${raw} (${columns.map((c) => `${ident(c)} VARCHAR`).join(', ')}, _file VARCHAR, _row BIGINT)`,
  );
  for (const file of files) {
    try {
      switch (file.format) {
        case 'csv':
          await loadCsv(db, table, file.path, columns);
          break;
        case 'jsonl':
          await loadJsonl(db, table, file.path, columns);
          break;
        case 'parquet':
          await loadParquet(db, table, file.path, columns);
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
    const fields = parse(line, { relax_quotes: true })[0] as string[] | undefined;
    return (fields ?? []).map((c) => c.trim());
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

async function loadCsv(db: Database, table: TableName, path: string, columns: readonly string[]): Promise<void> {
  const header = csvHeader(path);
  requireColumns(table, path, header);
  const raw = ident(`raw_${table}`);
  // Rows append in file order (DuckDB preserves insertion order) and rowids stay contiguous, so a
  // record's number follows from its rowid without a staging copy of the file.
  const start = await db.scalar(`SELECT count(*) FROM ${raw}`);
  const select = columns.map((c) => (header.includes(c) ? `NULLIF(trim(${ident(c)}), '')` : 'NULL')).join(', ');
  await db.run(
    `INSERT INTO ${raw}
     SELECT ${select}, ${literal(basename(path))}, NULL
     FROM read_csv(${literal(path)}, header = true, all_varchar = true, delim = ',', quote = '"',
       escape = '"', auto_detect = false, columns = {${header.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}},
       store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans')`,
  );
  // DuckDB's reader puts records it cannot parse into csv_rejects with their line (one entry per bad field).
  await db.run(
    `CREATE OR REPLACE TEMP TABLE file_rejects AS
     SELECT rec, row_number() OVER (ORDER BY rec) AS i, column_name, error_type, error_message, csv_line FROM (
       SELECT line - 1 AS rec, column_name, error_type, error_message, csv_line FROM csv_rejects
       QUALIFY row_number() OVER (PARTITION BY line ORDER BY column_idx) = 1)`,
  );
  const rejected = await db.scalar(`SELECT count(*) FROM file_rejects`);
  if (rejected === 0) {
    await db.run(`UPDATE ${raw} SET _row = rowid - ${start} + 1 WHERE rowid >= ${start}`);
  } else {
    // Rejected record i (1-based, at record number rec) has rec - i accepted records before it, so
    // accepted record k sits at k + (the largest i whose rec - i < k): an ASOF join, not a count per row.
    await db.run(
      `UPDATE ${raw} SET _row = m.rec FROM (
         SELECT s.rowid AS rid, (s.rowid - ${start} + 1) + coalesce(f.i, 0) AS rec
         FROM ${raw} s ASOF LEFT JOIN (SELECT rec - i AS t, i FROM file_rejects) f ON s.rowid - ${start} + 1 > f.t
         WHERE s.rowid >= ${start}) m
       WHERE ${raw}.rowid = m.rid`,
    );
  }
  await db.run(
    `INSERT INTO ${REJECTS_TABLE}
     SELECT ${literal(table)}, ${literal(basename(path))}, rec, column_name,
       lower(error_type) || ': ' || error_message, csv_line
     FROM file_rejects`,
  );
  await db.run(`DROP TABLE file_rejects; DROP TABLE csv_rejects; DROP TABLE csv_reject_scans`);
}

async function loadJsonl(db: Database, table: TableName, path: string, columns: readonly string[]): Promise<void> {
  const stage = ident(`stage_${table}`);
  // Lines are read as text and parsed by DuckDB's JSON functions, so that one
  // malformed line is quarantined with its number instead of failing the file.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${stage} AS
     SELECT line FROM read_csv(${literal(path)}, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x1f',
       quote = '', escape = '', auto_detect = false, store_rejects = true,
       rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans')`,
  );
  const firstValid = await db.one<{ line: string }>(
    `SELECT line FROM ${stage} WHERE CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END LIMIT 1`,
  );
  const total = await db.scalar(`SELECT count(*) FROM ${stage}`);
  if (total > 0 && !firstValid) throw new UserError(`${path} (table ${table}) holds no JSON object on any line`);
  if (firstValid) requireColumns(table, path, Object.keys(JSON.parse(firstValid.line) as object));
  const extract = columns
    .map((c) => {
      const path = literal(`$.${JSON.stringify(c)}`);
      // Arrays (lists) arrive as JSON arrays; the contract's text form joins them with ';'.
      return `CASE WHEN json_type(line, ${path}) = 'ARRAY'
                THEN array_to_string(from_json(json_extract(line, ${path}), '["VARCHAR"]'), ';')
                ELSE NULLIF(trim(json_extract_string(line, ${path})), '') END`;
    })
    .join(', ');
  // CASE, not AND: json_type() must never see a line that is not JSON.
  const jsonOk = `CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END`;
  await db.run(
    `INSERT INTO ${ident(`raw_${table}`)}
     SELECT ${extract}, ${literal(basename(path))}, rowid + 1 FROM ${stage} WHERE ${jsonOk}`,
  );
  await db.run(
    `INSERT INTO ${REJECTS_TABLE}
     SELECT ${literal(table)}, ${literal(basename(path))}, rowid + 1, NULL, 'not a JSON object', line
     FROM ${stage} WHERE NOT (${jsonOk})`,
  );
  await db.run(
    `INSERT INTO ${REJECTS_TABLE}
     SELECT ${literal(table)}, ${literal(basename(path))}, line, NULL, lower(error_type) || ': ' || error_message, csv_line
     FROM csv_rejects`,
  );
  await db.run(`DROP TABLE ${stage}; DROP TABLE csv_rejects; DROP TABLE csv_reject_scans`);
}

async function loadParquet(db: Database, table: TableName, path: string, columns: readonly string[]): Promise<void> {
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
     SELECT ${select}, ${literal(basename(path))}, file_row_number + 1
     FROM read_parquet(${literal(path)}, file_row_number = true)`,
  );
}

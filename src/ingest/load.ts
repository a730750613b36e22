/**
 * Stages the files of a table: each file's records are appended, checked and
 * typed (validate.ts's `checkedSelect`), to the table in its staging form, read
 * set-based by DuckDB, with every record of the file accounted for. One
 * materialisation: the staging table becomes the final one.
 *
 * A regular text file (see text-scan.ts) is read by DuckDB as it is, in a
 * transaction, and the reader must return exactly one record per line;
 * otherwise (or when DuckDB rejects anything) the transaction is rolled back
 * and the file is parsed in Node into a normalised copy that carries each
 * record's row and line, and the records it could not parse go to the
 * quarantine with their text. Parquet is read natively, typed.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLES, type Crs, type TableName } from '../contract/dataset.ts';
import { Database, ident, literal } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import type { TableFile } from './discover.ts';
import { JSONL_SEPARATOR, quickScan, readCsvHeader, sanitizeCsv, sanitizeJsonl, type ScanReject } from './text-scan.ts';
import { QUARANTINE_TABLE, checkedSelect, type SourceTypes, type Stage } from './validate.ts';
import { visible } from './visible.ts';

/** What staging needs to know besides the file. */
export interface StageContext {
  db: Database;
  table: TableName;
  /** Coordinate system of the dataset: accepted GCJ-02 coordinates are converted as they are staged. */
  crs: Crs;
  /** Folder for normalised copies of irregular files. */
  scratch: string;
  /** Records why a file could not be read as it is (run.json keeps these notes). */
  note?: (message: string) => void;
}

/** A scratch folder for normalised copies, removed by the caller. */
export function makeScratch(): string {
  return mkdtempSync(join(tmpdir(), 'dragnet-ingest-'));
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

let stageCounter = 0;

/** Stages one file into its table (in staging form, see createStaging); returns the rowids it took and how rows map to lines. */
export async function stageFile(ctx: StageContext, file: TableFile, label: string): Promise<Stage> {
  const name = `stage_${ctx.table}_${++stageCounter}`;
  const start = await ctx.db.scalar(`SELECT count(*) FROM ${ident(ctx.table)}`);
  // An empty file is an empty table, whatever its format.
  if (statSync(file.path).size === 0) return { label, start, end: start, firstLine: null };
  try {
    const firstLine = await (file.format === 'csv'
      ? stageCsv(ctx, file.path, label, name)
      : file.format === 'jsonl'
        ? stageJsonl(ctx, file.path, label, name)
        : stageParquet(ctx, file.path));
    const end = await ctx.db.scalar(`SELECT count(*) FROM ${ident(ctx.table)}`);
    return { label, start, end, firstLine };
  } catch (err) {
    if (err instanceof UserError) throw err;
    const reason = (err as Error).message.split('\n')[0];
    throw new UserError(`cannot read ${file.path} (table ${ctx.table}): ${reason}`);
  }
}

/** Appends a file's checked records to the table. */
function append(ctx: StageContext, source: string, types: SourceTypes): Promise<void> {
  return ctx.db.run(`INSERT INTO ${ident(ctx.table)} ${checkedSelect(ctx.table, source, types, ctx.crs)}`);
}

/**
 * Throws a UserError naming the file when a required column (or JSONL key) is
 * missing; the header's names that look like a missing one but differ (case,
 * invisible characters) are shown, five at most.
 */
function requireColumns(table: TableName, path: string, present: readonly string[], what = 'column'): void {
  const missing = TABLES[table].columns.filter((c) => c.required && !present.includes(c.name)).map((c) => c.name);
  if (missing.length === 0) return;
  const near = present.filter((h) => missing.some((m) => h.trim().toLowerCase() === m || (visible(h) !== h && visible(h).length < 80)));
  const shown = near.slice(0, 5).map((h) => JSON.stringify(visible(h))).join(', ');
  throw new UserError(
    `${path} (table ${table}) has no ${what} ${missing.join(', ')}, which the contract requires` +
      (near.length > 0 ? ` (the header has ${shown}${near.length > 5 ? ', ...' : ''})` : ''),
  );
}

/**
 * A CSV file's header, checked: it parses, names no column twice (DuckDB
 * compares names without case: lat and Lat are one name to it) and has every
 * required column. An empty file has an empty header. Throws a UserError
 * naming the file.
 */
export function checkedCsvHeader(table: TableName, path: string): { header: string[]; headerLines: number } {
  const head = readCsvHeader(path);
  if (head.problem) throw new UserError(`${path} (table ${table}): ${head.problem}`);
  if (head.header.length === 0) return head;
  const lower = head.header.map((f) => f.toLowerCase());
  const repeated = head.header.find((_f, i) => lower.indexOf(lower[i]) !== i);
  if (repeated !== undefined) {
    throw new UserError(`${path} (table ${table}) has the column ${visible(repeated)} twice in its header (names are compared without case)`);
  }
  requireColumns(table, path, head.header);
  return head;
}

/** read_csv options shared by every CSV read: RFC 4180, all text, strict, rejects kept. */
function csvOptions(columns: Record<string, string>, maxLineBytes: number, crlf: boolean | undefined): string {
  const cols = Object.entries(columns)
    .map(([n, t]) => `${literal(n)}: ${literal(t)}`)
    .join(', ');
  return [
    `header = true`,
    `auto_detect = false`,
    `columns = {${cols}}`,
    `delim = ','`,
    `quote = '"'`,
    `escape = '"'`,
    `strict_mode = true`,
    `null_padding = false`,
    crlf === undefined ? '' : `new_line = ${crlf ? "'\\r\\n'" : "'\\n'"}`,
    `max_line_size = ${Math.max(2_097_152, maxLineBytes + 1024)}`,
    `store_rejects = true`,
    `rejects_table = 'csv_rejects'`,
    `rejects_scan = 'csv_reject_scans'`,
  ]
    .filter(Boolean)
    .join(', ');
}

async function dropRejectTables(db: Database): Promise<void> {
  await db.run(`DROP TABLE IF EXISTS csv_rejects; DROP TABLE IF EXISTS csv_reject_scans`);
}

/** Returns the line of record 1 where lines are not stored. */
async function stageCsv(ctx: StageContext, path: string, label: string, name: string): Promise<number> {
  const { db, table } = ctx;
  const head = checkedCsvHeader(table, path);
  // An empty file (or one holding only blank lines) is an empty table.
  if (head.header.length === 0) return 2;
  const wanted = TABLES[table].columns.map((c) => c.name).filter((c) => head.header.includes(c));
  const types: SourceTypes = new Map(wanted.map((c) => [c, 'VARCHAR']));
  const allText = Object.fromEntries(head.header.map((h) => [h, 'VARCHAR']));

  const scan = quickScan(path);
  if (scan.regular && head.headerLines === 1) {
    await dropRejectTables(db);
    const source = `(SELECT ${wanted.map(ident).join(', ')}, NULL::VARCHAR AS _pre, NULL::VARCHAR AS _text, NULL::BIGINT AS _row, NULL::BIGINT AS _line
      FROM read_csv(${literal(path)}, ${csvOptions(allText, scan.maxLineBytes, scan.crlf)}))`;
    const before = await db.scalar(`SELECT count(*) FROM ${ident(table)}`);
    await db.run('BEGIN TRANSACTION');
    let open = true;
    try {
      await append(ctx, source, types);
      const rows = (await db.scalar(`SELECT count(*) FROM ${ident(table)}`)) - before;
      const rejected = await db.scalar(`SELECT count(*) FROM csv_rejects`);
      // One record per line, as the scan counted them: record i is on line i + 1.
      if (rejected === 0 && rows === scan.lines - 1) {
        await db.run('COMMIT');
        open = false;
        await dropRejectTables(db);
        return 2;
      }
      ctx.note?.(`${label}: ${rows} records from ${scan.lines - 1} lines, ${rejected} rejected by the reader: parsing it record by record`);
    } catch (err) {
      // Whatever the reader choked on, the record-by-record parse below finds and quarantines.
      ctx.note?.(`${label}: the reader failed (${(err as Error).message.split('\n')[0]}): parsing it record by record`);
    } finally {
      // Rolled back, the rows leave no trace: the rowids of the next attempt start where these did.
      if (open) await db.run('ROLLBACK');
    }
  } else {
    ctx.note?.(`${label}: ${scan.irregularity ?? 'a header over several lines'}: parsing it record by record`);
  }

  const copy = join(ctx.scratch, `${name}.csv`);
  // The copy's two extra columns get names the header does not have (it may have a _row of its own).
  let suffix = '';
  while (head.header.some((h) => h.toLowerCase() === `_row${suffix}` || h.toLowerCase() === `_line${suffix}`)) suffix += '_';
  const [rowCol, lineCol] = [`_row${suffix}`, `_line${suffix}`];
  const result = sanitizeCsv(path, copy, [rowCol, lineCol]);
  const numbered = { ...allText, [rowCol]: 'BIGINT', [lineCol]: 'BIGINT' };
  await dropRejectTables(db);
  const source = `(SELECT ${wanted.map(ident).join(', ')}, NULL::VARCHAR AS _pre, NULL::VARCHAR AS _text, ${ident(rowCol)} AS _row, ${ident(lineCol)} AS _line
    FROM read_csv(${literal(copy)}, ${csvOptions(numbered, result.maxRecordBytes + 64, false)}))`;
  await append(ctx, source, types);
  // The reader should take every record of the copy; any it does not are accounted for all the same.
  await db.run(
    `INSERT INTO ${QUARANTINE_TABLE}
     SELECT ${literal(table)}, ${literal(label)}, try_cast(regexp_extract(csv_line, ',(\\d+),(\\d+)$', 1) AS BIGINT),
       column_name, lower(error_type) || ': ' || error_message, regexp_replace(csv_line, ',\\d+,\\d+$', ''),
       try_cast(regexp_extract(csv_line, ',(\\d+),(\\d+)$', 2) AS BIGINT)
     FROM csv_rejects QUALIFY row_number() OVER (PARTITION BY line ORDER BY column_idx) = 1`,
  );
  await dropRejectTables(db);
  rmSync(copy, { force: true });
  await quarantineScanRejects(db, table, label, result.rejects);
  return 2;
}


/** Records the scanner could not take go straight to the quarantine, with their text. */
async function quarantineScanRejects(db: Database, table: TableName, label: string, rejects: readonly ScanReject[]): Promise<void> {
  if (rejects.length === 0) return;
  await db.append(
    QUARANTINE_TABLE,
    rejects.map((r) => [table, label, r.row, r.column, visible(r.reason), r.record, r.line]),
  );
}

async function stageJsonl(ctx: StageContext, path: string, label: string, name: string): Promise<number> {
  const { db, table } = ctx;
  const scan = quickScan(path);
  let source: string;
  let rejects: ScanReject[] = [];
  const read = (p: string, numbered: boolean, maxLine: number, crlf: boolean) =>
    `read_csv(${literal(p)}, header = false, auto_detect = false, delim = ${literal(JSONL_SEPARATOR)}, quote = '', escape = '',
      columns = {${numbered ? `'_row': 'BIGINT', '_line': 'BIGINT', ` : ''}'line': 'VARCHAR'}, strict_mode = true,
      new_line = ${crlf ? "'\\r\\n'" : "'\\n'"}, max_line_size = ${Math.max(2_097_152, maxLine + 1024)})`;
  let copy: string | undefined;
  const direct = scan.regular && !scan.hasSeparatorByte ? read(path, false, scan.maxLineBytes, scan.crlf) : undefined;
  const rows = direct ? await db.scalar(`SELECT count(*) FROM ${direct}`) : -1;
  if (direct && rows === scan.lines) {
    // One line per record: rowid i is record and line i + 1.
    source = `(SELECT line, NULL::BIGINT AS _row, NULL::BIGINT AS _line FROM ${direct})`;
  } else {
    ctx.note?.(`${label}: ${scan.irregularity ?? (scan.hasSeparatorByte ? 'raw 0x01 bytes' : `${rows} lines read of ${scan.lines}`)}: reading it line by line`);
    copy = join(ctx.scratch, `${name}.jsonl`);
    const result = sanitizeJsonl(path, copy);
    rejects = result.rejects;
    source = `(SELECT line, _row, _line FROM ${read(copy, true, result.maxRecordBytes + 64, false)})`;
  }
  // Each line is parsed three times at most: validity, type, and one extraction of every column.
  const isObject = `CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END`;
  // A key absent from every line is a missing column, as for CSV (asked of the required keys only: one more parse).
  const required = TABLES[table].columns.filter((c) => c.required).map((c) => c.name);
  const keys = await db.one<Record<string, number>>(
    `SELECT count(*) AS _n${required.map((c) => `, count(*) FILTER (WHERE list_contains(k, ${literal(c)})) AS ${ident(c)}`).join('')}
     FROM (SELECT json_keys(line) AS k FROM ${source} WHERE ${isObject})`,
  );
  const objects = Number(keys?._n ?? 0);
  const lines = await db.scalar(`SELECT count(*) FROM ${source}`);
  if (lines > 0 && objects === 0) {
    throw new UserError(`${path} (table ${table}) holds no JSON object on any line: is it JSON Lines?`);
  }
  if (objects > 0) requireColumns(table, path, required.filter((c) => Number(keys?.[c] ?? 0) > 0), 'key');
  const columns = TABLES[table].columns;
  const types: SourceTypes = new Map(columns.map((c) => [c.name, 'VARCHAR']));
  const paths = `[${columns.map((c) => literal(`$.${JSON.stringify(c.name)}`)).join(', ')}]`;
  const extract = columns
    .map((c, i) => {
      const v = `_v[${i + 1}]`;
      // Lists may arrive as JSON arrays; the contract's text form joins them with ';'.
      return c.type === 'list'
        ? `CASE WHEN starts_with(${v}, '[') THEN array_to_string(from_json(${v}, '["VARCHAR"]'), ';') ELSE ${v} END AS ${ident(c.name)}`
        : `${v} AS ${ident(c.name)}`;
    })
    .join(', ');
  const checkedSource = `(SELECT ${extract}, CASE WHEN NOT _ok THEN '\tnot a JSON object' END AS _pre,
      CASE WHEN NOT _ok THEN line END AS _text, _row, _line
    FROM (SELECT *, CASE WHEN _ok THEN json_extract_string(line, ${paths}) END AS _v
      FROM (SELECT line, _row, _line, ${isObject} AS _ok FROM ${source})))`;
  await append(ctx, checkedSource, types);
  if (copy) rmSync(copy, { force: true });
  await quarantineScanRejects(db, table, label, rejects);
  return 1;
}

async function stageParquet(ctx: StageContext, path: string): Promise<null> {
  const { db, table } = ctx;
  const described = await db.all<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM read_parquet(${literal(path)})`,
  );
  const present = described.map((d) => d.column_name);
  requireColumns(table, path, present);
  const wanted = TABLES[table].columns.map((c) => c.name).filter((c) => present.includes(c));
  const types: SourceTypes = new Map(wanted.map((c) => [c, described.find((d) => d.column_name === c)!.column_type]));
  const source = `(SELECT ${wanted.map(ident).join(', ')}${wanted.length ? ', ' : ''}NULL::VARCHAR AS _pre, NULL::VARCHAR AS _text,
      file_row_number + 1 AS _row, NULL::BIGINT AS _line
    FROM read_parquet(${literal(path)}, file_row_number = true))`;
  await append(ctx, source, types);
  return null;
}

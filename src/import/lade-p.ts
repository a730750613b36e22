/**
 * The LaDe-P adapter: turns first-mile pickup exports in the layout of
 * Cainiao's public LaDe-P dataset into the dataset contract's `pickups` table.
 *
 * LaDe-P leaves three things unsaid that the contract needs: the year (times
 * are `MM-DD HH:MM:SS`, `ds` is the day as MMDD), the coordinate system and
 * the time zone. The user gives them; every row gets the same year, and the
 * crs and time zone go into the dataset's manifest (dataset.json), merged into
 * one that is already there and refused where it says otherwise.
 *
 * The bulk work is DuckDB's: each file is read as text (`read_csv`,
 * `all_varchar`), converted and checked in set-based SQL, and written with
 * `COPY ... TO`: no row passes through JS, and the work spreads over DuckDB's
 * threads (reading the CSV is most of it). Every record read is
 * either written or quarantined to `import-quarantine.csv` with its file, row
 * (1 = first record after the header), line, column and reason: rows that
 * cannot be converted and records the CSV reader itself rejects (a wrong
 * number of fields, bytes that are not UTF-8).
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { INVISIBLE_RE2_CLASS, visible } from '../ingest/visible.ts';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { TABLE_NAMES, type Crs } from '../contract/dataset.ts';
import { Database, literal } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import type { Progress } from '../cli/progress.ts';

/** The columns of a LaDe-P pickup file, as Cainiao publishes them. */
export const LADE_P_COLUMNS = [
  'order_id',
  'region_id',
  'city',
  'courier_id',
  'accept_time',
  'time_window_start',
  'time_window_end',
  'lng',
  'lat',
  'aoi_id',
  'aoi_type',
  'pickup_time',
  'pickup_gps_time',
  'pickup_gps_lng',
  'pickup_gps_lat',
  'accept_gps_time',
  'accept_gps_lng',
  'accept_gps_lat',
  'ds',
] as const;

type Kind = 'text' | 'time' | 'lng' | 'lat';

/**
 * Each column of the contract's `pickups` table, in the contract's order, and
 * the LaDe-P column it comes from. LaDe-P's aoi_type is a number code, not the
 * contract's land-use class of places: pickups.aoi_type is free text, so it is
 * kept as given. time_window_*, accept_gps_* and ds have no column in the
 * contract (ds only checks pickup_time's day).
 */
export const PICKUPS_FROM_LADE_P: readonly { readonly pickups: string; readonly from: string; readonly kind: Kind }[] = [
  { pickups: 'waybill_id', from: 'order_id', kind: 'text' },
  { pickups: 'courier_id', from: 'courier_id', kind: 'text' },
  { pickups: 'region_id', from: 'region_id', kind: 'text' },
  { pickups: 'city', from: 'city', kind: 'text' },
  { pickups: 'aoi_id', from: 'aoi_id', kind: 'text' },
  { pickups: 'aoi_type', from: 'aoi_type', kind: 'text' },
  { pickups: 'lng', from: 'lng', kind: 'lng' },
  { pickups: 'lat', from: 'lat', kind: 'lat' },
  { pickups: 'accept_time', from: 'accept_time', kind: 'time' },
  { pickups: 'pickup_time', from: 'pickup_time', kind: 'time' },
  { pickups: 'pickup_gps_time', from: 'pickup_gps_time', kind: 'time' },
  { pickups: 'pickup_gps_lng', from: 'pickup_gps_lng', kind: 'lng' },
  { pickups: 'pickup_gps_lat', from: 'pickup_gps_lat', kind: 'lat' },
];

export const QUARANTINE_FILE = 'import-quarantine.csv';
export const MANIFEST_FILE = 'dataset.json';
export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

export interface LadePImportOptions {
  /** LaDe-P CSV files, read as one table. */
  readonly files: readonly string[];
  /** The dataset folder to write pickups.<format>, import-quarantine.csv and dataset.json into. */
  readonly out: string;
  /** Year given to every row (LaDe-P times carry none). */
  readonly year: number;
  /** Coordinate system of lng/lat and pickup_gps_lng/lat (LaDe-P does not say). */
  readonly crs: Crs;
  /** IANA zone the local times are in; default Asia/Shanghai (LaDe-P's cities are all in mainland China). */
  readonly timezone?: string;
  readonly format?: 'csv' | 'parquet';
  /** Dataset name for the manifest (default: the manifest's own, else the folder's name). */
  readonly name?: string;
  /** Replace an existing pickups.<format> in the folder. */
  readonly overwrite?: boolean;
  readonly progress?: Progress;
}

export interface FileCounts {
  readonly file: string;
  readonly read: number;
  readonly written: number;
  readonly quarantined: number;
}

export interface LadePImportSummary {
  readonly out: string;
  readonly pickupsPath: string;
  readonly quarantinePath: string;
  readonly manifestPath: string;
  readonly manifest: Record<string, unknown>;
  readonly year: number;
  readonly read: number;
  readonly written: number;
  readonly quarantined: number;
  /** Of the quarantined, records the CSV reader rejected (wrong number of fields, bad bytes). */
  readonly rejectedByReader: number;
  readonly files: readonly FileCounts[];
  /** Most frequent quarantine reasons: column, kind of reason (the text before its value), count. */
  readonly reasons: readonly { column: string; reason: string; count: number }[];
  /** Range of the written pickup times, as local ISO times. */
  readonly firstPickup?: string;
  readonly lastPickup?: string;
  /** Things the user should know (a file spanning December and January, nothing written). */
  readonly warnings: readonly string[];
  readonly seconds: number;
}

const QUIET: Progress = { step() {}, tick() {}, done() {} };

/** Converts LaDe-P pickup files into DATASET/pickups.<format> plus quarantine and manifest. */
export async function importLadeP(options: LadePImportOptions): Promise<LadePImportSummary> {
  const started = performance.now();
  const progress = options.progress ?? QUIET;
  const format = options.format ?? 'csv';
  const timezone = options.timezone ?? DEFAULT_TIMEZONE;
  if (!Number.isInteger(options.year) || options.year < 1000 || options.year > 9999) {
    throw new UserError(`--year must be a four-digit year, not ${options.year}`);
  }
  if (!isTimeZone(timezone)) throw new UserError(`--timezone ${timezone} is not an IANA time zone (e.g. Asia/Shanghai)`);
  if (options.files.length === 0) throw new UserError('import lade-p: no file given');

  // Everything that can be refused is checked before any work: headers, the folder, the manifest.
  const out = resolve(options.out);
  const headers = options.files.map((f) => checkHeader(f));
  const target = `pickups.${format}`;
  checkFolder(out, target, options.overwrite === true);
  const merged = mergeManifest(out, { crs: options.crs, timezone, name: options.name });

  mkdirSync(out, { recursive: true });
  const partialSuffix = `.partial-${process.pid}`;
  const scratch = mkdtempSync(join(tmpdir(), 'dragnet-import-'));
  const db = await Database.open(':memory:');
  try {
    // Past the memory limit DuckDB spills here rather than into the working directory.
    await db.run(`SET temp_directory = ${literal(scratch)}`);
    await db.run(`CREATE TABLE quarantine (
      file_no INTEGER, rec_no BIGINT, line BIGINT, "column" VARCHAR, reason VARCHAR, record VARCHAR, by_reader BOOLEAN)`);

    // Each file is converted into a part beside the target (same file system, so parts rename into place).
    const labels = uniqueLabels(options.files);
    const parts: string[] = [];
    const stats: FileStats[] = [];
    for (let i = 0; i < options.files.length; i++) {
      progress.step(`converting ${labels[i]}`);
      const part = join(out, `.pickups-${i}.${format}${partialSuffix}`);
      stats.push(
        await convertFile(db, { path: options.files[i], header: headers[i], fileNo: i, year: options.year, part, format, csvHeader: i === 0 }),
      );
      parts.push(part);
      progress.done(`${fmtCount(stats[i].written)} written, ${fmtCount(stats[i].quarantined)} quarantined`);
    }

    progress.step(`writing ${target}`);
    const pickupsPath = join(out, target);
    if (parts.length > 1 && format === 'csv') {
      // CSV parts concatenate: only the first has the header.
      for (const part of parts.slice(1)) appendFile(parts[0], part);
    } else if (parts.length > 1) {
      await db.run(
        `COPY (SELECT * FROM read_parquet([${parts.map((p) => literal(p)).join(', ')}])) TO ${literal(`${parts[0]}.all`)} (FORMAT parquet)`,
      );
      renameSync(`${parts[0]}.all`, parts[0]);
    }
    renameSync(parts[0], pickupsPath);

    // Reasons show the values they quote; invisible characters in them are written out.
    await db.run(
      `UPDATE quarantine SET reason = dragnet_visible(reason) WHERE regexp_matches(reason, ${literal(INVISIBLE_RE2_CLASS)})`,
    );
    const quarantinePath = join(out, QUARANTINE_FILE);
    const qPartial = `${quarantinePath}${partialSuffix}`;
    const fileNames = `[${labels.map((l) => literal(l)).join(', ')}]`;
    await db.run(
      `COPY (SELECT ${fileNames}[file_no + 1] AS file, rec_no AS "row", line, "column", reason, record
             FROM quarantine ORDER BY file_no, rec_no)
       TO ${literal(qPartial)} (FORMAT csv, HEADER true, DELIMITER ',')`,
    );
    renameSync(qPartial, quarantinePath);
    progress.done();

    const reasons = await db.all<{ column: string; reason: string; count: number }>(
      `SELECT coalesce("column", '(record)') AS "column", split_part(reason, ': ', 1) AS reason, count(*) AS count
       FROM quarantine GROUP BY ALL ORDER BY count DESC, "column", reason LIMIT 10`,
    );
    const files = stats.map((s, i) => ({ file: labels[i], read: s.read, written: s.written, quarantined: s.quarantined }));
    const sum = (pick: (s: FileStats) => number) => stats.reduce((t, s) => t + pick(s), 0);
    const read = sum((s) => s.read);
    const written = sum((s) => s.written);
    const quarantined = sum((s) => s.quarantined);
    const firsts = stats.map((s) => s.first).filter((t): t is string => t !== null).sort();
    const lasts = stats.map((s) => s.last).filter((t): t is string => t !== null).sort();
    const warnings: string[] = [];
    if (sum((s) => s.december) > 0 && sum((s) => s.january) > 0) {
      warnings.push(
        `the data holds both December and January pickups, and every row was given the year ${options.year}: ` +
          'if it crosses a year boundary, split it by month and import each part with its own --year',
      );
    }
    if (read > 0 && written === 0) warnings.push(`no row could be converted: see ${quarantinePath}`);

    const manifestPath = join(out, MANIFEST_FILE);
    writeAtomically(manifestPath, `${JSON.stringify(merged, null, 2)}\n`);

    return {
      out,
      pickupsPath,
      quarantinePath,
      manifestPath,
      manifest: merged,
      year: options.year,
      read,
      written,
      quarantined,
      rejectedByReader: sum((s) => s.rejectedByReader),
      files,
      reasons,
      firstPickup: firsts[0],
      lastPickup: lasts[lasts.length - 1],
      warnings,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    db.close();
    rmSync(scratch, { recursive: true, force: true });
    for (const entry of existsSync(out) ? readdirSync(out) : []) {
      if (entry.endsWith(partialSuffix) || entry.endsWith(`${partialSuffix}.all`)) rmSync(join(out, entry), { force: true });
    }
  }
}

const fmtCount = (n: number) => n.toLocaleString('en-US');

/** Appends one file's bytes to another, in chunks. */
function appendFile(to: string, from: string): void {
  const src = openSync(from, 'r');
  const dst = openSync(to, 'a');
  try {
    const buf = Buffer.alloc(CHUNK);
    let n: number;
    while ((n = readSync(src, buf, 0, buf.length, null)) > 0) writeSync(dst, buf, 0, n);
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}

// ---------------------------------------------------------------------------
// Checks before any work

/** Header of a LaDe-P file, checked for the columns the conversion needs; a UserError names the file. */
export function checkHeader(path: string): string[] {
  if (!existsSync(path)) throw new UserError(`file not found: ${path}`);
  if (!statSync(path).isFile()) throw new UserError(`${path} is not a file`);
  const fd = openSync(path, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line.trim() === '') throw new UserError(`${path} has no header line: a LaDe-P file starts with ${LADE_P_COLUMNS.join(',')}`);
  let fields: string[];
  try {
    fields = ((parse(line, { relax_quotes: true })[0] as string[] | undefined) ?? []).map((c) => c.trim());
  } catch (err) {
    throw new UserError(`${path}: cannot read its header line: ${(err as Error).message.split('\n')[0]}`);
  }
  const repeated = fields.find((f, i) => fields.indexOf(f) !== i);
  if (repeated !== undefined) throw new UserError(`${path} has the column ${repeated || '(empty name)'} twice in its header`);
  const missing: string[] = ['order_id', 'pickup_time'].filter((c) => !fields.includes(c));
  const has = (a: string, b: string) => fields.includes(a) && fields.includes(b);
  if (!has('lng', 'lat') && !has('pickup_gps_lng', 'pickup_gps_lat')) missing.push('lng and lat (or pickup_gps_lng and pickup_gps_lat)');
  if (missing.length > 0) {
    const shown = fields.length > 25 ? `${fields.slice(0, 25).join(',')},...` : fields.join(',');
    throw new UserError(
      `${path} is not a LaDe-P pickup file: it has no column ${missing.join(', ')} (its header: ${visible(shown)})`,
    );
  }
  return fields;
}

/** The output folder may hold other tables, but no other pickups (analyze would read them together). */
function checkFolder(out: string, target: string, overwrite: boolean): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new UserError(`--out ${out} exists and is not a folder`);
  const pickups = readdirSync(out).filter(
    (e) => (e === 'pickups' && statSync(join(out, e)).isDirectory()) || isTableFile(e, 'pickups'),
  );
  const others = pickups.filter((e) => e !== target);
  if (others.length > 0) {
    throw new UserError(
      `${out} already holds ${others.join(', ')}, which analyze would read together with the imported ${target}: ` +
        'remove it first, or import into another folder',
    );
  }
  if (pickups.includes(target) && !overwrite) {
    throw new UserError(`${join(out, target)} already exists: pass --overwrite to replace it`);
  }
}

function isTableFile(entry: string, table: string): boolean {
  const ext = extname(entry);
  return entry.slice(0, entry.length - ext.length) === table && ['.csv', '.jsonl', '.parquet'].includes(ext.toLowerCase());
}

/**
 * dataset.json after the import: the existing manifest's keys kept, with name,
 * crs and timezone set. Refused when the folder already says another crs or
 * time zone, in its manifest or, for other tables already there under no
 * manifest key, by the contract's defaults (WGS84, Asia/Shanghai).
 */
function mergeManifest(out: string, want: { crs: Crs; timezone: string; name?: string }): Record<string, unknown> {
  const path = join(out, MANIFEST_FILE);
  let existing: Record<string, unknown> = {};
  if (existsSync(path)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new UserError(`${path} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${path} is not a JSON object`);
    existing = raw as Record<string, unknown>;
  }
  const entries = existsSync(out) ? readdirSync(out) : [];
  const otherTables = entries.filter((e) =>
    TABLE_NAMES.some((t) => t !== 'pickups' && (e === t || isTableFile(e, t))),
  );
  const check = (key: 'crs' | 'timezone', wanted: string, contractDefault: string, flag: string) => {
    const said = existing[key];
    if (said !== undefined) {
      if (said !== wanted) {
        throw new UserError(
          `${path} says ${key} ${JSON.stringify(said)}, but the import would write ${flag} ${wanted}: ` +
            `the dataset's tables would be read in two ${key === 'crs' ? 'coordinate systems' : 'time zones'}. ` +
            `Give ${flag} ${String(said)} if that is what the file uses, or import into another folder`,
        );
      }
    } else if (otherTables.length > 0 && wanted !== contractDefault) {
      throw new UserError(
        `${out} already holds ${otherTables.join(', ')} with no ${key} in ${MANIFEST_FILE}, which means ${contractDefault} ` +
          `(the contract's default), but the import would write ${flag} ${wanted}: ` +
          `set "${key}" in ${path} if those tables use ${wanted}, or import into another folder`,
      );
    }
  };
  check('crs', want.crs, 'WGS84', '--crs');
  check('timezone', want.timezone, DEFAULT_TIMEZONE, '--timezone');
  const name = want.name ?? (typeof existing.name === 'string' ? existing.name : basename(out));
  return { ...existing, name, crs: want.crs, timezone: want.timezone };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function writeAtomically(path: string, content: string): void {
  const partial = `${path}.partial-${process.pid}`;
  writeFileSync(partial, content);
  renameSync(partial, path);
}

/** Labels for the quarantine's file column: base names, or the paths where two files share a base name. */
function uniqueLabels(files: readonly string[]): string[] {
  const names = files.map((f) => basename(f));
  return names.map((n, i) => (names.indexOf(n) !== names.lastIndexOf(n) ? files[i] : n));
}

// ---------------------------------------------------------------------------
// Record and line numbers

/**
 * Where records and lines part ways in a CSV file. DuckDB's reader skips
 * empty lines but counts them in its line numbers, and counts a record whose
 * quoted field spans several lines once: its "slots" are records and empty
 * lines, slot 0 the header. `blanks` lists the empty slots; `extras` the
 * slots spanning more than one line, with how many lines more.
 */
export interface SlotMap {
  readonly blanks: number[];
  readonly extras: [number, number][];
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Scans a file for what makes records and lines part ways. Most files have
 * neither a quote nor an empty line before their last record: that is checked
 * with fast byte searches, and only other files are scanned byte by byte.
 */
export function scanSlots(path: string): SlotMap {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    // Empty lines after the last record (a trailing newline too many) change nothing.
    const tailLen = Math.min(size, 64 * 1024);
    const tailBuf = Buffer.alloc(tailLen);
    readSync(fd, tailBuf, 0, tailLen, size - tailLen);
    let end = tailLen;
    while (end > 0 && (tailBuf[end - 1] === 0x0a || tailBuf[end - 1] === 0x0d)) end--;
    const lastContent = size - tailLen + end; // bytes before it may matter

    let regular = true;
    // Chunks overlap by 2 bytes so that an empty line across a chunk border is seen.
    for (let pos = 0; pos < lastContent && regular; pos += CHUNK - 2) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, lastContent - pos), pos);
      const b = buf.subarray(0, n);
      if (b.indexOf(0x22) !== -1 || b.indexOf('\n\n') !== -1 || b.indexOf('\n\r\n') !== -1) regular = false;
      if (n < CHUNK) break;
    }
    if (regular) return { blanks: [], extras: [] };

    const blanks: number[] = [];
    const extras: [number, number][] = [];
    let inQuote = false;
    let slot = 0;
    let empty = true;
    let extra = 0;
    for (let pos = 0; pos < size; pos += CHUNK) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
      for (let i = 0; i < n; i++) {
        const c = buf[i];
        if (c === 0x22) {
          inQuote = !inQuote;
          empty = false;
        } else if (c === 0x0a) {
          if (inQuote) {
            extra++;
          } else {
            if (empty && slot > 0) blanks.push(slot);
            if (extra > 0) extras.push([slot, extra]);
            slot++;
            empty = true;
            extra = 0;
          }
        } else if (c !== 0x0d) {
          empty = false;
        }
      }
    }
    if (extra > 0) extras.push([slot, extra]);
    return { blanks, extras };
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------
// Conversion

/** SQL: a reason with the offending value shown after ': ' (cut at 60 characters; escaped once quarantined). */
function withValue(reason: string, value: string): string {
  return `${literal(`${reason}: `)} || left(${value}, 60)`;
}

const TIME_SHAPE = '^[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?$';
const FIELD_COUNT_ERRORS = `('TOO MANY COLUMNS', 'MISSING COLUMNS')`;
/** Errors of the whole record, where the reader's column is no guide (it names a neighbour of a bad byte). */
const RECORD_ERRORS = `('TOO MANY COLUMNS', 'MISSING COLUMNS', 'INVALID ENCODING', 'INVALID UNICODE')`;

interface FileJob {
  readonly path: string;
  readonly header: readonly string[];
  readonly fileNo: number;
  readonly year: number;
  /** Where the file's converted rows go, and whether that part starts with the CSV header. */
  readonly part: string;
  readonly format: 'csv' | 'parquet';
  readonly csvHeader: boolean;
}

interface FileStats {
  readonly read: number;
  readonly written: number;
  readonly quarantined: number;
  readonly rejectedByReader: number;
  /** First and last pickup_time written, as local ISO times. */
  readonly first: string | null;
  readonly last: string | null;
  readonly december: number;
  readonly january: number;
}

interface Check {
  /** SQL condition over the parsed row; the first that holds is the row's reason. */
  readonly when: string;
  /** The column named in the quarantine. */
  readonly column: string;
  /** SQL for the reason: what is wrong, then ': ' and the value where there is one. */
  readonly reason: string;
}

/**
 * Reads one file, numbers its records, converts and checks them: the rows
 * that pass go to the file's part, the others and the reader's rejects to the
 * `quarantine` table.
 *
 * The file is read once into `src`; everything after is column-wise over it in
 * its order (projections and POSITIONAL JOINs, no joins that reorder), so the
 * part keeps the file's order with no sort, and `src` is never copied whole.
 */
async function convertFile(db: Database, job: FileJob): Promise<FileStats> {
  const { header, fileNo, year } = job;
  // Columns are named by position (f0, f1, ...): header names are the file's and may be anything.
  const pos = (name: string) => header.indexOf(name);
  const columnsStruct = `{${header.map((_, i) => `'f${i}': 'VARCHAR'`).join(', ')}}`;

  try {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE src AS
       SELECT * FROM read_csv(${literal(job.path)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
         auto_detect = false, columns = ${columnsStruct},
         store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans')`,
    );
  } catch (err) {
    // Records the reader cannot take are rejects; this is a file it cannot read at all.
    throw new UserError(`cannot read ${job.path}: ${(err as Error).message.split('\n')[0]}`);
  }
  // The reader's rejects, one per record (it reports one per bad field), at their slot (its line - 1).
  await db.run(
    `CREATE OR REPLACE TEMP TABLE file_rejects AS
     SELECT line - 1 AS slot, column_idx, error_type, error_message, csv_line FROM csv_rejects
     QUALIFY row_number() OVER (PARTITION BY line ORDER BY column_idx) = 1`,
  );
  await db.run(`DROP TABLE csv_rejects; DROP TABLE csv_reject_scans`);
  const rejectedByReader = await db.scalar(`SELECT count(*) FROM file_rejects`);

  const slots = scanSlots(job.path);
  await db.run(`CREATE OR REPLACE TEMP TABLE blank_slots (slot DOUBLE)`);
  await db.run(`CREATE OR REPLACE TEMP TABLE extra_slots (slot DOUBLE, extra DOUBLE)`);
  if (slots.blanks.length > 0) await db.append('blank_slots', slots.blanks.map((s) => [s]));
  if (slots.extras.length > 0) await db.append('extra_slots', slots.extras);
  const irregular = slots.blanks.length > 0 || slots.extras.length > 0;

  // Slot -> record number and physical line: minus the empty slots before it, plus the extra lines before it.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE slot_offsets AS
     SELECT slot, sum(blank) OVER w AS blanks, sum(extra) OVER w AS extra FROM (
       SELECT slot::BIGINT AS slot, 1 AS blank, 0 AS extra FROM blank_slots
       UNION ALL SELECT slot::BIGINT, 0, extra::BIGINT FROM extra_slots)
     WINDOW w AS (ORDER BY slot ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`,
  );
  const locate = (slot: string) =>
    irregular
      ? {
          join: `ASOF LEFT JOIN slot_offsets o ON ${slot} > o.slot`,
          recNo: `${slot} - coalesce(o.blanks, 0)`,
          line: `${slot} + 1 + coalesce(o.extra, 0)`,
        }
      : { join: '', recNo: slot, line: `${slot} + 1` };

  // Record number and line of each kept record, in src's order. Without rejects or empty lines the k-th kept
  // record (rowid k - 1) is record k on line k + 1. Otherwise it sits at slot k + (how many skipped slots come
  // before it): skipped slot number i (in order) has slot_i - i kept records before it, so an ASOF join finds
  // that count (consecutive skipped slots share slot_i - i: the last of them counts). The join reorders, so its
  // narrow result is sorted back into src's order and joined by position.
  let from = `src s`;
  let numbers = `s.rowid + 1 AS rec_no, s.rowid + 2 AS line`;
  if (rejectedByReader > 0 || irregular) {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE skipped AS
       SELECT slot - i AS t, max(i) AS i FROM (
         SELECT slot, row_number() OVER (ORDER BY slot) AS i
         FROM (SELECT slot FROM file_rejects UNION SELECT slot::BIGINT FROM blank_slots))
       GROUP BY t`,
    );
    const at = locate('n.slot');
    await db.run(
      `CREATE OR REPLACE TEMP TABLE positions AS
       SELECT ${at.recNo} AS rec_no, ${at.line} AS line FROM (
         SELECT s.rowid AS rid, s.rowid + 1 + coalesce(k.i, 0) AS slot FROM src s ASOF LEFT JOIN skipped k ON s.rowid + 1 > k.t
       ) n ${at.join}
       ORDER BY n.rid`,
    );
    from = `src s POSITIONAL JOIN positions p`;
    numbers = `p.rec_no, p.line`;
  }

  // Trimmed text of a LaDe-P column (NULL where empty or absent).
  const text = (name: string) => (pos(name) >= 0 ? `NULLIF(trim(s.f${pos(name)}), '')` : 'NULL::VARCHAR');
  const v = (name: string) => `v_${name}`;
  const times = ['accept_time', 'pickup_time', 'pickup_gps_time'];
  const coords = ['lng', 'lat', 'pickup_gps_lng', 'pickup_gps_lat'];
  const needed = ['order_id', 'ds', ...times, ...coords];
  const parsed = [
    ...times.map((t) => `try_strptime(${literal(`${year}-`)} || ${v(t)}, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M']) AS ts_${t}`),
    // TRY_CAST also takes '1_000' (and 'nan', 'inf': refused below as not finite).
    ...coords.map((c) => `CASE WHEN NOT contains(${v(c)}, '_') THEN TRY_CAST(${v(c)} AS DOUBLE) END AS x_${c}`),
  ];

  // The checks, in the order they are reported.
  const checks: Check[] = [
    { when: `${v('order_id')} IS NULL`, column: 'order_id', reason: literal('missing order_id') },
    { when: `${v('pickup_time')} IS NULL`, column: 'pickup_time', reason: literal('missing pickup_time') },
  ];
  for (const t of times) {
    checks.push({
      when: `${v(t)} IS NOT NULL AND ts_${t} IS NULL AND regexp_matches(${v(t)}, ${literal(TIME_SHAPE)})`,
      column: t,
      reason: withValue(`no such date and time in ${year}`, v(t)),
    });
    checks.push({ when: `${v(t)} IS NOT NULL AND ts_${t} IS NULL`, column: t, reason: withValue('not a time MM-DD HH:MM:SS', v(t)) });
  }
  checks.push({
    when: `${v('ds')} IS NOT NULL AND lpad(${v('ds')}, 4, '0') IS DISTINCT FROM strftime(ts_pickup_time, '%m%d')`,
    column: 'ds',
    reason: `'ds is not the day of pickup_time (' || strftime(ts_pickup_time, '%m%d') || '): ' || left(${v('ds')}, 60)`,
  });
  for (const c of coords) {
    const limit = c.endsWith('lng') ? 180 : 90;
    checks.push({ when: `${v(c)} IS NOT NULL AND (x_${c} IS NULL OR NOT isfinite(x_${c}))`, column: c, reason: withValue('not a number', v(c)) });
    checks.push({ when: `abs(x_${c}) > ${limit}`, column: c, reason: withValue(`outside [-${limit}, ${limit}]`, v(c)) });
  }
  for (const [lng, lat] of [['lng', 'lat'], ['pickup_gps_lng', 'pickup_gps_lat']]) {
    const message = literal(`${lng} and ${lat} must be given together`);
    checks.push({ when: `${v(lng)} IS NULL AND ${v(lat)} IS NOT NULL`, column: lng, reason: message });
    checks.push({ when: `${v(lat)} IS NULL AND ${v(lng)} IS NOT NULL`, column: lat, reason: message });
  }
  checks.push({
    when: `(${v('lng')} IS NULL OR ${v('lat')} IS NULL) AND (${v('pickup_gps_lng')} IS NULL OR ${v('pickup_gps_lat')} IS NULL)`,
    column: 'lng',
    reason: literal('no coordinates: need lng and lat, or pickup_gps_lng and pickup_gps_lat'),
  });
  // One CASE gives column and reason together, tab-separated (a tab in a value is shown escaped).
  const why = `CASE ${checks.map((c) => `WHEN ${c.when} THEN ${literal(`${c.column}\t`)} || ${c.reason}`).join(' ')} END`;

  // conv: per record of src, in its order: its numbers, the parsed values and why it is quarantined (NULL: it is not).
  await db.run(
    `CREATE OR REPLACE TEMP TABLE conv AS
     SELECT rec_no, line, ${[...times.map((t) => `ts_${t}`), ...coords.map((c) => `x_${c}`)].join(', ')}, ${why} AS why
     FROM (
       SELECT *, ${parsed.join(', ')}
       FROM (SELECT ${numbers}, ${needed.map((n) => `${text(n)} AS ${v(n)}`).join(', ')} FROM ${from}))`,
  );

  const outputs = PICKUPS_FROM_LADE_P.map((c) => {
    if (c.kind === 'time') return `strftime(c.ts_${c.from}, '%Y-%m-%dT%H:%M:%S') AS "${c.pickups}"`;
    if (c.kind === 'lng' || c.kind === 'lat') return `c.x_${c.from} AS "${c.pickups}"`;
    return `${text(c.from)} AS "${c.pickups}"`;
  });
  const copyOptions = job.format === 'csv' ? `FORMAT csv, HEADER ${job.csvHeader}, DELIMITER ','` : 'FORMAT parquet';
  await db.run(
    `COPY (SELECT ${outputs.join(', ')} FROM src s POSITIONAL JOIN conv c WHERE c.why IS NULL) TO ${literal(job.part)} (${copyOptions})`,
  );

  // The record as it was, rebuilt from its fields (RFC 4180 quoting where needed).
  const field = (i: number) =>
    `CASE WHEN s.f${i} IS NULL THEN '' WHEN regexp_matches(s.f${i}, '[",\\r\\n]') THEN '"' || replace(s.f${i}, '"', '""') || '"' ELSE s.f${i} END`;
  await db.run(
    `INSERT INTO quarantine
     SELECT ${fileNo}, c.rec_no, c.line, split_part(c.why, chr(9), 1), substr(c.why, strpos(c.why, chr(9)) + 1),
       ${header.map((_, i) => field(i)).join(` || ',' || `)}, false
     FROM src s POSITIONAL JOIN conv c WHERE c.why IS NOT NULL`,
  );

  const rej = locate('r.slot');
  const headerList = `[${header.map((h) => literal(h)).join(', ')}]`;
  await db.run(
    `INSERT INTO quarantine
     SELECT ${fileNo}, ${rej.recNo}, ${rej.line},
       CASE WHEN r.error_type IN ${RECORD_ERRORS} THEN NULL ELSE ${headerList}[r.column_idx::BIGINT + 1] END,
       CASE WHEN r.error_type IN ${FIELD_COUNT_ERRORS} THEN 'wrong number of fields: ' ELSE lower(r.error_type) || ': ' END || r.error_message,
       regexp_replace(r.csv_line, '^[\\r\\n]+', ''), true
     FROM file_rejects r ${rej.join}`,
  );

  const stats = await db.one<{ kept: number; written: number; first: string | null; last: string | null; december: number; january: number }>(
    `SELECT count(*) AS kept, count(*) FILTER (WHERE why IS NULL) AS written,
       strftime(min(ts_pickup_time) FILTER (WHERE why IS NULL), '%Y-%m-%dT%H:%M:%S') AS first,
       strftime(max(ts_pickup_time) FILTER (WHERE why IS NULL), '%Y-%m-%dT%H:%M:%S') AS last,
       count(*) FILTER (WHERE why IS NULL AND month(ts_pickup_time) = 12) AS december,
       count(*) FILTER (WHERE why IS NULL AND month(ts_pickup_time) = 1) AS january
     FROM conv`,
  );
  await db.run(`DROP TABLE src; DROP TABLE conv; DROP TABLE file_rejects; DROP TABLE IF EXISTS positions`);
  const kept = stats?.kept ?? 0;
  const written = stats?.written ?? 0;
  return {
    read: kept + rejectedByReader,
    written,
    quarantined: kept - written + rejectedByReader,
    rejectedByReader,
    first: stats?.first ?? null,
    last: stats?.last ?? null,
    december: stats?.december ?? 0,
    january: stats?.january ?? 0,
  };
}

/**
 * Splits a dataset into an initial part and one dataset folder per later day,
 * for `dragnet update` to apply day by day (the update tests and the bench):
 * rows are dated by the columns time to detection cuts by (detection.ts's
 * DATED: pickups.pickup_time, shipments.order_time, listings.created_at,
 * sellers.registered_at, reports.created_at, outcomes.date), on the local
 * day of the dataset's time zone. Rows dated before `from`, rows whose date is
 * missing or does not parse, and the tables no column dates, go to the
 * initial part; every other row to its day's folder. Each table keeps its
 * rows in file order and its values as text, byte for byte (the CSV quoting
 * may differ). Every part gets the dataset's dataset.json, a day's named
 * after it. `extractDay` writes one day's folder alone, and `cutDatabase`
 * cuts an analysed database back to the history before a day.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { TABLES, type TableName } from '../contract/dataset.ts';
import { Database, ident, literal } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import { discoverTables } from '../ingest/discover.ts';
import { checkedCsvHeader } from '../ingest/load.ts';
import { castTimestamp } from '../ingest/validate.ts';
import { readManifest } from '../ingest/manifest.ts';
import { DATED } from './detection.ts';
import { countShipping, locatePickups } from '../stages/sites/pickup-points.ts';
import { UPDATES_TABLE } from '../update.ts';
import { keepProgrammeTables } from '../impact/programme.ts';
import { hasImpactInputs } from '../impact/stage.ts';

export interface SplitDataset {
  /** The rows dated before `from` (or undated): a dataset for `analyze`. */
  initial: string;
  /** One folder per day from `from` on that has rows, in date order: datasets for `update`. */
  days: Array<{ day: string; dir: string }>;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Writes `out`/initial and `out`/days/YYYY-MM-DD (the folder `out` is replaced). */
export async function splitByDay(dataset: string, out: string, from: string): Promise<SplitDataset> {
  if (!DAY_RE.test(from)) throw new UserError(`split: the first day must be a YYYY-MM-DD date, not ${JSON.stringify(from)}`);
  const manifest = readManifest(dataset);
  const found = discoverTables(dataset);
  rmSync(out, { recursive: true, force: true });
  const initial = join(out, 'initial');
  mkdirSync(initial, { recursive: true });
  const dated = new Map<TableName, string>(DATED);
  const db = await Database.open(':memory:', { timezone: manifest.timezone });
  const days = new Set<string>();
  const written: Array<{ name: string; header: string[] }> = [];
  try {
    for (const [table, files] of found) {
      for (const file of files) {
        const name = relative(dataset, file.path);
        const column = dated.get(table);
        if (column === undefined) {
          copyInto(file.path, join(initial, name));
          continue;
        }
        if (file.format !== 'csv') throw new UserError(`split reads CSV tables only: ${file.path} is ${file.format}`);
        const header = checkedCsvHeader(table, file.path).header;
        const src = ident(`src_${written.length}`);
        await db.run(`CREATE TABLE ${src} AS SELECT *, ${dayOf(table, column)} AS _day FROM ${readText(file.path, header)}`);
        for (const r of await db.all<{ d: string }>(`SELECT DISTINCT strftime(_day, '%Y-%m-%d') AS d FROM ${src} WHERE _day >= ${literal(from)}::DATE`)) {
          days.add(r.d);
        }
        await copyRows(db, src, header, `_day IS NULL OR _day < ${literal(from)}::DATE`, join(initial, name));
        written.push({ name, header });
      }
    }
    const sorted = [...days].sort();
    for (const day of sorted) {
      const dir = join(out, 'days', day);
      mkdirSync(dir, { recursive: true });
      for (const [i, { name, header }] of written.entries()) {
        const src = ident(`src_${i}`);
        if ((await db.scalar(`SELECT count(*) FROM ${src} WHERE _day = ${literal(day)}::DATE`)) === 0) continue;
        await copyRows(db, src, header, `_day = ${literal(day)}::DATE`, join(dir, name));
      }
    }
    writeManifests(dataset, initial, sorted.map((day) => [day, join(out, 'days', day)]));
    return { initial, days: sorted.map((day) => ({ day, dir: join(out, 'days', day) })) };
  } finally {
    db.close();
  }
}

/**
 * Writes the rows of the dataset's dated tables that fall on `day` (as
 * `splitByDay` dates them) into `out`, a dataset folder named after the day,
 * streaming each file once: the update bench's day at sizes where the whole
 * split would not fit on the disk. Returns how many rows each file gave (a
 * file with none is not written).
 */
export async function extractDay(dataset: string, out: string, day: string): Promise<Record<string, number>> {
  if (!DAY_RE.test(day)) throw new UserError(`split: the day must be a YYYY-MM-DD date, not ${JSON.stringify(day)}`);
  const manifest = readManifest(dataset);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const dated = new Map<TableName, string>(DATED);
  const db = await Database.open(':memory:', { timezone: manifest.timezone });
  const rows: Record<string, number> = {};
  try {
    for (const [table, files] of discoverTables(dataset)) {
      const column = dated.get(table);
      if (column === undefined) continue;
      for (const file of files) {
        if (file.format !== 'csv') throw new UserError(`split reads CSV tables only: ${file.path} is ${file.format}`);
        const name = relative(dataset, file.path);
        const header = checkedCsvHeader(table, file.path).header;
        const path = join(out, name);
        mkdirSync(dirname(path), { recursive: true });
        await db.run(`COPY (SELECT ${header.map(ident).join(', ')} FROM ${readText(file.path, header)}
          WHERE ${dayOf(table, column)} = ${literal(day)}::DATE) TO ${literal(path)} (HEADER, DELIMITER ',')`);
        const n = await db.scalar(`SELECT count(*) FROM read_csv(${literal(path)}, header = true, all_varchar = true)`);
        // As in the split, a table with no row that day has no file.
        if (n === 0) rmSync(path);
        else rows[name] = n;
      }
    }
  } finally {
    db.close();
  }
  writeManifests(dataset, null, [[day, out]]);
  return rows;
}

/** A CSV file's records as text, read as the split reads them. */
const readText = (path: string, header: string[]) =>
  `read_csv(${literal(path)}, header = true, auto_detect = false, columns = {${header.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}},
            delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false)`;

/** The local day of a row, as the ingest would type its date column (NULL where it would not). */
function dayOf(table: TableName, column: string): string {
  const c = ident(column);
  const type = TABLES[table].columns.find((x) => x.name === column)?.type;
  if (type === 'date') return `try_cast(trim(${c}) AS DATE)`;
  return `(${castTimestamp(`trim(${c})`)})::DATE`;
}

async function copyRows(db: Database, src: string, header: string[], where: string, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await db.run(`COPY (SELECT ${header.map(ident).join(', ')} FROM ${src} WHERE ${where}) TO ${literal(path)} (HEADER, DELIMITER ',')`);
}

function copyInto(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

/** dataset.json into every part; a day's is named after the day, which `update` records it by. */
function writeManifests(dataset: string, initial: string | null, days: Array<[string, string]>): void {
  const path = join(dataset, 'dataset.json');
  const raw = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>) : {};
  if (initial !== null && existsSync(path)) copyFileSync(path, join(initial, 'dataset.json'));
  for (const [day, dir] of days) writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ ...raw, name: day }, null, 2) + '\n');
}

/**
 * Deletes from an analysed database the rows `splitByDay` would date `day` or
 * later (on the dataset's local days), the pickup points of those pickups (all
 * of them again, from the rows left, if the cut took a waybill whose pickup
 * it kept), and recounts the shipping tables and the programme's kept
 * counts: what an analyze of the history holds. The record of an update of
 * the day or later goes too, so the bench can run again on the same
 * database. The update bench's history at sizes where a split would not fit
 * on the disk; applying `day` to it gives the analyze's results
 * (test/integration/update.test.ts). Returns the pickups left.
 */
export async function cutDatabase(file: string, timezone: string, day: string): Promise<number> {
  const db = await Database.open(file, { timezone });
  try {
    const from = `${literal(day)}::DATE`;
    for (const [table, column] of DATED) {
      const type = TABLES[table].columns.find((c) => c.name === column)?.type;
      await db.run(`DELETE FROM ${ident(table)} WHERE ${type === 'date' ? ident(column) : `${ident(column)}::DATE`} >= ${from}`);
    }
    await db.run(`DELETE FROM pickup_points WHERE t::DATE >= ${from}`);
    // A point no longer names its waybill (it stays in pickups): where the cut left points whose
    // waybill it removed (a parcel ordered on the day and picked up before it), they are placed again.
    const placed = await db.scalar(`SELECT count(*) FROM pickups JOIN shipments USING (waybill_id)`);
    if (placed !== (await db.scalar(`SELECT count(*) FROM pickup_points`))) await locatePickups(db);
    await countShipping(db);
    // The counts an analyze keeps where it writes impact/; the database's own counted the cut days too.
    if (await hasImpactInputs(db)) await keepProgrammeTables(db);
    // A database that took this day by an earlier bench's update would refuse it as already applied.
    if (await db.tableExists(UPDATES_TABLE)) await db.run(`DELETE FROM ${UPDATES_TABLE} WHERE day >= ${literal(day)}`);
    await db.run('CHECKPOINT');
    return await db.scalar('SELECT count(*) FROM pickups');
  } finally {
    db.close();
  }
}

/**
 * `dragnet update`: applies one day of new rows to the database an earlier
 * `analyze --db FILE` (or update) kept, reruns the analysis and writes the
 * results contract into OUT.
 *
 * The day is read and checked by the same ingest as a whole dataset, into a
 * scratch catalog of its own (`dragnet_day`, in memory), with its keys and
 * references checked against the database's rows as well as its own: a key
 * the database already holds is quarantined as a duplicate, a reference to a
 * row in neither is dangling.
 *
 * Then one DuckDB transaction on the database: the day's accepted rows and
 * quarantined records are appended, the stages rerun (pickup-points on the
 * day's pickups only, see `appendPickupPoints`; the later stages, over
 * aggregates, whole, but for impact's kept counts, to which the day's sales
 * and points are added, see impact/programme.ts), the result files are
 * written and swapped into OUT, the update is recorded in `dragnet_updates`,
 * and only then is the transaction committed. Killed at any point before the
 * commit, the database is as it was (DuckDB writes nothing of an uncommitted
 * transaction to the file's live blocks or to its .wal) and OUT holds either
 * the previous results or the ones this update gives, which a rerun writes
 * again; killed after it, the update is done (the .wal replays on the next
 * open).
 *
 * A day is known by its name (dataset.json's `name`, else the folder's name)
 * and by a fingerprint of its files: an update whose day matches one already
 * applied is refused, with a message saying when it was applied, and changes
 * nothing.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TABLE_NAMES, VALIDATION_ORDER, type TableName } from './contract/dataset.ts';
import { Database, ident, literal } from './engine/database.ts';
import { UserError } from './errors.ts';
import { faultPoint } from './fault.ts';
import { fsProblem } from './fs-errors.ts';
import { discoverTables } from './ingest/discover.ts';
import { ingestDataset } from './ingest/ingest.ts';
import { readManifest } from './ingest/manifest.ts';
import { QUARANTINE_TABLE, type Region } from './ingest/validate.ts';
import type { Progress } from './cli/progress.ts';
import { METHODS, runRecord, runStages, stageTimer, writeResults, type Method, type RunSummary } from './pipeline.ts';
import { checkDragnetDatabase, DB_FILE, prepareOutput, readMeta, writeMeta } from './results/output.ts';
import { writeRunJson } from './results/write.ts';
import { appendPickupPoints, DAY_POINTS } from './stages/sites/pickup-points.ts';
import type { KnownIds } from './workspace/feedback.ts';

/** The table recording the updates applied to a run's database. */
export const UPDATES_TABLE = 'dragnet_updates';
/** The scratch catalog the day is read into. */
const DAY = 'dragnet_day';

export interface UpdateOptions {
  /** Folder holding the day's new rows, in the dataset contract; every table optional. */
  day: string;
  /** The database an earlier `analyze --db` or update kept. */
  dbPath: string;
  out: string;
  memoryLimit?: string;
  progress: Progress;
  /**
   * Rows from elsewhere read beside the day (a workspace's closed cases and
   * reports, see workspace/feedback.ts), given the ids the database holds
   * already so that what an earlier day read is not read again.
   */
  feedback?: (known: KnownIds) => Partial<Record<TableName, string[]>>;
}

export interface UpdateSummary extends RunSummary {
  /** The day's name, as recorded in dragnet_updates. */
  day: string;
  /** Whether pickup-points placed the day's pickups alone, or reran whole (the day moved the frame). */
  pickupPoints: 'appended' | 'rebuilt';
  /** Rows of each dataset table in the database after the update. */
  history: Partial<Record<TableName, number>>;
  /** The impact stage's kept counts (impact/programme.ts): whether the day was added to each, or it was made whole. */
  kept: Record<string, 'whole' | 'added'>;
}

/** Applies a day to the database, reruns the analysis and writes the results contract into `out`. */
export async function update(options: UpdateOptions): Promise<UpdateSummary> {
  const started = Date.now();
  const file = await runDatabase(options.dbPath, options.out);
  const dayDir = resolve(options.day);
  const manifest = readManifest(dayDir);
  const fingerprint = fingerprintDay(dayDir, manifest.name);
  const output = await prepareOutput(options.out, ':memory:');
  const stages: Record<string, number> = {};
  const timed = stageTimer(options.progress, stages);
  try {
    const db = await openRunDatabase(file, options.memoryLimit);
    let summary: UpdateSummary;
    try {
      const catalog = (await db.one<{ c: string }>(`SELECT current_database() AS c`))!.c;
      await checkTables(db, file);
      await refuseApplied(db, file, manifest.name, fingerprint);
      const meta = await readMeta(db);
      for (const key of ['timezone', 'crs', 'currency'] as const) {
        if (meta[key] !== undefined && meta[key] !== manifest[key]) {
          throw new UserError(
            `${join(dayDir, 'dataset.json')} gives ${key} ${manifest[key]}, but the database ${file} holds data in ${meta[key]}: ` +
              `a day must be given in the same ${key} as the data it joins (set "${key}": "${meta[key]}" in its dataset.json)`,
          );
        }
      }
      const method = (METHODS as readonly string[]).includes(meta.method ?? '') ? (meta.method as Method) : 'dragnet';
      const region = meta.region ? (JSON.parse(meta.region) as Region | null) ?? undefined : undefined;
      const present = new Set<TableName>(meta.tables ? (JSON.parse(meta.tables) as TableName[]) : await nonEmptyTables(db));

      const extra = options.feedback?.({ outcomes: await knownIds(db, 'outcomes', 'outcome_id'), reports: await knownIds(db, 'reports', 'report_id') }) ?? {};
      await db.run(`ATTACH ':memory:' AS ${DAY}`);
      await db.run(`USE ${DAY}`);
      const ingest = await timed('ingest', () => ingestDataset(db, dayDir, options.progress, extra, { catalog, present, region }));
      await db.run(`USE ${ident(catalog)}`);
      faultPoint('update-ingested');

      await db.run('BEGIN TRANSACTION');
      let open = true;
      try {
        await timed('append', () => appendDay(db, manifest.name));
        faultPoint('update-appended');
        let pickupPoints: UpdateSummary['pickupPoints'] = 'appended';
        const leads = await runStages(db, method, timed, undefined, async (d) => {
          pickupPoints = await appendPickupPoints(d, DAY);
        });
        faultPoint('after-stages');
        const kept: UpdateSummary['kept'] = {};
        const impactFiles = await writeResults(db, output.dir, leads, timed, {
          catalog: DAY,
          points: pickupPoints === 'appended' ? DAY_POINTS : undefined,
          kept: (table, how) => (kept[table] = how),
        });
        const history = Object.fromEntries(
          await Promise.all(TABLE_NAMES.map(async (t) => [t, await db.scalar(`SELECT count(*) FROM ${ident(t)}`)] as const)),
        ) as Record<TableName, number>;
        summary = {
          dataset: dayDir,
          method,
          tables: ingest.tables,
          leads,
          stages,
          seconds: (Date.now() - started) / 1000,
          peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
          day: manifest.name,
          pickupPoints,
          history,
          kept,
        };
        writeRunJson(output.dir, {
          ...(await runRecord(db, summary, ingest, file, started, impactFiles)),
          // The database's region, against which the day's places were judged.
          region: region ?? ingest.region ?? null,
          engine: 'duckdb',
          signals_off: [],
          // Optional addition: this run applied a day to a kept database.
          update: { day: manifest.name, fingerprint, pickup_points: pickupPoints, kept_counts: kept, database_rows: history },
        });
        const counts = Object.values(ingest.tables);
        await db.run(`CREATE TABLE IF NOT EXISTS ${UPDATES_TABLE} (
          day VARCHAR, dataset VARCHAR, fingerprint VARCHAR, "read" BIGINT, accepted BIGINT, quarantined BIGINT,
          tables VARCHAR, applied_at TIMESTAMPTZ, seconds DOUBLE)`);
        await db.run(`INSERT INTO ${UPDATES_TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8), $9)`, [
          manifest.name,
          dayDir,
          fingerprint,
          counts.reduce((s, c) => s + c.read, 0),
          counts.reduce((s, c) => s + c.accepted, 0),
          counts.reduce((s, c) => s + c.quarantined, 0),
          JSON.stringify(ingest.tables),
          Date.now() / 1000,
          (Date.now() - started) / 1000,
        ]);
        const tables = VALIDATION_ORDER.filter((t) => present.has(t) || t in ingest.tables);
        await writeMeta(db, new Date(started).toISOString(), { method, region: region ?? ingest.region, manifest, tables });
        output.commit();
        faultPoint('before-commit');
        await db.run('COMMIT');
        open = false;
      } finally {
        if (open) await db.run('ROLLBACK').catch(() => undefined);
      }
      faultPoint('after-commit');
      await db.run('CHECKPOINT');
    } finally {
      db.close();
    }
    return summary;
  } catch (err) {
    output.discard();
    throw err;
  }
}

/** The --db of an update: an existing Dragnet database, outside OUT (which an update replaces whole). */
async function runDatabase(dbArg: string, outArg: string): Promise<string> {
  const file = resolve(dbArg);
  const hint = 'dragnet update applies a day to the database an earlier `dragnet analyze DATASET --db FILE` kept: run that first, and give its FILE';
  try {
    statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`--db ${file} does not exist. ${hint}`);
    throw new UserError(`cannot use --db ${file}: ${fsProblem(err) ?? (err as Error).message}`);
  }
  const inside = relative(resolve(outArg), file);
  if (inside === '' || (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside))) {
    throw new UserError(
      `--db ${file} lies inside --out ${resolve(outArg)}, which an update replaces whole: keep the database outside OUT ` +
        `(analyze with --db FILE, e.g. --db runs/${DB_FILE}), or give another --out`,
    );
  }
  await checkDragnetDatabase(file, hint);
  return file;
}

async function openRunDatabase(file: string, memoryLimit?: string): Promise<Database> {
  try {
    return await Database.open(file, { memoryLimit, keepBlocks: true });
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new UserError(`cannot open --db ${file} (${reason}); if another program has it open, close that program and rerun the update`);
  }
}

/** The dataset tables an analyze keeps; a database without them (its pickups kept on a ClickHouse cluster) cannot take a day. */
async function checkTables(db: Database, file: string): Promise<void> {
  const missing: string[] = [];
  for (const t of [...TABLE_NAMES, QUARANTINE_TABLE, 'pickup_points', 'frame']) if (!(await db.tableExists(t))) missing.push(t);
  if (missing.length > 0) {
    throw new UserError(
      `--db ${file} has no ${missing.join(', ')} table${missing.length > 1 ? 's' : ''}: an update needs every table of an ` +
        `analyze run in DuckDB (a run with --engine clickhouse keeps pickups and shipments on the cluster); rerun analyze without --engine`,
    );
  }
}

/** Refuses a day whose name or files match an update already applied. */
async function refuseApplied(db: Database, file: string, day: string, fingerprint: string): Promise<void> {
  if (!(await db.tableExists(UPDATES_TABLE))) return;
  const done = await db.one<{ day: string; dataset: string; at: string; same: boolean }>(
    `SELECT day, dataset, strftime(applied_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at, fingerprint = $2 AS same
     FROM ${UPDATES_TABLE} WHERE day = $1 OR fingerprint = $2 ORDER BY applied_at LIMIT 1`,
    [day, fingerprint],
  );
  if (!done) return;
  const what = done.same ? `the same files as day ${done.day} (${done.dataset})` : `day ${day}, a day of that name (from ${done.dataset})`;
  throw new UserError(
    `--db ${file} already has ${what}, applied at ${done.at}; nothing was changed. A day is applied once: its rows would all be ` +
      `quarantined as duplicates. To apply other rows for that day, give them a folder of their own with another name (dataset.json "name")`,
  );
}

/** Tables with rows, for a database written before dragnet_meta recorded which tables its dataset brought. */
async function nonEmptyTables(db: Database): Promise<TableName[]> {
  const out: TableName[] = [];
  for (const t of TABLE_NAMES) if ((await db.scalar(`SELECT count(*) FROM ${ident(t)}`)) > 0) out.push(t);
  return out;
}

/** The ids a table of the database holds. */
async function knownIds(db: Database, table: TableName, column: string): Promise<Set<string>> {
  const rows = await db.all<{ id: string }>(`SELECT DISTINCT ${ident(column)}::VARCHAR AS id FROM ${ident(table)} WHERE ${ident(column)} IS NOT NULL`);
  return new Set(rows.map((r) => r.id));
}

/** Appends the day's accepted rows and its quarantined records (their files named under the day) to the database's tables. */
async function appendDay(db: Database, day: string): Promise<void> {
  for (const t of TABLE_NAMES) {
    if ((await db.scalar(`SELECT count(*) FROM ${DAY}.${ident(t)}`)) === 0) continue;
    await db.run(`INSERT INTO ${ident(t)} BY NAME SELECT * FROM ${DAY}.${ident(t)}`);
  }
  await db.run(
    `INSERT INTO ${QUARANTINE_TABLE} SELECT * REPLACE (${literal(`${day}/`)} || file AS file) FROM ${DAY}.${QUARANTINE_TABLE}`,
  );
}

/**
 * sha256 over the day's table files and dataset.json (names and bytes), to know a day given twice under
 * another name; a day without table files is known by its name alone (two such days are alike).
 */
function fingerprintDay(dir: string, name: string): string {
  const hash = createHash('sha256');
  const files = [...discoverTables(dir, { allOptional: true }).values()].flat().map((f) => f.path);
  if (files.length === 0) hash.update(`no tables\0${name}\0`);
  const manifest = join(dir, 'dataset.json');
  try {
    if (statSync(manifest).isFile()) files.push(manifest);
  } catch {
    // no manifest: the contract's defaults
  }
  for (const path of files.sort()) {
    hash.update(`${relative(dir, path) || basename(path)}\0`);
    // In chunks: a day's files may be large.
    const fd = openSync(path, 'r');
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

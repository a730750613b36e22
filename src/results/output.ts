/**
 * Where a run writes, so that no run destroys or mixes results. A run writes
 * every output (result files, quarantine/, the default database) into a
 * staging folder beside OUT, `.OUT.partial-<pid>-XXXXXX`, and only once it has
 * succeeded swaps it in: OUT is renamed to `.OUT.previous`, the staging folder
 * to OUT, and the backup removed. A run killed at any point therefore leaves
 * the previous results whole; one killed between the two renames leaves them
 * in the backup, which the next run puts back before anything else. Staging
 * folders of dead processes are removed at the start of a run. One run per
 * OUT at a time, on one machine (process ids tell live staging from stale).
 *
 * An explicit `--db FILE` outside OUT is staged the same way, in a folder
 * beside FILE, and only ever replaces a database Dragnet wrote: a DuckDB file
 * (magic bytes) holding the `dragnet_meta` table every run creates.
 */
import { accessSync, closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RESULT_FILES } from '../contract/results.ts';
import { IMPACT_DIR } from '../impact/stage.ts';
import { Database, literal } from '../engine/database.ts';
import type { Manifest } from '../contract/dataset.ts';
import type { Region } from '../ingest/validate.ts';
import { UserError } from '../errors.ts';
import { faultPoint } from '../fault.ts';
import { fsProblem } from '../fs-errors.ts';

/** The database a run keeps in OUT unless --db says otherwise. */
export const DB_FILE = 'dragnet.duckdb';
/** The table that marks a database as Dragnet's, so that --db may replace it. */
export const MARKER_TABLE = 'dragnet_meta';

/** Staging folders this process has created and not yet moved or removed. */
const staged = new Set<string>();

/** What a run leaves in OUT (DuckDB adds the .wal and the .tmp spill folder); anything else is someone else's. */
const OUTPUT_NAMES = new Set<string>([...Object.values(RESULT_FILES), IMPACT_DIR, DB_FILE, `${DB_FILE}.wal`, `${DB_FILE}.tmp`]);

export interface Output {
  /** Staging folder that receives the result files. */
  readonly dir: string;
  /** Where the run opens its database: a staged file, or ':memory:'. */
  readonly dbPath: string;
  /** Where the database lies once the run has succeeded (run.json's "database"); null for ':memory:'. */
  readonly database: string | null;
  /** Moves every output into place; call once the database is closed. */
  commit(): void;
  /** Removes the staged outputs of a run that failed. */
  discard(): void;
}

/**
 * Checks OUT and --db before any work (UserErrors naming the path and the
 * fix), finishes a swap an earlier run was killed in, removes stale staging,
 * and creates this run's staging.
 */
export async function prepareOutput(outArg: string, dbArg?: string): Promise<Output> {
  let out = realOrSelf(resolve(outArg), '--out');
  if (dirname(out) === out) throw new UserError(`--out ${out} is the root folder: give a folder for the results, e.g. --out results`);
  try {
    mkdirSync(dirname(out), { recursive: true });
    // Real paths throughout, so that --db is told inside or outside OUT whatever links lead there.
    out = join(realpathSync(dirname(out)), basename(out));
  } catch (err) {
    throw new UserError(`cannot create the folder ${dirname(out)} for --out ${out}: ${fsProblem(err) ?? (err as Error).message}; choose a folder you can write to`);
  }
  const parent = dirname(out);
  restoreInterrupted(out);
  checkOut(out);
  removeStale(parent, basename(out));
  const db = await prepareDatabase(dbArg, out);

  const dir = stage(parent, basename(out), `--out ${out}`);
  let dbStage: string | undefined;
  try {
    if (db.file) dbStage = stage(dirname(db.file), basename(db.file), `--db ${db.file}`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    staged.delete(dir);
    throw err;
  }
  const dbPath = db.file ? join(dbStage!, basename(db.file)) : db.memory ? ':memory:' : join(dir, DB_FILE);
  return {
    dir,
    dbPath,
    database: db.file ?? (db.memory ? null : join(out, DB_FILE)),
    commit() {
      faultPoint('before-swap');
      // The staged database was checkpointed and closed: it has no .wal, and no spill folder travels.
      rmSync(join(dir, `${DB_FILE}.tmp`), { recursive: true, force: true });
      restoreInterrupted(out);
      // Someone may have put files into OUT during the run: never swap those away.
      checkOut(out);
      const backup = backupOf(out);
      if (exists(out)) renameSync(out, backup);
      faultPoint('mid-swap');
      renameSync(dir, out);
      faultPoint('after-swap');
      staged.delete(dir);
      rmSync(backup, { recursive: true, force: true });
      if (db.file && dbStage) {
        // A .wal left beside the old database belongs to it, and would be replayed into the new one.
        rmSync(`${db.file}.wal`, { force: true });
        renameSync(dbPath, db.file);
        rmSync(dbStage, { recursive: true, force: true });
        staged.delete(dbStage);
      }
    },
    discard() {
      for (const d of [dir, dbStage]) {
        if (d === undefined) continue;
        rmSync(d, { recursive: true, force: true });
        staged.delete(d);
      }
    },
  };
}

/** What a run records of itself in `dragnet_meta`, for a later `dragnet update` to apply a day the same way. */
export interface RunMeta {
  method: string;
  region?: Region;
  manifest: Pick<Manifest, 'crs' | 'timezone' | 'currency'>;
  /** The tables the dataset brought (so far, with the updates applied). */
  tables: string[];
}

/**
 * Marks a run's database as Dragnet's (so a later --db may replace it) and
 * records what `readMeta` gives back. The caller checkpoints it, leaving no
 * .wal (an update does so after its transaction commits).
 */
export async function writeMeta(db: Database, startedAt: string, meta: RunMeta): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${MARKER_TABLE} (key VARCHAR, value VARCHAR)`);
  const rows: Array<[string, string]> = [
    ['writer', 'dragnet'],
    ['results_contract', '1'],
    ['started_at', startedAt],
    ['method', meta.method],
    ['region', JSON.stringify(meta.region ?? null)],
    ['crs', meta.manifest.crs],
    ['timezone', meta.manifest.timezone],
    ['currency', meta.manifest.currency],
    ['tables', JSON.stringify(meta.tables)],
  ];
  await db.append(MARKER_TABLE, rows);
}

/** What `writeMeta` recorded; fields a database written before they existed lacks are undefined. */
export async function readMeta(db: Database): Promise<Partial<Record<string, string>>> {
  const rows = await db.all<{ key: string; value: string }>(`SELECT key, value FROM ${MARKER_TABLE}`);
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

const backupOf = (out: string) => join(dirname(out), `.${basename(out)}.previous`);
const stagingPrefix = (name: string) => `.${name}.partial-`;

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A path with its symbolic links resolved when it exists, so the real folder or file is replaced, not the link. */
function realOrSelf(path: string, flag: string): string {
  try {
    return realpathSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !exists(path)) return path;
    if (code === 'ENOENT') throw new UserError(`${flag} ${path} is a symbolic link to something that does not exist: fix or remove the link, or choose another path`);
    if (code === 'ELOOP') throw new UserError(`${flag} ${path}: symbolic links on the way loop back on themselves: fix or remove the link, or choose another path`);
    throw new UserError(`${flag} ${path}: ${fsProblem(err) ?? (err as Error).message}; choose another path`);
  }
}

/** Finishes a swap that an earlier run was killed in: puts the previous results back, or drops their backup. */
function restoreInterrupted(out: string): void {
  const backup = backupOf(out);
  if (!exists(backup)) return;
  if (exists(out)) rmSync(backup, { recursive: true, force: true });
  else renameSync(backup, out);
}

/** OUT may be missing, or a folder holding nothing but an earlier run's outputs, which a run replaces. */
function checkOut(out: string): void {
  let entries: string[];
  try {
    if (!statSync(out).isDirectory()) {
      throw new UserError(`--out ${out} is a file, not a folder: give a folder for the results (it is created if missing)`);
    }
    entries = readdirSync(out);
    accessSync(out, constants.W_OK);
  } catch (err) {
    if (err instanceof UserError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UserError(`cannot use --out ${out}: ${fsProblem(err) ?? (err as Error).message}; choose a folder you can write to`);
  }
  const foreign = entries.filter((e) => !isOutput(out, e)).sort();
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : '');
    throw new UserError(
      `--out ${out} holds files that are not Dragnet results (${shown}). A run replaces the whole folder, so it writes ` +
        `only into a new folder or one an earlier run wrote: choose another --out, or move those files away`,
    );
  }
}

function isOutput(out: string, entry: string): boolean {
  if (!OUTPUT_NAMES.has(entry)) return false;
  if (entry !== RESULT_FILES.quarantine && entry !== IMPACT_DIR) return true;
  // quarantine/ and impact/ hold CSV files and nothing else.
  try {
    return readdirSync(join(out, entry)).every((f) => f.endsWith('.csv'));
  } catch {
    return false;
  }
}

/** Removes the staging folders that runs on `name` left when they were killed (their process is gone). */
function removeStale(parent: string, name: string): void {
  const prefix = stagingPrefix(name);
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return; // a folder we may write to but not list: nothing to clean
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = /^(\d+)-[A-Za-z0-9]{6}$/.exec(entry.slice(prefix.length))?.[1];
    if (pid === undefined) continue;
    const full = join(parent, entry);
    // Our own pid on a folder this process did not create: an earlier process that had the same pid (containers reuse them).
    const stale = Number(pid) === process.pid ? !staged.has(full) : !alive(Number(pid));
    if (stale) rmSync(full, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function stage(parent: string, name: string, what: string): string {
  try {
    const dir = mkdtempSync(join(parent, `${stagingPrefix(name)}${process.pid}-`));
    staged.add(dir);
    return dir;
  } catch (err) {
    throw new UserError(`cannot write beside ${what} in ${parent}: ${fsProblem(err) ?? (err as Error).message}; choose a folder you can write to`);
  }
}

/** The run's database: in memory, the default OUT/dragnet.duckdb, or an explicit file outside OUT (checked). */
async function prepareDatabase(dbArg: string | undefined, out: string): Promise<{ memory?: true; file?: string }> {
  if (dbArg === ':memory:') return { memory: true };
  if (dbArg === undefined) return {};
  let file = realOrSelf(resolve(dbArg), '--db');
  const folder = dirname(file);
  let folderOk = false;
  try {
    folderOk = statSync(folder).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UserError(`--db ${file}: cannot use the folder ${folder}: ${fsProblem(err) ?? (err as Error).message}`);
    }
  }
  if (!folderOk) {
    throw new UserError(`--db ${file}: the folder ${folder} does not exist; create it first (mkdir -p ${folder}) or give a path in an existing folder`);
  }
  file = join(realpathSync(folder), basename(file));
  if (file === join(out, DB_FILE)) return {};
  const inside = relative(out, file);
  if (inside === '' || (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside))) {
    throw new UserError(
      `--db ${file} lies inside --out ${out}, whose contents a run replaces: leave --db out to keep the database ` +
        `at ${join(out, DB_FILE)}, or give a path outside ${out}`,
    );
  }
  if (exists(file)) await checkDragnetDatabase(file);
  removeStale(dirname(file), basename(file));
  return { file };
}

const REPLACE_HINT =
  'Dragnet only replaces a database an earlier run wrote: give a path that does not exist yet, or remove that file yourself if you no longer need it';

/** An existing --db file must be a DuckDB database that Dragnet wrote; anything else is left alone (`hint` says what to do instead). */
export async function checkDragnetDatabase(file: string, hint = REPLACE_HINT): Promise<void> {
  const refuse = (why: string) => new UserError(`--db ${file} ${why}. ${hint}`);
  let head = Buffer.alloc(0);
  try {
    if (statSync(file).isDirectory()) throw new UserError(`--db ${file} is a folder, not a database file: give a file path, e.g. --db ${join(file, DB_FILE)}`);
    const fd = openSync(file, 'r');
    try {
      head = Buffer.alloc(12);
      head = head.subarray(0, readSync(fd, head, 0, 12, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read --db ${file}: ${fsProblem(err) ?? (err as Error).message}; choose another path`);
  }
  // A DuckDB file starts with an 8-byte checksum and then the magic bytes DUCK.
  if (head.length < 12 || head.subarray(8, 12).toString('latin1') !== 'DUCK') throw refuse('exists and is not a DuckDB database');
  const probe = await Database.open(':memory:');
  let marked: number;
  try {
    await probe.run(`ATTACH ${literal(file)} AS previous (READ_ONLY)`);
    marked = await probe.scalar(`SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' AND table_name = $1`, [MARKER_TABLE]);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new UserError(`cannot open --db ${file} (${reason}); if another program has it open, close that program, or give another path`);
  } finally {
    probe.close();
  }
  if (marked === 0) throw refuse(`is a DuckDB database that Dragnet did not write (it has no ${MARKER_TABLE} table)`);
}

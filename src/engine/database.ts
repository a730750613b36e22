/**
 * The only module that imports the DuckDB driver. Stages speak SQL through
 * `Database`; values are bound as parameters and identifiers quoted with
 * `ident`, so no SQL is ever built from user input by concatenation.
 */
import type { DuckDBInstance, DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

/** The driver, loaded on first use: commands that never open a database (help, generate) start without it. */
type Driver = typeof import('@duckdb/node-api');
let driver: Driver | undefined;
async function loadDriver(): Promise<Driver> {
  driver ??= await import('@duckdb/node-api');
  return driver;
}
import { gcj02ToWgs84 } from '../crs.ts';
import { visible } from '../ingest/visible.ts';

/** DRAGNET_SQL_TRACE=1 prints each statement's duration on stderr, to find slow stages. */
const TRACE = process.env.DRAGNET_SQL_TRACE === '1';

let cpuAtStart = process.cpuUsage();

/** Wall and CPU milliseconds of a statement (CPU of every thread, so a busy machine shows what the statement itself costs). */
function trace(sql: string, started: number): void {
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  // The time since the process started comes first, so the gaps between statements (work outside DuckDB) show too.
  const at = (performance.now() / 1000).toFixed(1).padStart(7);
  process.stderr.write(`[${at} s] [sql ${ms.toFixed(0).padStart(6)} ms, cpu ${cpuMs.toFixed(0).padStart(6)} ms] ${sql.replace(/\s+/g, ' ').trim().slice(0, 110)}\n`);
}

function traceStart(): number {
  cpuAtStart = process.cpuUsage();
  return performance.now();
}

/**
 * DuckDB's own memory ceiling unless a command sets one (its default, 80% of
 * RAM, crowds the machine). With 2GB a 10M-pickup analyze peaks at 2.9 GiB in
 * all (the Node side adds about 0.9 GiB) and takes 5% longer than with 4GB
 * (docs/scale.md); `--memory-limit` gives a big machine more.
 */
export const DEFAULT_MEMORY_LIMIT = '2GB';

/** The block allocator's share of the memory limit (`keepBlocks`). */
export const KEPT_BLOCKS = '50%';

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

export class Database {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** File the database lives in, or ':memory:'. */
    readonly path: string,
  ) {}

  /** Opens (or creates) a database file, or an in-memory one for ':memory:'. */
  static async open(
    path = ':memory:',
    options: { timezone?: string; threads?: number; memoryLimit?: string; readOnly?: boolean; keepBlocks?: boolean } = {},
  ): Promise<Database> {
    const config: Record<string, string> = {};
    if (options.readOnly) config.access_mode = 'READ_ONLY';
    if (options.threads) config.threads = String(options.threads);
    // Past this DuckDB spills to disk instead of growing: a run's memory stays bounded whatever the data size.
    config.memory_limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    // A run that writes tables of millions of rows asks the system for fresh memory block after block, and
    // on this kind of virtual machine every new page faults at a cost (a sixth of an analyze's CPU went to
    // the kernel). DuckDB's block allocator keeps up to this share of the limit for reuse, never returning
    // it: 8% less wall and 12% less CPU at 10M pickups (docs/scale.md, tenth round). Only for the run and
    // update processes, which end when done, never for a server that would hold the memory.
    if (options.keepBlocks) config.block_allocator_memory = KEPT_BLOCKS;
    const duckdb = await loadDriver();
    const instance = await duckdb.DuckDBInstance.create(path, config);
    const connection = await instance.connect();
    const db = new Database(instance, connection, path);
    await db.run(`SET TimeZone = ${literal(options.timezone ?? 'UTC')}`);
    registerCrsFunctions(duckdb, connection);
    await createTextFunctions(db, duckdb, connection);
    return db;
  }

  /** Runs statements for their effect. */
  async run(sql: string, params?: Params): Promise<void> {
    const t = TRACE ? traceStart() : 0;
    await this.connection.run(sql, params);
    if (TRACE) trace(sql, t);
  }

  /**
   * Runs a query and returns its rows as plain JS objects. Integers arrive as
   * numbers (counts and ids here stay far below 2^53), timestamps as Dates.
   */
  async all<T extends object = Row>(sql: string, params?: Params): Promise<T[]> {
    const t = TRACE ? traceStart() : 0;
    const reader = await this.connection.runAndReadAll(sql, params);
    if (TRACE) trace(sql, t);
    const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
    for (const row of rows) {
      for (const key in row) {
        if (typeof row[key] === 'bigint') row[key] = Number(row[key]);
      }
    }
    return rows as T[];
  }

  /** First row of a query, or undefined. */
  async one<T extends object = Row>(sql: string, params?: Params): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  /** Single numeric value of a query (e.g. a count). */
  async scalar(sql: string, params?: Params): Promise<number> {
    const row = await this.one(sql, params);
    const value = row ? Object.values(row)[0] : undefined;
    return Number(value ?? 0);
  }

  /**
   * Appends rows to an existing table through DuckDB's appender (far faster
   * than INSERT for many rows). Cells are strings, numbers, booleans or null,
   * in the table's column order.
   */
  async append(table: string, rows: Iterable<readonly (string | number | boolean | null)[]>): Promise<void> {
    const appender = await this.connection.createAppender(table);
    for (const row of rows) {
      for (const cell of row) {
        if (cell === null) appender.appendNull();
        else if (typeof cell === 'string') appender.appendVarchar(cell);
        else if (typeof cell === 'boolean') appender.appendBoolean(cell);
        else appender.appendDouble(cell);
      }
      appender.endRow();
    }
    appender.closeSync();
  }

  /** The session's time zone: the dataset's, once ingest has set it. */
  async timeZone(): Promise<string> {
    return (await this.one<{ tz: string }>(`SELECT current_setting('TimeZone') AS tz`))?.tz ?? 'UTC';
  }

  /**
   * Adds rows to a table of sums kept from one run to the next: the rows of
   * query `rows` (by name: the table's `keys` and `sums` columns) join the
   * table's own, grouped by `keys`, each of `sums` summed and cast back to
   * the type given (sum() widens a BIGINT to a HUGEINT). Exact for counts and
   * DECIMALs, so adding a day gives what summing every row again gives.
   */
  async addSums(table: string, keys: readonly string[], sums: Readonly<Record<string, string>>, rows: string): Promise<void> {
    const k = keys.join(', ');
    const columns = [...keys, ...Object.keys(sums)].join(', ');
    const summed = Object.entries(sums).map(([c, type]) => `sum(${c})::${type} AS ${c}`).join(', ');
    await this.run(`CREATE OR REPLACE TABLE ${table} AS
      SELECT ${k}, ${summed} FROM (SELECT ${columns} FROM ${table} UNION ALL SELECT ${columns} FROM (${rows})) GROUP BY ${k}`);
  }

  /**
   * `CREATE OR REPLACE TABLE name AS query`, with the string columns named in
   * `compression` stored under the method given, chosen up front (see
   * `StringCompression`); entries for columns the query lacks are ignored.
   */
  async createTable(name: string, query: string, compression: Readonly<Record<string, StringCompression>>): Promise<void> {
    const columns = await this.all<{ column_name: string; column_type: string }>(`DESCRIBE ${query}`);
    const defs = columns.map((c) => columnSql(c.column_name, c.column_type, c.column_type === 'VARCHAR' ? compression[c.column_name] : undefined));
    await this.run(`CREATE OR REPLACE TABLE ${name} (${defs.join(', ')})`);
    await this.run(`INSERT INTO ${name} ${query}`);
  }

  async tableExists(name: string): Promise<boolean> {
    const n = await this.scalar(
      `SELECT count(*) FROM information_schema.tables WHERE table_name = $1 AND table_schema = current_schema() AND table_catalog = current_database()`,
      [name],
    );
    return n > 0;
  }

  /**
   * Writes what the file's committed transactions added into its checkpoint.
   * Until then DuckDB holds blocks of a large committed insert in memory that
   * it cannot evict, so the statements after a 100M-row table ran out of
   * memory under a 2GB limit (docs/scale.md, "Out of memory at 100M
   * pickups"). Does nothing for an in-memory database; must run outside a
   * transaction.
   */
  async checkpoint(): Promise<void> {
    if (this.path !== ':memory:') await this.run('CHECKPOINT');
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Compression of a string column chosen up front, where the kind of column
 * says which method wins, instead of DuckDB trying each method on every
 * column before writing it:
 * - `dictionary` for values that repeat from row to row by nature (ids of
 *   sellers, listings, couriers, places): about a third cheaper to write at
 *   10M pickups, the file the same size (docs/scale.md, "fifth round");
 * - `fsst` for a key, unique by nature, where a dictionary can never win:
 *   0.8-2.2 s less per 10M-row table, the file the same size
 *   (docs/scale.md, "seventh round").
 */
export type StringCompression = 'dictionary' | 'fsst';

/** `compression` for `Database.createTable` storing each of `columns` as a dictionary. */
export function dictionary(columns: readonly string[]): Record<string, StringCompression> {
  return Object.fromEntries(columns.map((c) => [c, 'dictionary' as const]));
}

/** A column of a CREATE TABLE, with its compression where one is chosen up front. */
export function columnSql(name: string, type: string, compression?: StringCompression): string {
  return `${ident(name)} ${type}${compression ? ` USING COMPRESSION ${compression}` : ''}`;
}

/** Quotes an identifier (table or column name). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal, for the few places (file paths in table functions, SET) where DuckDB takes no parameter. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * gcj02_to_wgs84_lng(lng, lat) and gcj02_to_wgs84_lat(lng, lat): the
 * GCJ-02 -> WGS84 conversion of the gcoord library, callable from SQL so that
 * ingest converts whole tables set-based. Outside mainland China gcoord leaves
 * coordinates unchanged, as GCJ-02 does.
 *
 * gcoord's inverse is iterative (about 2 us a point), so the pair is computed
 * once: the lng function remembers the latitudes of the chunk it converted and
 * the lat function, which DuckDB calls next on the same chunk, reuses them.
 */
function registerCrsFunctions({ DuckDBScalarFunction, DOUBLE }: Driver, connection: DuckDBConnection): void {
  const memo = { lngIn: new Float64Array(0), latIn: new Float64Array(0), latOut: new Float64Array(0) };
  const convert = gcj02ToWgs84;
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'gcj02_to_wgs84_lng',
      returnType: DOUBLE,
      parameterTypes: [DOUBLE, DOUBLE],
      mainFunction: (_info, input, output) => {
        const lngs = input.getColumnVector(0);
        const lats = input.getColumnVector(1);
        const n = input.rowCount;
        memo.lngIn = new Float64Array(n).fill(NaN);
        memo.latIn = new Float64Array(n).fill(NaN);
        memo.latOut = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const lng = lngs.getItem(i) as number | null;
          const lat = lats.getItem(i) as number | null;
          if (lng === null || lat === null) {
            output.setItem(i, null);
            continue;
          }
          const [x, y] = convert(lng, lat);
          memo.lngIn[i] = lng;
          memo.latIn[i] = lat;
          memo.latOut[i] = y;
          output.setItem(i, x);
        }
        output.flush();
      },
    }),
  );
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'gcj02_to_wgs84_lat',
      returnType: DOUBLE,
      parameterTypes: [DOUBLE, DOUBLE],
      mainFunction: (_info, input, output) => {
        const lngs = input.getColumnVector(0);
        const lats = input.getColumnVector(1);
        for (let i = 0; i < input.rowCount; i++) {
          const lng = lngs.getItem(i) as number | null;
          const lat = lats.getItem(i) as number | null;
          if (lng === null || lat === null) {
            output.setItem(i, null);
          } else if (i < memo.lngIn.length && memo.lngIn[i] === lng && memo.latIn[i] === lat) {
            output.setItem(i, memo.latOut[i]);
          } else {
            output.setItem(i, convert(lng, lat)[1]);
          }
        }
        output.flush();
      },
    }),
  );
}

/**
 * dragnet_visible(text): the text with invisible characters shown as \\uXXXX,
 * for reasons in the quarantine (only failing records reach it). A JS
 * function: the driver decodes strings with a TextDecoder, which drops a
 * leading BOM, so the SQL wrapper puts that one back as its escape.
 */
async function createTextFunctions(db: Database, { DuckDBScalarFunction, VARCHAR }: Driver, connection: DuckDBConnection): Promise<void> {
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'dragnet_visible_js',
      returnType: VARCHAR,
      parameterTypes: [VARCHAR],
      mainFunction: (_info, input, output) => {
        const texts = input.getColumnVector(0);
        for (let i = 0; i < input.rowCount; i++) {
          const t = texts.getItem(i) as string | null;
          output.setItem(i, t === null ? null : visible(t));
        }
        output.flush();
      },
    }),
  );
  await db.run(`CREATE OR REPLACE TEMP MACRO dragnet_visible(s) AS
    CASE WHEN starts_with(s, chr(65279)) THEN '\\ufeff' || dragnet_visible_js(s) ELSE dragnet_visible_js(s) END`);
}

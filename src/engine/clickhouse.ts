/**
 * `--engine clickhouse://HOST:PORT[,HOST:PORT...]/DB[?cluster=NAME]`: the
 * heavy, data-parallel part of the `pickup-points` stage on a ClickHouse
 * cluster, through the official `@clickhouse/client` (HTTP).
 *
 * What runs where (docs/scale.md says why):
 * - Reading and validating every table stays in the Node process (ingest/):
 *   every record read is accepted or quarantined with a reason, and checks
 *   across records (duplicate keys, dangling references, the region) need the
 *   whole table. The frame (the median pickup) is taken there too.
 * - The accepted pickups and shipments are then sent to the cluster, in
 *   RowBinary (exact doubles), sharded by a hash of the waybill so that a
 *   parcel's pickup and shipment land on one shard, partitioned by day (by
 *   month for small feeds) and ordered by region, and dropped from the
 *   embedded database.
 * - On the cluster: the join of shipments to pickups (local to each shard),
 *   where and when each parcel left (GPS, geocode or late scan; the local
 *   hour), and the aggregates per seller and per listing.
 * - Back to DuckDB: the placed parcels (`pickup_points`, without the raw
 *   columns) and the aggregate tables; every later stage runs on those.
 *
 * SQL is kept to what ClickHouse 18.16 (Debian's package) and current
 * releases both accept: MergeTree with PARTITION BY / ORDER BY, Distributed,
 * `ALL INNER JOIN ... USING`, multiIf, toHour with a time zone, no settings
 * newer than insert_distributed_sync.
 *
 * Tables are named per run (`dragnet_<run>_...`) and dropped when it ends, so
 * runs can share a database.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { Database, literal } from './database.ts';
import { UserError } from '../errors.ts';
import { clickhouseDefinitions, clickhouseDouble, clickhouseNames, duckdbCsvColumns, duckdbSelect, type TransferColumn } from './transfer.ts';
import { LATE_SCAN_SECONDS, QUALITY, SHIPPING_TABLES, createFrame, finishPickupPoints, finishSellerShipping, senderKey } from '../stages/sites/pickup-points.ts';

export interface ClickHouseTarget {
  /** HTTP endpoints, the first one the coordinator that holds the Distributed tables. */
  hosts: string[];
  database: string;
  /** Cluster of remote_servers the shards form; required with more than one host. */
  cluster?: string;
  username?: string;
  password?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `clickhouse://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...]/DB[?cluster=NAME]`; a UserError says what is wrong. */
export function parseEngineUrl(url: string): ClickHouseTarget {
  const fail = (why: string) =>
    new UserError(`--engine ${JSON.stringify(url)}: ${why}; expected clickhouse://HOST:PORT[,HOST:PORT...]/DATABASE[?cluster=NAME] (HTTP ports)`);
  const m = /^clickhouse:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)\/([^/?]*)(?:\?(.*))?$/.exec(url);
  if (!m) throw fail('not a clickhouse:// address');
  const [, user, password, hostList, database, query] = m;
  if (!NAME.test(database)) throw fail('the database must be a plain name (letters, digits, _)');
  const hosts = hostList.split(',').map((h) => {
    if (!/^[A-Za-z0-9.\-_]+:\d{1,5}$/.test(h) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(h)) throw fail(`${JSON.stringify(h)} is not HOST:PORT`);
    return `http://${h}`;
  });
  const params = new URLSearchParams(query ?? '');
  for (const key of params.keys()) if (key !== 'cluster') throw fail(`unknown option ${key}`);
  const cluster = params.get('cluster') ?? undefined;
  if (cluster !== undefined && !NAME.test(cluster)) throw fail('the cluster must be a plain name');
  if (hosts.length > 1 && !cluster) throw fail('several hosts need ?cluster=NAME, the cluster of remote_servers they form');
  return {
    hosts,
    database,
    cluster,
    username: user ? decodeURIComponent(user) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
  };
}

/** Columns sent to the cluster, each with the DuckDB expression that reads it from the accepted table. */
const PICKUP_COLUMNS: readonly TransferColumn[] = [
  { name: 'waybill_id', type: 'String' },
  { name: 'region_id', type: 'String', nullable: true },
  { name: 'courier_id', type: 'String', nullable: true },
  { name: 'aoi_id', type: 'String', nullable: true },
  { name: 'aoi_type', type: 'String', nullable: true },
  { name: 'lat', type: 'Float64', nullable: true },
  { name: 'lng', type: 'Float64', nullable: true },
  { name: 'gps_lat', type: 'Float64', nullable: true, from: 'pickup_gps_lat' },
  { name: 'gps_lng', type: 'Float64', nullable: true, from: 'pickup_gps_lng' },
  { name: 'pickup_us', type: 'Int64', from: 'epoch_us(pickup_time)' },
  { name: 'gps_us', type: 'Int64', nullable: true, from: 'epoch_us(pickup_gps_time)' },
];

const SHIPMENT_COLUMNS: readonly TransferColumn[] = [
  { name: 'waybill_id', type: 'String' },
  { name: 'seller_id', type: 'String' },
  { name: 'listing_id', type: 'String', nullable: true },
  { name: 'amount', type: 'Float64', nullable: true },
  { name: 'sender_address', type: 'String', nullable: true },
  { name: 'sender_phone_hash', type: 'String', nullable: true },
  { name: 'order_us', type: 'Int64', nullable: true, from: 'epoch_us(order_time)' },
];

/** Placed parcels as they come back (DuckDB types): the choice made on the cluster, the arithmetic left to finishPickupPoints. */
const PLACED_COLUMNS = [
  { name: 'seller_id', type: 'VARCHAR' },
  { name: 'listing_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'courier_id', type: 'VARCHAR' },
  { name: 'aoi_id', type: 'VARCHAR' },
  { name: 'aoi_type', type: 'VARCHAR' },
  { name: 'pickup_us', type: 'BIGINT' },
  { name: 'night', type: 'INTEGER' },
  { name: 'placed_by', type: 'INTEGER' },
  { name: 'lat', type: 'DOUBLE' },
  { name: 'lng', type: 'DOUBLE' },
  { name: 'address_lat', type: 'DOUBLE' },
  { name: 'address_lng', type: 'DOUBLE' },
  { name: 'sender_address', type: 'VARCHAR' },
];

/** DRAGNET_SQL_TRACE=1 prints each cluster request's wall time on stderr, beside DuckDB's statements. */
function trace(what: string, started: number): void {
  if (process.env.DRAGNET_SQL_TRACE === '1') process.stderr.write(`[clickhouse ${(performance.now() - started).toFixed(0).padStart(6)} ms] ${what}\n`);
}

/** Pickups a day from which the cluster's pickups are partitioned by day rather than by month. */
export const DAY_PARTITION_ROWS = 1_000_000;

export interface Offloaded {
  pickups: number;
  shipments: number;
  partition: 'day' | 'month';
  shards: { host: string; pickups: number; shipments: number }[];
}

export class ClickHouseEngine {
  private readonly prefix = `dragnet_${randomBytes(4).toString('hex')}`;
  private created = false;
  private partition: 'day' | 'month' = 'month';
  /** Folder for the CSV files on their way in and out. */
  private readonly scratch = mkdtempSync(join(tmpdir(), 'dragnet-clickhouse-'));

  private constructor(
    private readonly target: ClickHouseTarget,
    /** One client per host; [0] is the coordinator. */
    private readonly clients: ClickHouseClient[],
  ) {}

  /** Connects to every host and checks that the cluster's shards are the hosts given. */
  static async open(target: ClickHouseTarget): Promise<ClickHouseEngine> {
    // Loaded here, not at start-up: only a run on a cluster needs the client (70 ms to load).
    const { ClickHouseLogLevel, createClient } = await import('@clickhouse/client');
    const clients = target.hosts.map((url) =>
      createClient({
        url,
        username: target.username,
        password: target.password,
        // A join over a national day runs for minutes: progress headers keep the connection busy meanwhile.
        request_timeout: 3_600_000,
        clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '10000' },
        // Failures reach the caller as errors; the client's own log would repeat them on stderr.
        log: { level: ClickHouseLogLevel.OFF },
      }),
    );
    const engine = new ClickHouseEngine(target, clients);
    try {
      for (const [i, client] of clients.entries()) {
        try {
          await client.query({ query: 'SELECT version()', format: 'JSONEachRow' }).then((r) => r.json());
        } catch (err) {
          throw new UserError(`cannot reach ClickHouse at ${target.hosts[i]}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      if (target.cluster) {
        // 18.16 knows no query parameters ({name:Type}); the name is a checked plain word.
        const rows = await engine.rows<{ shards: string }>(
          `SELECT count(DISTINCT shard_num) AS shards FROM system.clusters WHERE cluster = '${target.cluster}'`,
        );
        const shards = Number(rows[0]?.shards ?? 0);
        if (shards === 0) throw new UserError(`ClickHouse at ${target.hosts[0]} has no cluster ${target.cluster} in its remote_servers`);
        if (shards !== target.hosts.length) {
          throw new UserError(
            `cluster ${target.cluster} has ${shards} shard${shards > 1 ? 's' : ''} but --engine names ${target.hosts.length} host${target.hosts.length > 1 ? 's' : ''}: ` +
              `list the HTTP address of one replica of every shard (each needs the run's local tables)`,
          );
        }
      }
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  private get db(): string {
    return this.target.database;
  }

  private table(kind: 'pickups' | 'shipments', local: boolean): string {
    return `${this.db}.${this.prefix}_${kind}${local && this.target.cluster ? '_local' : ''}`;
  }

  private async rows<T>(query: string): Promise<T[]> {
    const result = await this.clients[0].query({ query, format: 'JSONEachRow' });
    return result.json<T>();
  }

  private async everywhere(query: string): Promise<void> {
    await Promise.all(this.clients.map((c) => c.command({ query })));
  }

  /**
   * Creates the run's tables: MergeTree shards, and over them Distributed
   * tables on the coordinator. Pickups are partitioned by day (UTC) once a
   * day holds DAY_PARTITION_ROWS of them, else by month: an insert writes a
   * part per partition and shard, and thousands of parts of a few hundred
   * rows cost more than the rows (here, 200,000 pickups over 120 days took
   * 18 s to insert by day and 2 s by month).
   */
  private async createTables(partition: 'day' | 'month'): Promise<void> {
    await this.everywhere(`CREATE DATABASE IF NOT EXISTS ${this.db}`);
    this.created = true;
    const cols = clickhouseDefinitions;
    // A region's day is one partition's contiguous range: pruned when a day or a region is asked for.
    await this.everywhere(`CREATE TABLE ${this.table('pickups', true)} (${cols(PICKUP_COLUMNS)})
      ENGINE = MergeTree() PARTITION BY ${partition === 'day' ? 'toYYYYMMDD' : 'toYYYYMM'}(toDateTime(intDiv(pickup_us, 1000000), 'UTC'))
      ORDER BY (ifNull(region_id, ''), waybill_id)`);
    await this.everywhere(`CREATE TABLE ${this.table('shipments', true)} (${cols(SHIPMENT_COLUMNS)})
      ENGINE = MergeTree() ORDER BY (seller_id, waybill_id)`);
    if (!this.target.cluster) return;
    for (const kind of ['pickups', 'shipments'] as const) {
      const columns = kind === 'pickups' ? PICKUP_COLUMNS : SHIPMENT_COLUMNS;
      // Sharded by the waybill: a parcel's pickup and shipment meet on one shard, so the join never crosses the network.
      await this.clients[0].command({
        query: `CREATE TABLE ${this.table(kind, false)} (${cols(columns)})
          ENGINE = Distributed(${this.target.cluster}, ${this.db}, ${this.prefix}_${kind}_local, cityHash64(waybill_id))`,
      });
    }
  }

  /** Sends an accepted DuckDB table to the cluster: DuckDB writes the CSV, ClickHouse reads it; returns the rows sent. */
  private async push(db: Database, kind: 'pickups' | 'shipments', columns: readonly TransferColumn[]): Promise<number> {
    const file = join(this.scratch, `${kind}.csv`);
    await db.run(`COPY (SELECT ${duckdbSelect(columns)} FROM ${kind}) TO ${literal(file)} (FORMAT csv, HEADER false, NULLSTR '\\N')`);
    const sent = await db.scalar(`SELECT count(*) FROM ${kind}`);
    const t0 = performance.now();
    const result = await this.clients[0].exec({
      query: `INSERT INTO ${this.table(kind, false)} (${clickhouseNames(columns)}) FORMAT CSV`,
      values: createReadStream(file),
      // Distributed inserts are queued and sent later by default: wait for the shards to have the rows.
      clickhouse_settings: this.target.cluster ? { insert_distributed_sync: 1 } : {},
    });
    result.stream.resume();
    await new Promise((resolve, reject) => result.stream.on('end', resolve).on('error', reject));
    trace(`insert ${sent} ${kind}, ${statSync(file).size} bytes`, t0);
    rmSync(file, { force: true });
    return sent;
  }

  /** Runs a query on the cluster into a new DuckDB table: ClickHouse writes the CSV, DuckDB reads it; returns the rows. */
  private async pull(db: Database, query: string, into: string, columns: readonly { name: string; type: string }[]): Promise<number> {
    const file = join(this.scratch, `${into}.csv`);
    const t0 = performance.now();
    const result = await this.clients[0].exec({ query: `${query} FORMAT CSV` });
    await pipeline(result.stream, createWriteStream(file));
    trace(`query into ${into}, ${statSync(file).size} bytes`, t0);
    // ClickHouse writes NULL as an unquoted \N and quotes every string, so a quoted "\N" stays text.
    await db.run(`CREATE OR REPLACE TABLE ${into} AS SELECT * FROM read_csv(${literal(file)}, header = false, auto_detect = false,
      columns = ${duckdbCsvColumns(columns)}, delim = ',', quote = '"', escape = '"', nullstr = '\\N', allow_quoted_nulls = false)`);
    rmSync(file, { force: true });
    return db.scalar(`SELECT count(*) FROM ${into}`);
  }

  /**
   * Sends the accepted pickups and shipments to the cluster and drops them
   * here, all but the programme accounts' few; returns the rows sent. The
   * frame is taken first, from all pickups.
   */
  async offload(db: Database): Promise<Offloaded> {
    await createFrame(db);
    const perDay = await db.scalar(
      `SELECT count(*) / greatest(1, date_diff('day', min(pickup_time), max(pickup_time)) + 1) FROM pickups`,
    );
    this.partition = perDay >= DAY_PARTITION_ROWS ? 'day' : 'month';
    await this.createTables(this.partition);
    // The own-brand programme's turnover (src/impact/programme.ts) reads the
    // shipments of factories' accounts and their pickups: those few rows stay here.
    const programme = await db.tableExists('factory_accounts');
    if (programme) {
      await db.run(`CREATE TABLE programme_shipments AS SELECT * FROM shipments WHERE seller_id IN (SELECT seller_id FROM factory_accounts);
        CREATE TABLE programme_pickups AS SELECT * FROM pickups WHERE waybill_id IN (SELECT waybill_id FROM programme_shipments)`);
    }
    const pickups = await this.push(db, 'pickups', PICKUP_COLUMNS);
    const shipments = await this.push(db, 'shipments', SHIPMENT_COLUMNS);
    const [counted] = await this.rows<{ p: string; s: string }>(
      `SELECT (SELECT count() FROM ${this.table('pickups', false)}) AS p, (SELECT count() FROM ${this.table('shipments', false)}) AS s`,
    );
    if (Number(counted.p) !== pickups || Number(counted.s) !== shipments) {
      throw new Error(`the cluster holds ${counted.p} pickups and ${counted.s} shipments of the ${pickups} and ${shipments} sent`);
    }
    await db.run(`DROP TABLE pickups; DROP TABLE shipments`);
    if (programme) await db.run(`ALTER TABLE programme_pickups RENAME TO pickups; ALTER TABLE programme_shipments RENAME TO shipments`);
    return { pickups, shipments, partition: this.partition, shards: await this.shardRows() };
  }

  /** Rows of the run's pickups and shipments on each host, in the order given (run.json records how they spread). */
  private async shardRows(): Promise<{ host: string; pickups: number; shipments: number }[]> {
    return Promise.all(
      this.clients.map(async (client, i) => {
        const result = await client.query({
          query: `SELECT (SELECT count() FROM ${this.table('pickups', true)}) AS p, (SELECT count() FROM ${this.table('shipments', true)}) AS s`,
          format: 'JSONEachRow',
        });
        const [row] = await result.json<{ p: string; s: string }>();
        return { host: this.target.hosts[i], pickups: Number(row.p), shipments: Number(row.s) };
      }),
    );
  }

  /**
   * The `pickup-points` stage on the cluster: placed parcels and the
   * aggregates come back as the tables locatePickups makes.
   */
  async locatePickups(db: Database, timeZone: string): Promise<void> {
    const p = this.table('pickups', false);
    const s = this.table('shipments', false);
    // ClickHouse aliases are visible to the whole SELECT (an alias `lat` would hide the column lat), so
    // none reuses a column's name; RowBinary columns are read by position.
    // Each shard joins its own pickups to its own shipments (the right side names the local table).
    const shipmentsHere = this.table('shipments', true);
    const tz = `'${timeZone.replaceAll("'", "\\'")}'`;
    const [lat, lng, gpsLat, gpsLng, amount] = ['lat', 'lng', 'gps_lat', 'gps_lng', 'amount'].map(clickhouseDouble);
    const gpsOk = `isNotNull(gps_lat_m) AND (isNull(gps_us) OR abs(gps_us - pickup_us) <= ${LATE_SCAN_SECONDS * 1_000_000})`;
    const hour = `toHour(toDateTime(intDiv(pickup_us, 1000000)), ${tz})`;
    const joined = `${p} ALL INNER JOIN (SELECT waybill_id, seller_id, listing_id, amount_m, amount_e, sender_address FROM ${shipmentsHere}) USING waybill_id`;
    await this.pull(
      db,
      `SELECT seller_id, listing_id, ${amount}, courier_id, aoi_id, aoi_type, pickup_us,
         toUInt8(${hour} >= 22 OR ${hour} < 6) AS night,
         toUInt8(multiIf(${gpsOk}, 1, isNotNull(lat_m), 2, 3)) AS placed_by,
         multiIf(${gpsOk}, ${gpsLat}, isNotNull(lat_m), ${lat}, ${gpsLat}) AS placed_lat,
         multiIf(${gpsOk}, ${gpsLng}, isNotNull(lng_m), ${lng}, ${gpsLng}) AS placed_lng,
         ${lat}, ${lng}, sender_address
       FROM ${joined}`,
      'placed_parcels',
      PLACED_COLUMNS,
    );
    await finishPickupPoints(
      db,
      `(SELECT seller_id, listing_id, coalesce(amount, 0) AS amount, courier_id, aoi_id, aoi_type,
          TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(pickup_us) AS t, night = 1 AS night, lat, lng,
          CASE placed_by WHEN 1 THEN ${QUALITY.gps} WHEN 2 THEN ${QUALITY.geocode} ELSE ${QUALITY.lateGps} END AS quality,
          address_lat, address_lng, ${senderKey('sender_address')} AS sender_key
        FROM placed_parcels)`,
    );
    await db.run(`DROP TABLE placed_parcels`);

    const text = (...names: string[]) => names.map((name) => ({ name, type: 'VARCHAR' }));
    const count = (name: string) => ({ name, type: 'BIGINT' });
    await this.pullShipping(
      db,
      'seller_shipping',
      `SELECT seller_id, count() AS parcels, countIf(${hour} >= 22 OR ${hour} < 6) AS nights FROM ${joined} GROUP BY seller_id`,
      [...text('seller_id'), count('parcels'), count('nights')],
    );
    await finishSellerShipping(db);
    await this.pullShipping(
      db,
      'listing_volume',
      `SELECT assumeNotNull(listing_id) AS listing_id, count() AS n FROM ${s} WHERE isNotNull(listing_id) GROUP BY listing_id`,
      [...text('listing_id'), count('n')],
    );
    await this.pullShipping(
      db,
      'seller_senders',
      `SELECT seller_id, 'sender_phone_hash' AS kind, assumeNotNull(sender_phone_hash) AS value, count() AS n
       FROM ${s} WHERE isNotNull(sender_phone_hash) GROUP BY seller_id, sender_phone_hash
       UNION ALL
       SELECT seller_id, 'sender_address' AS kind, assumeNotNull(sender_address) AS value, count() AS n
       FROM ${s} WHERE isNotNull(sender_address) GROUP BY seller_id, sender_address`,
      [...text('seller_id', 'kind', 'value'), count('n')],
    );
  }

  /** An aggregate table, with the columns and types the embedded engine's own stage gives it. */
  private async pullShipping(db: Database, table: keyof typeof SHIPPING_TABLES, query: string, columns: readonly { name: string; type: string }[]): Promise<void> {
    await this.pull(db, query, `${table}_cluster`, columns);
    await db.run(`CREATE OR REPLACE TABLE ${table} (${SHIPPING_TABLES[table]})`);
    await db.run(`INSERT INTO ${table} SELECT * FROM ${table}_cluster`);
    await db.run(`DROP TABLE ${table}_cluster`);
  }

  /** Drops the run's tables on every host (its results are in DuckDB by now) and closes the connections. */
  async close(): Promise<void> {
    try {
      if (this.created) {
        for (const kind of ['pickups', 'shipments'] as const) {
          if (this.target.cluster) await this.clients[0].command({ query: `DROP TABLE IF EXISTS ${this.table(kind, false)}` });
          await this.everywhere(`DROP TABLE IF EXISTS ${this.table(kind, true)}`);
        }
      }
    } finally {
      rmSync(this.scratch, { recursive: true, force: true });
      await Promise.all(this.clients.map((c) => c.close()));
    }
  }
}

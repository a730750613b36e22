/**
 * Validation of one table as set-based SQL generated from the contract's
 * column specs.
 *
 * `checkedSelect` wraps a file's source relation (text columns from CSV and
 * JSONL, native ones from Parquet) in one pass that types every column and
 * computes `_fail`, the first check a record fails ('<column>\t<reason>') or
 * NULL, references to already validated tables included. Only failing records
 * keep their text (`_record`); accepted ones are typed values from the start.
 * `finishTable` then marks duplicate keys and implausible places, writes the
 * quarantine and builds the typed table from the accepted records.
 */
import { TABLES, isIdentifier, keyColumns, type ColumnSpec, type Crs, type TableName, type TableSpec } from '../contract/dataset.ts';
import { Database, columnSql, ident, literal, type StringCompression } from '../engine/database.ts';
import { exactMedians } from '../engine/medians.ts';
import { INVISIBLE_RE2_CLASS } from './visible.ts';

export const QUARANTINE_TABLE = 'quarantine';

export async function createQuarantineTable(db: Database): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${QUARANTINE_TABLE} (
    table_name VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR, reason VARCHAR, record VARCHAR, line BIGINT)`);
}

/**
 * ISO 8601 as the contract allows it: date, optional time (minutes, seconds,
 * fraction) after T or a space, optional Z or offset within +-14:00.
 */
export const TIMESTAMP_PATTERN =
  '^\\s*\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?)?(Z|[+-]((0\\d|1[0-3])(:?[0-5]\\d)?|14(:?00)?))?\\s*$';
const DATE_PATTERN = '^\\s*\\d{4}-\\d{2}-\\d{2}\\s*$';
/**
 * The commonest timestamps in full (seconds, an offset of less than ten
 * hours), as a GLOB: every text it takes, TIMESTAMP_PATTERN takes. GLOB
 * costs about half of a regular expression, so the pattern is only tried
 * where it does not answer (docs/scale.md, "ninth round").
 */
const D = '[0-9]';
export const COMMON_TIMESTAMP_GLOB = `${D}${D}${D}${D}-${D}${D}-${D}${D}T${D}${D}:${D}${D}:${D}${D}[-+]0${D}:[0-5]${D}`;
/** Characters that make ids that look alike differ (see visible.ts). */
const INVISIBLE_PATTERN = INVISIBLE_RE2_CLASS;

/** Name of a column's text (before typing) inside the checked query. */
const textOf = (name: string) => ident(`t$${name}`);

/** How a source column arrives: DuckDB's type name, VARCHAR for CSV and JSONL. */
export type SourceTypes = ReadonlyMap<string, string>;

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;

/**
 * SQL casting timestamp text to TIMESTAMPTZ, NULL where it does not parse.
 * DuckDB's cast wants the seconds when an offset follows HH:MM: they are
 * added only where the plain cast fails.
 */
export const castTimestamp = (t: string) => `coalesce(try_cast(${t} AS TIMESTAMPTZ),
          try_cast(regexp_replace(${t}, '([T ]\\d{2}:\\d{2})(Z|[+-]|$)', '\\1:00\\2') AS TIMESTAMPTZ))`;

/** SQL typing a column's text (or native value); NULL where it does not parse. */
function typed(col: ColumnSpec, sourceType: string | undefined): string {
  const t = textOf(col.name);
  const native = sourceType !== undefined && sourceType !== 'VARCHAR';
  switch (col.type) {
    case 'string':
      return t;
    case 'number':
      if (native && NUMERIC.test(sourceType)) return `${ident(col.name)}::DOUBLE`;
      // DuckDB's cast takes 1_000 (refused here) and inf (refused by the type check).
      return `CASE WHEN NOT contains(${t}, '_') THEN try_cast(${t} AS DOUBLE) END`;
    case 'integer': {
      if (native && /INT/.test(sourceType)) return `${ident(col.name)}::BIGINT`;
      const d = native && NUMERIC.test(sourceType) ? `${ident(col.name)}::DOUBLE` : `CASE WHEN NOT contains(${t}, '_') THEN try_cast(${t} AS DOUBLE) END`;
      // A whole number only: try_cast to BIGINT would round 3.7 to 4.
      return `CASE WHEN ${d} = trunc(${d}) AND abs(${d}) < 9e15 THEN (${d})::BIGINT END`;
    }
    case 'timestamp':
      if (native && /^(TIMESTAMP|DATE)/.test(sourceType)) return `${ident(col.name)}::TIMESTAMPTZ`;
      return `CASE WHEN ${t} GLOB ${literal(COMMON_TIMESTAMP_GLOB)} OR regexp_matches(${t}, ${literal(TIMESTAMP_PATTERN)}) THEN ${castTimestamp(t)} END`;
    case 'date':
      if (native && /^(DATE|TIMESTAMP)/.test(sourceType)) return `${ident(col.name)}::DATE`;
      return `CASE WHEN regexp_matches(${t}, ${literal(DATE_PATTERN)}) THEN try_cast(${t} AS DATE) END`;
    case 'list':
      return `list_filter(list_transform(string_split(${t}, ';'), x -> trim(x)), x -> x <> '')`;
  }
}

/** Text of a source column, trimmed, NULL when empty; lists are joined with ';' as in CSV. */
function text(col: ColumnSpec, sourceType: string | undefined): string {
  if (sourceType === undefined) return 'NULL::VARCHAR';
  const c = ident(col.name);
  if (sourceType.endsWith('[]')) return `NULLIF(trim(array_to_string(${c}::VARCHAR[], ';')), '')`;
  if (sourceType !== 'VARCHAR') return `NULLIF(trim(${c}::VARCHAR), '')`;
  // A cell of blanks is empty (unknown). trim() copies every string, so only values that start or
  // end with a blank go through it (10x cheaper than trimming all). prefix() and suffix() answer
  // as starts_with() and ends_with() do in about half their time (docs/scale.md, "ninth round").
  return `CASE WHEN prefix(${c}, ' ') OR suffix(${c}, ' ') THEN NULLIF(trim(${c}), '') ELSE NULLIF(${c}, '') END`;
}

const TYPE_WORDS: Record<ColumnSpec['type'], string> = {
  string: 'text',
  number: 'a number',
  integer: 'an integer',
  timestamp: 'an ISO 8601 timestamp (offset within +-14:00)',
  date: 'a YYYY-MM-DD date',
  list: 'a list',
};

type Check = [condition: string, column: string, reason: string];

/** Checks of one column, in the order they are reported. */
function columnChecks(spec: TableSpec, col: ColumnSpec): Check[] {
  const t = textOf(col.name);
  const v = ident(col.name);
  const checks: Check[] = [];
  if (col.required) checks.push([`${t} IS NULL`, col.name, `missing required value`]);
  if (col.type !== 'string' && col.type !== 'list') {
    const invalid = col.type === 'number' ? `(${v} IS NULL OR NOT isfinite(${v}))` : `${v} IS NULL`;
    checks.push([`${t} IS NOT NULL AND ${invalid}`, col.name, `not ${TYPE_WORDS[col.type]}: `]);
  }
  if (isIdentifier(spec, col.name)) {
    // `_invisible` says whether any of the record's ids has one (see invisibleGate).
    checks.push([`_invisible AND regexp_matches(${t}, ${literal(INVISIBLE_PATTERN)})`, col.name, `invisible character in an id: `]);
  }
  if (col.min !== undefined && col.max !== undefined) {
    checks.push([`${v} NOT BETWEEN ${col.min} AND ${col.max}`, col.name, `outside [${col.min}, ${col.max}]: `]);
  } else if (col.min !== undefined) {
    checks.push([`${v} < ${col.min}`, col.name, `below ${col.min}: `]);
  }
  if (col.gt !== undefined) checks.push([`${v} <= ${col.gt}`, col.name, `must be > ${col.gt}: `]);
  if (col.values) {
    checks.push([`${t} NOT IN (${col.values.map(literal).join(', ')})`, col.name, `unknown value (expected one of ${col.values.join(', ')}): `]);
  }
  return checks;
}

/**
 * SQL for `_invisible`: whether any id of the record holds an invisible
 * character, by one search of the ids' texts run together. A string made by
 * joining texts holds such a character exactly when one of them does, and
 * regexp_matches() costs mostly per call: one call on the whole record
 * instead of one per id (docs/scale.md, "ninth round"). The per-id search,
 * which names the column, then runs only where this one found something.
 */
function invisibleGate(spec: TableSpec): string {
  const ids = spec.columns.filter((c) => isIdentifier(spec, c.name)).map((c) => textOf(c.name));
  if (ids.length === 0) return 'false';
  // concat() takes NULL as empty, so the search never answers NULL.
  return `regexp_matches(concat(${ids.join(', ')}), ${literal(INVISIBLE_PATTERN)})`;
}

/** Reason SQL: the reason, and the offending value shown with its invisible characters escaped when it ends in ': '. */
function reasonSql(column: string, reason: string): string {
  if (!reason.endsWith(': ') || column.includes('|')) return literal(`${column}\t${reason}`);
  return `${literal(`${column}\t${reason}`)} || dragnet_visible(left(${textOf(column)}, 80))`;
}

/** All checks of a record that need no other row: columns and coordinate pairs. */
function recordChecks(spec: TableSpec): Check[] {
  const checks = spec.columns.flatMap((c) => columnChecks(spec, c));
  for (const pair of spec.coordPairs ?? []) {
    const [lat, lng] = [ident(pair.lat), ident(pair.lng)];
    checks.push([`(${lat} IS NULL) <> (${lng} IS NULL)`, pair.lat, `${pair.lat} and ${pair.lng} must be given together`]);
    checks.push([`${lat} = 0 AND ${lng} = 0`, pair.lat, `${pair.lat}, ${pair.lng} at (0, 0): a missing position, not a place`]);
  }
  if (spec.anyPairRequired && spec.coordPairs) {
    const none = spec.coordPairs.map((p) => `(${ident(p.lat)} IS NULL OR ${ident(p.lng)} IS NULL)`).join(' AND ');
    checks.push([none, spec.coordPairs.map((p) => p.lat).join('|'), 'no coordinates: need lat/lng or pickup_gps_lat/pickup_gps_lng']);
  }
  return checks;
}

/**
 * The checked, typed form of a source relation. The source must have the
 * table's columns that the file holds (`types` says which, and how typed),
 * `_pre` (a reason the reader already found, or NULL), `_text` (the record's
 * original text where the reader has it, or NULL), `_row` and `_line`.
 */
export function checkedSelect(
  table: TableName,
  source: string,
  types: SourceTypes,
  crs: Crs = 'WGS84',
): string {
  const spec = TABLES[table];
  const texts = spec.columns.map((c) => `${text(c, types.get(c.name))} AS ${textOf(c.name)}`);
  const natives = spec.columns.filter((c) => types.has(c.name) && types.get(c.name) !== 'VARCHAR').map((c) => ident(c.name));
  const typedCols = spec.columns.map((c) => `${typed(c, types.get(c.name))} AS ${ident(c.name)}`);
  const whens = recordChecks(spec)
    .map(([cond, column, reason]) => `WHEN ${cond} THEN ${reasonSql(column, reason)}`)
    .join('\n        ');
  const record = `coalesce(_text, to_json(struct_pack(${spec.columns.map((c) => `${ident(c.name)} := ${textOf(c.name)}`).join(', ')}))::VARCHAR)`;
  return `
    SELECT ${spec.columns.map((c) => `${wgs84(c, spec.columns, crs)} AS ${ident(c.name)}`).join(', ')}, _fail,
      CASE WHEN _fail IS NOT NULL THEN ${record} END AS _record, _row, _line
    FROM (
      SELECT *, CASE WHEN _pre IS NOT NULL THEN _pre
        ${whens} END AS _fail
      FROM (
        SELECT ${[...typedCols, ...spec.columns.map((c) => textOf(c.name))].join(', ')},
          ${invisibleGate(spec)} AS _invisible, _pre, _text, _row, _line
        FROM (SELECT ${[...texts, ...natives].join(', ')}, _pre, _text, _row, _line FROM ${source})
      )
    )`;
}

/**
 * One file's records in its table: rowids [start, end). Row and line numbers
 * are stored (`_row`, `_line`) where the reader knows them (normalised copies,
 * Parquet rows); otherwise record i of the file is rowid start + i - 1, on
 * line i + firstLine - 1.
 */
export interface Stage {
  label: string;
  start: number;
  end: number;
  /** Line of record 1 when lines are not stored (2 for a CSV with a header, 1 for JSONL); null for Parquet. */
  firstLine: number | null;
}

/**
 * String columns of the two big tables whose values repeat from parcel to
 * parcel (who sent it, from which listing, which courier, area and city):
 * stored with dictionary compression, chosen here rather than by DuckDB,
 * which tries each method on every column first. At 10M pickups that made
 * writing these columns about a third cheaper, the file the same size
 * (docs/scale.md, "fifth round"). Keys go under FSST (`compressionOf`).
 */
const REPEATING: Partial<Record<TableName, readonly string[]>> = {
  shipments: ['seller_id', 'listing_id', 'recipient_city', 'sender_address', 'sender_phone_hash'],
  pickups: ['courier_id', 'region_id', 'city', 'aoi_id', 'aoi_type'],
};

/** How a table's string column is stored: see REPEATING; a key of one column, unique by nature, under FSST (`StringCompression`). */
function compressionOf(spec: TableSpec, column: ColumnSpec): StringCompression | undefined {
  if (column.type !== 'string') return undefined;
  if (REPEATING[spec.name]?.includes(column.name)) return 'dictionary';
  const key = keyColumns(spec);
  return key.length === 1 && key[0] === column.name ? 'fsst' : undefined;
}

/** Creates a table in its staging form: the contract's typed columns, then `_fail`, `_record`, `_row` and `_line`. */
export async function createStaging(db: Database, table: TableName): Promise<void> {
  const spec = TABLES[table];
  const cols = spec.columns.map((c) => columnSql(c.name, SQL_TYPES[c.type], compressionOf(spec, c))).join(', ');
  await db.run(`CREATE OR REPLACE TABLE ${ident(table)} (${cols}, _fail VARCHAR, _record VARCHAR, _row BIGINT, _line BIGINT)`);
}

/** Where the data lives: centre and the distance beyond which a place is implausible, from the pickups themselves. */
export interface Region {
  lat: number;
  lng: number;
  maxKm: number;
}

const KM_PER_DEGREE = 111.32;

/** SQL distance in km from the region's centre (equirectangular; plenty at this scale). */
function kmFrom(region: Region, lat: string, lng: string): string {
  const cos = Math.cos((region.lat * Math.PI) / 180);
  return `${KM_PER_DEGREE} * sqrt(pow(${lat} - ${region.lat}, 2) + pow((${lng} - ${region.lng}) * ${cos}, 2))`;
}

/**
 * The dataset's region, derived robustly from the pickups that passed the
 * record checks: the median position, and ten times the median distance from
 * it (at least 1,000 km: a platform ships from many cities). Medians hold while fewer than half the positions are
 * junk, even in a file of a few rows, and a national dataset keeps its whole
 * country.
 */
export async function pickupRegion(db: Database): Promise<Region | undefined> {
  const points = `SELECT coalesce(pickup_gps_lat, lat) AS lat, coalesce(pickup_gps_lng, lng) AS lng FROM pickups WHERE _fail IS NULL`;
  // The medians exactly, mostly without sorting every position (engine/medians.ts).
  const centre = await exactMedians(db, points, ['lat', 'lng']);
  if (centre.lat == null || centre.lng == null) return undefined;
  const probe: Region = { lat: centre.lat, lng: centre.lng, maxKm: 0 };
  const km = kmFrom(probe, 'lat', 'lng');
  // Where more than half the points lie within REGION_MIN_KM / REGION_MEDIANS, both middle values
  // do, so the median does and the distance is REGION_MIN_KM: a count says so without sorting
  // every distance (a regional dataset, nearly always), and the median is taken only otherwise.
  const near = await db.one<{ n: number; near: number }>(
    `SELECT count(d)::DOUBLE AS n, count(d) FILTER (WHERE d <= ${REGION_MIN_KM / REGION_MEDIANS})::DOUBLE AS near FROM (SELECT ${km} AS d FROM (${points}))`,
  );
  if (near && near.near >= Math.floor(near.n / 2) + 1) return { ...probe, maxKm: REGION_MIN_KM };
  const { d } = await exactMedians(db, `SELECT ${km} AS d FROM (${points})`, ['d']);
  return { ...probe, maxKm: Math.max(REGION_MIN_KM, REGION_MEDIANS * d!) };
}

/** A place is implausible beyond this many median distances from the centre, and never within REGION_MIN_KM. */
export const REGION_MEDIANS = 10;
export const REGION_MIN_KM = 1000;

/** Tables whose coordinates must lie in the data's region (sellers' return addresses may be anywhere). */
const REGIONAL: ReadonlySet<TableName> = new Set(['pickups', 'places', 'outcomes']);

/**
 * The rows already in a run's database, for `dragnet update`: the day's rows
 * are staged in a catalog of their own, and their keys and references are
 * checked against the database's tables in `catalog` as well as their own.
 */
export interface History {
  /** The run database's catalog name. */
  catalog: string;
  /** Tables the database's dataset brought (references to them are checked even when the day has none of their rows). */
  present: ReadonlySet<TableName>;
}

/**
 * Finishes a staged table: records that failed their own checks, then those
 * that fail checks across records (a key already on an earlier row, a
 * dangling reference, a place far outside the region), are gathered with their
 * reasons, moved to the quarantine with their row and line, and deleted in one
 * go; the staging columns are dropped and what remains is the typed table.
 * Rowids stand for file order until that one delete (a delete may let DuckDB
 * compact the table and renumber them), and nothing is updated in place.
 */
export async function finishTable(
  db: Database,
  table: TableName,
  stages: readonly Stage[],
  present: ReadonlySet<TableName>,
  region: Region | undefined,
  history?: History,
): Promise<{ staged: number; accepted: number; quarantined: number }> {
  const spec = TABLES[table];
  const t = ident(table);
  const staged = await db.scalar(`SELECT count(*) FROM ${t}`);
  await db.run(`CREATE OR REPLACE TEMP TABLE failed AS SELECT rowid AS rid, _fail AS f, _record AS r FROM ${t} WHERE _fail IS NOT NULL`);
  const passing = `rowid NOT IN (SELECT rid FROM failed)`;
  const fail = (where: string, reason: string) =>
    db.run(`INSERT INTO failed SELECT rowid, ${reason}, ${recordFromTyped(spec)} FROM ${t} WHERE ${passing} AND (${where})`);
  const key = keyColumns(spec);
  if (key.length > 0) {
    const k = key.map(ident).join(', ');
    // Later occurrences of a key, in file order (rowid), are duplicates.
    await db.run(`CREATE OR REPLACE TEMP TABLE dup_rows AS
      SELECT _rid FROM (
        SELECT rowid AS _rid, row_number() OVER (PARTITION BY ${k} ORDER BY rowid) AS n
        FROM ${t} JOIN (SELECT ${k} FROM ${t} WHERE ${passing} GROUP BY ALL HAVING count(*) > 1) USING (${k})
        WHERE ${passing}
      ) WHERE n > 1`);
    if ((await db.scalar(`SELECT count(*) FROM dup_rows`)) > 0) {
      const reason = `${literal(`${key.join('+')}\tduplicate ${key.length > 1 ? 'pair' : 'id'}: already on an earlier row: `)} || dragnet_visible(left(concat_ws(', ', ${k}), 80))`;
      await fail(`rowid IN (SELECT _rid FROM dup_rows)`, reason);
    }
    await db.run(`DROP TABLE dup_rows`);
    if (history) {
      // A key the database already holds: a row applied before (a day given twice) or a clash with the history.
      const held = `EXISTS (SELECT 1 FROM ${ident(history.catalog)}.${t} h WHERE ${key.map((c) => `h.${ident(c)} = ${t}.${ident(c)}`).join(' AND ')})`;
      const reason = `${literal(`${key.join('+')}\tduplicate ${key.length > 1 ? 'pair' : 'id'}: already in the database: `)} || dragnet_visible(left(concat_ws(', ', ${k}), 80))`;
      await fail(held, reason);
    }
  }
  for (const [column, reason, dangling] of referenceChecks(spec, present, history)) {
    await fail(dangling, `${literal(`${column}\t${reason}`)} || dragnet_visible(left(${ident(column)}, 80))`);
  }
  if (region && REGIONAL.has(table) && spec.coordPairs?.length) {
    // Every pair in one scan; a record with both pairs far away is reported by its first.
    const far = spec.coordPairs.map((pair) => {
      const km = kmFrom(region, ident(pair.lat), ident(pair.lng));
      const reason = `${literal(`${pair.lat}\t${pair.lat}, ${pair.lng} `)} || round(${km})::BIGINT::VARCHAR || ${literal(
        ` km from the data's centre (${region.lat.toFixed(3)}, ${region.lng.toFixed(3)}); the region's places lie within ${Math.round(region.maxKm)} km`,
      )}`;
      return { where: `${ident(pair.lat)} IS NOT NULL AND ${km} > ${region.maxKm}`, reason };
    });
    await fail(far.map((f) => `(${f.where})`).join(' OR '), `CASE ${far.map((f) => `WHEN ${f.where} THEN ${f.reason}`).join(' ')} END`);
  }
  for (const s of stages) {
    const row = `coalesce(x._row, x.rid - ${s.start} + 1)`;
    const line = s.firstLine === null ? 'x._line' : `coalesce(x._line, x.rid - ${s.start} + ${s.firstLine})`;
    await db.run(
      `INSERT INTO ${QUARANTINE_TABLE}
       SELECT ${literal(table)}, ${literal(s.label)}, ${row}, NULLIF(split_part(x.f, '\t', 1), ''), split_part(x.f, '\t', 2), x.r, ${line}
       FROM (SELECT f.rid, f.f, f.r, t._row, t._line FROM failed f JOIN (SELECT rowid AS rid, _row, _line FROM ${t}) t USING (rid)
             WHERE f.rid >= ${s.start} AND f.rid < ${s.end}) x
       ORDER BY x.rid`,
    );
  }
  if ((await db.scalar(`SELECT count(*) FROM failed`)) > 0) await db.run(`DELETE FROM ${t} WHERE rowid IN (SELECT rid FROM failed)`);
  await db.run(`DROP TABLE failed`);
  for (const c of ['_fail', '_record', '_row', '_line']) await db.run(`ALTER TABLE ${t} DROP COLUMN ${c}`);
  const accepted = await db.scalar(`SELECT count(*) FROM ${t}`);
  return { staged, accepted, quarantined: staged - accepted };
}

/**
 * References to tables already validated, as (column, reason, condition of a
 * dangling one). Checked on the stored table, not while reading: a join in the
 * reading pass would reorder the records DuckDB reads in parallel, and rowids
 * must stay in file order.
 */
function referenceChecks(spec: TableSpec, present: ReadonlySet<TableName>, history?: History): Array<[string, string, string]> {
  const checks: Array<[string, string, string]> = [];
  // The rows a reference may point at: this dataset's, and with a history the database's too.
  const targets = (table: TableName, column: string) =>
    `SELECT ${ident(column)} FROM ${ident(table)}` +
    (history ? ` UNION ALL SELECT ${ident(column)} FROM ${ident(history.catalog)}.${ident(table)}` : '');
  // The rows of this table whose column names no target row, by an anti join: the waybill check at 100M
  // pickups took 31 s so, 64 s as NOT IN and 157 s as NOT EXISTS (docs/scale.md). NULLs are no reference.
  const dangling = (column: string, table: TableName, key: string, also = 'true') =>
    `rowid IN (SELECT x.rowid FROM ${ident(spec.name)} x ANTI JOIN (${targets(table, key)}) r ON r.${ident(key)} = x.${ident(column)}
      WHERE x.${ident(column)} IS NOT NULL AND ${also})`;
  for (const ref of spec.references ?? []) {
    if (!present.has(ref.table) && !history?.present.has(ref.table)) continue;
    checks.push([ref.column, `dangling reference: no such ${ref.column_in_target} in ${ref.table}: `, dangling(ref.column, ref.table, ref.column_in_target)]);
  }
  if (spec.name === 'reports') {
    // The target of a report is a listing or a seller, depending on target_type.
    for (const [type, table, key] of [['listing', 'listings', 'listing_id'], ['seller', 'sellers', 'seller_id']] as const) {
      checks.push(['target_id', `dangling reference: no such ${key} in ${table}: `, dangling('target_id', table, key, `x.target_type = '${type}'`)]);
    }
  }
  return checks;
}

/** The record of an accepted-so-far row, rebuilt from its typed values, for a check that fails it later. */
function recordFromTyped(spec: TableSpec): string {
  return `to_json(struct_pack(${spec.columns.map((c) => `${ident(c.name)} := ${ident(c.name)}`).join(', ')}))::VARCHAR`;
}

/** SQL type of each contract column type. */
const SQL_TYPES: Record<ColumnSpec['type'], string> = {
  string: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'BIGINT',
  timestamp: 'TIMESTAMPTZ',
  date: 'DATE',
  list: 'VARCHAR[]',
};

/** An absent optional table behaves as an empty one, so stages can rely on it. */
export async function createEmpty(db: Database, table: TableName): Promise<void> {
  const cols = TABLES[table].columns.map((c) => `${ident(c.name)} ${SQL_TYPES[c.type]}`).join(', ');
  await db.run(`CREATE OR REPLACE TABLE ${ident(table)} (${cols})`);
}

/** A column of an accepted record, with GCJ-02 coordinates converted to WGS84 through the engine's gcoord functions. */
function wgs84(col: ColumnSpec, all: readonly ColumnSpec[], crs: Crs): string {
  const c = ident(col.name);
  if (!col.coord || crs === 'WGS84') return c;
  const partnerName = col.coord === 'lat' ? col.name.replace(/lat$/, 'lng') : col.name.replace(/lng$/, 'lat');
  if (!all.some((p) => p.name === partnerName)) return c;
  const p = ident(partnerName);
  const converted = col.coord === 'lng' ? `gcj02_to_wgs84_lng(${c}, ${p})` : `gcj02_to_wgs84_lat(${p}, ${c})`;
  return `CASE WHEN _fail IS NULL THEN ${converted} ELSE ${c} END`;
}

/**
 * Turns `raw_<table>` (text) into the typed table `<table>` and the rows that
 * break the contract into `quarantine`, one reason per row (the first check it
 * fails, in column order). All checks are set-based SQL generated from the
 * contract's column specs, so that tens of millions of rows validate in seconds.
 */
import { TABLES, type ColumnSpec, type Crs, type TableName } from '../contract/dataset.ts';
import { Database, ident, literal } from '../engine/database.ts';
import { REJECTS_TABLE } from './load.ts';

export const QUARANTINE_TABLE = 'quarantine';

export async function createQuarantineTable(db: Database): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${QUARANTINE_TABLE} (
    table_name VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR, reason VARCHAR, record VARCHAR)`);
}

const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?)?(Z|[+-]\\d{2}(:?\\d{2})?)?$';
const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

/** SQL expression typing a raw text column; NULL where the text does not parse. */
function typed(col: ColumnSpec): string {
  const c = ident(col.name);
  switch (col.type) {
    case 'string':
      return c;
    case 'number':
      return `CASE WHEN isfinite(try_cast(${c} AS DOUBLE)) THEN try_cast(${c} AS DOUBLE) END`;
    case 'integer':
      // try_cast would round 3.7 to 4; an integer column takes whole numbers only.
      return `CASE WHEN regexp_matches(${c}, '^[+-]?\\d+(\\.0*)?$') THEN try_cast(${c} AS BIGINT) END`;
    case 'timestamp':
      // ISO 8601 allows HH:MM without seconds; DuckDB's cast wants the seconds when an offset follows.
      return `CASE WHEN regexp_matches(${c}, ${literal(TIMESTAMP_PATTERN)})
        THEN try_cast(regexp_replace(${c}, '([T ]\\d{2}:\\d{2})(Z|[+-]|$)', '\\1:00\\2') AS TIMESTAMPTZ) END`;
    case 'date':
      return `CASE WHEN regexp_matches(${c}, ${literal(DATE_PATTERN)}) THEN try_cast(${c} AS DATE) END`;
    case 'list':
      return `list_filter(list_transform(string_split(${c}, ';'), x -> trim(x)), x -> x <> '')`;
  }
}

const TYPE_WORDS: Record<ColumnSpec['type'], string> = {
  string: 'text',
  number: 'a number',
  integer: 'an integer',
  timestamp: 'an ISO 8601 timestamp',
  date: 'a YYYY-MM-DD date',
  list: 'a list',
};

/** (condition, column, reason) checks of one column, in the order they are reported. */
function columnChecks(col: ColumnSpec): Array<[string, string, string]> {
  const c = ident(col.name);
  const checks: Array<[string, string, string]> = [];
  if (col.required) checks.push([`${c} IS NULL`, col.name, `missing required value`]);
  if (col.type !== 'string' && col.type !== 'list') {
    checks.push([`${c} IS NOT NULL AND (${typed(col)}) IS NULL`, col.name, `not ${TYPE_WORDS[col.type]}`]);
  }
  const v = `(${typed(col)})`;
  if (col.min !== undefined && col.max !== undefined) {
    checks.push([`${v} NOT BETWEEN ${col.min} AND ${col.max}`, col.name, `outside [${col.min}, ${col.max}]`]);
  } else if (col.min !== undefined) {
    checks.push([`${v} < ${col.min}`, col.name, `below ${col.min}`]);
  }
  if (col.gt !== undefined) checks.push([`${v} <= ${col.gt}`, col.name, `must be > ${col.gt}`]);
  if (col.values) {
    checks.push([
      `${c} IS NOT NULL AND ${c} NOT IN (${col.values.map(literal).join(', ')})`,
      col.name,
      `unknown value (expected one of ${col.values.join(', ')})`,
    ]);
  }
  return checks;
}

/** Reason expression: '<column>\t<reason>' of the first failing check, or NULL. */
function failureExpression(table: TableName): string {
  const spec = TABLES[table];
  const checks = spec.columns.flatMap(columnChecks);
  for (const pair of spec.coordPairs ?? []) {
    const lat = ident(pair.lat);
    const lng = ident(pair.lng);
    checks.push([`(${lat} IS NULL) <> (${lng} IS NULL)`, pair.lat, `${pair.lat} and ${pair.lng} must be given together`]);
  }
  if (spec.anyPairRequired && spec.coordPairs) {
    const none = spec.coordPairs.map((p) => `(${ident(p.lat)} IS NULL OR ${ident(p.lng)} IS NULL)`).join(' AND ');
    checks.push([none, spec.coordPairs.map((p) => p.lat).join('|'), 'no coordinates: need lat/lng or pickup_gps_lat/pickup_gps_lng']);
  }
  if (checks.length === 0) return 'NULL';
  const whens = checks
    .map(([cond, column, reason]) => `WHEN ${cond} THEN ${literal(`${column}\t`)} || ${reasonWithValue(column, reason)}`)
    .join('\n      ');
  return `CASE ${whens} END`;
}

function reasonWithValue(column: string, reason: string): string {
  const spec = column.includes('|') ? undefined : ident(column);
  if (!spec || reason.startsWith('missing') || reason.startsWith('no coordinates')) return literal(reason);
  return `${literal(reason + ': ')} || coalesce(left(${spec}, 60), 'empty')`;
}

/** Validates one table (its references must already be validated) and converts coordinates to WGS84. */
export async function validateTable(db: Database, table: TableName, crs: Crs, present: ReadonlySet<TableName>): Promise<void> {
  const spec = TABLES[table];
  const raw = ident(`raw_${table}`);
  await db.run(`CREATE OR REPLACE TEMP TABLE checked AS SELECT *, ${failureExpression(table)} AS _fail FROM ${raw}`);
  if (spec.key) {
    // Later occurrences of an id are duplicates. Most tables have none, so find the
    // duplicated ids first (a hash aggregate) and rank rows only within those.
    const key = ident(spec.key);
    await db.run(`
      CREATE OR REPLACE TEMP TABLE dup_keys AS
      SELECT ${key} AS k FROM checked WHERE _fail IS NULL GROUP BY ${key} HAVING count(*) > 1`);
    if ((await db.scalar(`SELECT count(*) FROM dup_keys`)) > 0) {
      await db.run(`
        UPDATE checked SET _fail = ${literal(`${spec.key}\tduplicate id: already on an earlier row`)}
        WHERE rowid IN (
          SELECT rowid FROM (
            SELECT rowid, row_number() OVER (PARTITION BY ${key} ORDER BY _file, _row) AS n
            FROM checked WHERE _fail IS NULL AND ${key} IN (SELECT k FROM dup_keys)
          ) WHERE n > 1)`);
    }
    await db.run(`DROP TABLE dup_keys`);
  }
  for (const ref of spec.references ?? []) {
    if (!present.has(ref.table)) continue;
    const col = ident(ref.column);
    await db.run(`
      UPDATE checked SET _fail = ${literal(`${ref.column}\tdangling reference: no such ${ref.column_in_target} in ${ref.table}: `)} || left(${col}, 60)
      WHERE _fail IS NULL AND ${col} IS NOT NULL
        AND ${col} NOT IN (SELECT ${ident(ref.column_in_target)} FROM ${ident(ref.table)})`);
  }
  if (table === 'reports') {
    // The target of a report is a listing or a seller, depending on target_type.
    await db.run(`
      UPDATE checked SET _fail = 'target_id\tdangling reference: no such ' || target_type || ': ' || left(target_id, 60)
      WHERE _fail IS NULL AND NOT (
        (target_type = 'listing' AND target_id IN (SELECT listing_id FROM listings)) OR
        (target_type = 'seller' AND target_id IN (SELECT seller_id FROM sellers)))`);
  }
  await db.run(`
    INSERT INTO ${QUARANTINE_TABLE}
    SELECT ${literal(table)}, _file, _row, split_part(_fail, '\t', 1), split_part(_fail, '\t', 2),
      to_json(struct_pack(${spec.columns.map((c) => `${ident(c.name)} := ${ident(c.name)}`).join(', ')}))::VARCHAR
    FROM checked WHERE _fail IS NOT NULL`);
  await db.run(`
    INSERT INTO ${QUARANTINE_TABLE}
    SELECT table_name, file, "row", "column", reason, record FROM ${REJECTS_TABLE} WHERE table_name = ${literal(table)}`);
  const select = spec.columns.map((c) => `${typedWgs84(c, spec.columns, crs)} AS ${ident(c.name)}`).join(', ');
  // `checked` is in file order already (insertion order is preserved), so no sort is needed.
  await db.run(`CREATE OR REPLACE TABLE ${ident(table)} AS SELECT ${select} FROM checked WHERE _fail IS NULL`);
  await db.run(`DROP TABLE checked`);
}

/** Typed expression of a column, with GCJ-02 coordinates converted to WGS84 through the engine's gcoord functions. */
function typedWgs84(col: ColumnSpec, all: readonly ColumnSpec[], crs: Crs): string {
  if (!col.coord || crs === 'WGS84') return typed(col);
  const partnerName = col.coord === 'lat' ? col.name.replace(/lat$/, 'lng') : col.name.replace(/lng$/, 'lat');
  const partner = all.find((c) => c.name === partnerName);
  if (!partner) return typed(col);
  const [lng, lat] = col.coord === 'lng' ? [typed(col), typed(partner)] : [typed(partner), typed(col)];
  return col.coord === 'lng' ? `gcj02_to_wgs84_lng(${lng}, ${lat})` : `gcj02_to_wgs84_lat(${lng}, ${lat})`;
}

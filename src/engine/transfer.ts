/**
 * How rows travel between DuckDB and ClickHouse: CSV both ways, written and
 * read by the engines themselves (DuckDB's COPY and read_csv, ClickHouse's
 * CSV format), so no value passes through JavaScript.
 *
 * One catch: ClickHouse 18.16 (Debian's package) parses decimal text into
 * doubles inexactly (about 1 value in 250 of six-decimal coordinates lands
 * one ulp off; current releases parse exactly), and the same world must give
 * the same results on both engines. So a double goes to the cluster as two
 * integers, which every release parses exactly: x = m * 2^e, with
 * e = floor(log2 |x|) - 53 and m = x * 2^-e, an integer below 2^55 whatever
 * log2 rounds to; both scalings by a power of two are exact. (Zero is 0, 0;
 * magnitudes below 2^-967, about 1e-291, round: no coordinate or amount is
 * that small.) ClickHouse's own CSV output is exact (shortest
 * round-trip digits), so values coming back are plain text.
 */
import { ident } from './database.ts';

export interface TransferColumn {
  name: string;
  type: 'String' | 'Float64' | 'Int64';
  nullable?: boolean;
  /** DuckDB expression that gives the value, when it is not the column of that name. */
  from?: string;
}

const nullable = (c: TransferColumn, type: string) => (c.nullable ? `Nullable(${type})` : type);

/** ClickHouse column definitions of a table holding `columns` (a double as NAME_m, NAME_e). */
export function clickhouseDefinitions(columns: readonly TransferColumn[]): string {
  return columns
    .map((c) => (c.type === 'Float64' ? `${c.name}_m ${nullable(c, 'Int64')}, ${c.name}_e ${nullable(c, 'Int16')}` : `${c.name} ${nullable(c, c.type)}`))
    .join(', ');
}

/** ClickHouse's names of those columns, in order, for INSERT. */
export function clickhouseNames(columns: readonly TransferColumn[]): string {
  return columns.map((c) => (c.type === 'Float64' ? `${c.name}_m, ${c.name}_e` : c.name)).join(', ');
}

/** DuckDB select list that gives `columns` in the form sent (doubles as mantissa and exponent). */
export function duckdbSelect(columns: readonly TransferColumn[]): string {
  return columns
    .map((c) => {
      const v = c.from ?? ident(c.name);
      if (c.type !== 'Float64') return v;
      // The floor on e keeps 2^-e finite: magnitudes under 2^-967 (1e-291) round (see above).
      const e = `CASE WHEN ${v} = 0 THEN 0 ELSE greatest(floor(log2(abs(${v})))::INT - 53, -1020) END`;
      return `(${v} * pow(2, -(${e})))::BIGINT, ${e}`;
    })
    .join(', ');
}

/** ClickHouse expression of a double sent as NAME_m, NAME_e (NULL stays NULL). */
export function clickhouseDouble(name: string): string {
  return `(toFloat64(${name}_m) * pow(2, ${name}_e))`;
}

/** read_csv's columns option for rows ClickHouse writes as CSV. */
export function duckdbCsvColumns(columns: readonly { name: string; type: string }[]): string {
  return `{${columns.map((c) => `'${c.name}': '${c.type}'`).join(', ')}}`;
}

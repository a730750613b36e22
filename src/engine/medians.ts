/**
 * Exact medians of whole columns without sorting them.
 *
 * DuckDB's `median()` keeps every value of a column until the scan ends and
 * sorts them: at 100M pickups the region's two medians took 25 s and lifted
 * the run's memory to 3.8 GB (docs/scale.md). Only the one or two middle
 * values matter, so:
 *
 * 1. a random sample of 0.2% of the rows proposes a bracket around the
 *    middle (its 49th and 51st percentiles, or 46th and 54th for a sample
 *    under 90,000 values);
 * 2. one counting scan says how many values lie below the bracket and inside
 *    it; when the middle ranks fall inside, the bracket holds the middle
 *    values whatever the sample was;
 * 3. a second scan keeps only the values inside the bracket (about 2% of
 *    them), and DuckDB's own `median()` of the one or two middle values gives
 *    the answer, interpolated exactly as `median()` over the whole column
 *    would.
 *
 * A column whose bracket misses (a sample too small or too skewed, a bracket
 * holding too many values) gets `median()` over the whole column, so the
 * result never depends on which rows the sample took.
 */
import { ident, type Database } from './database.ts';

/**
 * Half the width of the sample's bracket, as a share of the ranks. A sample
 * median's standard error is 0.5 / sqrt(size): the narrow bracket is six of
 * them from NARROW_FROM values on, the wide one 2.5 at MIN_SAMPLE values (a
 * miss costs only the fallback).
 */
const BRACKETS = { narrow: 0.01, wide: 0.04 } as const;
const NARROW_FROM = 90_000;
/**
 * The sample: rows drawn one by one, by a filter on random(), which runs on
 * every thread (a system sample takes whole vectors of 2,048 consecutive
 * rows, and in a file ordered by time their positions drift with the dens'
 * activity: at 10M pickups its bracket missed the median; a Bernoulli sample
 * runs on one thread, 5.5 s at 100M). The sample may differ from run to run;
 * the count decides, so the medians do not.
 */
export const SAMPLE_SHARE = 0.002;
/** Fewer sampled values than this: the bracket is no better than a guess, and the column is small anyway. */
const MIN_SAMPLE = 1000;
/** The second scan keeps at most this share of a column's values (a column of many equal values can fill a bracket). */
const MAX_INSIDE_SHARE = 0.1;

/**
 * Each named column's median over `relation` (SQL of a subquery or table),
 * exactly as `SELECT median(column) FROM relation` gives it: NULLs are left
 * out, and a column without values has NULL.
 */
export async function exactMedians(db: Database, relation: string, columns: readonly string[]): Promise<Record<string, number | null>> {
  const out: Record<string, number | null> = {};
  const bracketed: Array<{ column: string; lo: number; hi: number }> = [];
  const { narrow, wide } = BRACKETS;
  const ranks = [0.5 - wide, 0.5 - narrow, 0.5 + narrow, 0.5 + wide];
  const sample = await db.one<Record<string, number | number[] | null>>(`SELECT ${columns
    .map((c, i) => `count(${ident(c)}) AS n${i}, quantile_disc(${ident(c)}, [${ranks.join(', ')}]) AS q${i}`)
    .join(', ')} FROM (${relation}) WHERE random() < ${SAMPLE_SHARE}`);
  columns.forEach((column, i) => {
    const q = sample?.[`q${i}`];
    const size = Number(sample?.[`n${i}`] ?? 0);
    if (size < MIN_SAMPLE || !Array.isArray(q)) return;
    bracketed.push(size >= NARROW_FROM ? { column, lo: q[1], hi: q[2] } : { column, lo: q[0], hi: q[3] });
  });
  const counted = bracketed.length === 0 ? undefined : await db.one<Record<string, number>>(`SELECT ${bracketed
    .map(({ column, lo, hi }, i) => {
      const c = ident(column);
      return `count(${c}) AS n${i}, count(*) FILTER (WHERE ${c} < ${double(lo)}) AS below${i},
        count(*) FILTER (WHERE ${c} BETWEEN ${double(lo)} AND ${double(hi)}) AS inside${i}`;
    })
    .join(', ')} FROM (${relation})`);
  const slices: string[] = [];
  bracketed.forEach(({ column, lo, hi }, i) => {
    const n = counted![`n${i}`];
    const below = counted![`below${i}`];
    const inside = counted![`inside${i}`];
    // Sorted, the middle values are the a-th and b-th (the same one when n is odd), counting from 1.
    const a = Math.floor((n + 1) / 2);
    const b = Math.floor(n / 2) + 1;
    if (below >= a || below + inside < b || inside > MAX_INSIDE_SHARE * n) return;
    const c = ident(column);
    slices.push(`(SELECT median(v) FROM (SELECT ${c} AS v FROM (${relation}) WHERE ${c} BETWEEN ${double(lo)} AND ${double(hi)}
        ORDER BY v LIMIT ${b - a + 1} OFFSET ${a - below - 1})) AS ${ident(column)}`);
  });
  if (slices.length > 0) Object.assign(out, await db.one<Record<string, number | null>>(`SELECT ${slices.join(', ')}`));
  const rest = columns.filter((c) => !(c in out));
  if (rest.length > 0) Object.assign(out, await db.one<Record<string, number | null>>(`SELECT ${rest.map((c) => `median(${ident(c)}) AS ${ident(c)}`).join(', ')} FROM (${relation})`));
  return out;
}

/** A double as SQL, exactly: the shortest text that reads back as the same double, parsed as one. */
const double = (v: number) => `'${String(v)}'::DOUBLE`;

/**
 * SQL of each group's median and median absolute deviation of a column
 * (`g`, `med`, `mad`), exactly as DuckDB's `median()` and `mad()` give them,
 * from the counts of its distinct values rather than from every value: where
 * values repeat (a shop's few sender addresses, geocoded, on thousands of
 * waybills) the holistic aggregates sort every row, the counts only the
 * distinct ones. `points` is SQL of a relation, each row one value unless
 * `weight` names a column of how many; groups whose values are all NULL have
 * no row.
 */
export function countedMedianSql(points: string, group: string, value: string, weight?: string): string {
  return `
    WITH counted AS (${countedSql(points, group, value, weight)}),
    centre AS (${middleOfCounts('counted')}),
    deviation AS (SELECT c.g, abs(c.v - m.med) AS v, c.w FROM counted c JOIN centre m USING (g)),
    spread AS (${middleOfCounts('deviation')})
    SELECT m.g, m.med, s.med AS mad FROM centre m JOIN spread s USING (g)`;
}

/** SQL of each group's median alone (`g`, `med`), as `countedMedianSql` takes it. */
export function countedMedianOnlySql(points: string, group: string, value: string, weight?: string): string {
  return `
    WITH counted AS (${countedSql(points, group, value, weight)})
    ${middleOfCounts('counted')}`;
}

/** The counted values (g, v, w) of a column of `points`, NULLs left out. */
const countedSql = (points: string, group: string, value: string, weight?: string) =>
  `SELECT ${group} AS g, ${value} AS v, ${weight ? `sum(${weight})` : 'count(*)'} AS w FROM (${points}) WHERE ${value} IS NOT NULL GROUP BY ALL`;

/**
 * Each group's median of a relation of counted values (g, v, w: w rows of
 * value v). Sorted, the middle values are the a-th and b-th (the same when
 * the count n is odd): the smallest values whose running count reaches a and
 * b. For an odd n that value is the median; for an even n DuckDB's
 * `median()` of the two interpolates between them as it does over a whole
 * column (even between two equal values, which can round a subnormal: the
 * median of one value is that value, of two equal ones not always).
 */
const middleOfCounts = (counted: string) => `
      SELECT g, CASE WHEN n % 2 = 1 THEN lo ELSE list_aggregate([lo, hi], 'median') END AS med FROM (
        SELECT g, any_value(n) AS n, min(v) FILTER (WHERE cum >= (n + 1) // 2) AS lo, min(v) FILTER (WHERE cum >= n // 2 + 1) AS hi
        FROM (SELECT g, v, sum(w) OVER (PARTITION BY g ORDER BY v ROWS UNBOUNDED PRECEDING) AS cum,
                sum(w) OVER (PARTITION BY g) AS n FROM ${counted})
        GROUP BY g)`;

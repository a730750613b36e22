import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database } from '../../src/engine/database.ts';
import { countedMedianOnlySql, countedMedianSql, exactMedians } from '../../src/engine/medians.ts';

/**
 * Columns big enough for the sample to bracket the middle (it draws 0.2% of
 * the rows: 1,200-3,000 values here), shaped so that the middle values sit in runs of equal values (some longer than the
 * bracket), at the bracket's edges, or past a NULL-heavy stretch.
 */
const column = fc.record({
  n: fc.integer({ min: 600_000, max: 1_500_000 }),
  // How many distinct values (few: long runs of equal values around the middle).
  distinct: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 50 }), fc.integer({ min: 200, max: 5000 }), fc.constant(1_000_000)),
  nullEvery: fc.oneof(fc.constant(0), fc.integer({ min: 2, max: 7 })),
  // Values sorted by row (the sample then sees whole stretches of the order) or scattered.
  sorted: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

/** `db` with every statement its `one()` runs noted in `statements`. */
function spied(db: Database, statements: string[]): Database {
  return new Proxy(db, {
    get: (target, key, receiver) => {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'one' || typeof value !== 'function') return value;
      return (sql: string, params?: unknown) => {
        statements.push(sql);
        return value.call(target, sql, params);
      };
    },
  });
}

/** Which way each column went: the bracket's middle values (ORDER BY ... OFFSET), or median() over the whole column. */
const BRACKETED = /OFFSET/g;
const WHOLE = (c: string) => new RegExp(`median\\("${c}"\\) AS "${c}" FROM`);

describe('exactMedians', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open();
  });
  afterAll(() => db.close());

  it("gives exactly DuckDB's median(), bracketed or not", async () => {
    const ways = { bracketed: 0, whole: 0 };
    const statements: string[] = [];
    const spy = spied(db, statements);
    await fc.assert(
      fc.asyncProperty(column, column, async (a, b) => {
        const values = (c: typeof a, i: string) => {
          const v = `(hash(${i} + ${c.seed}) % ${c.distinct})::DOUBLE / 7 - 3.5`;
          const ordered = c.sorted ? `floor(${i}::DOUBLE / ${c.n} * ${c.distinct}) / 7` : v;
          return c.nullEvery > 0 ? `CASE WHEN ${i} % ${c.nullEvery} = 0 THEN NULL ELSE ${ordered} END` : ordered;
        };
        const n = Math.max(a.n, b.n);
        await db.run(`CREATE OR REPLACE TABLE t AS
          SELECT CASE WHEN i < ${a.n} THEN ${values(a, 'i')} END AS x, CASE WHEN i < ${b.n} THEN ${values(b, 'i')} END AS y
          FROM range(${n}) r(i)`);
        statements.length = 0;
        const got = await exactMedians(spy, 'SELECT x, y FROM t', ['x', 'y']);
        ways.bracketed += statements.reduce((n, s) => n + (s.match(BRACKETED)?.length ?? 0), 0);
        ways.whole += statements.filter((s) => WHOLE('x').test(s) || WHOLE('y').test(s)).length;
        const want = await db.one<{ x: number; y: number }>(`SELECT median(x) AS x, median(y) AS y FROM t`);
        expect(got.x).toBe(want!.x);
        expect(got.y).toBe(want!.y);
      }),
      { numRuns: 25, seed: 20261201 },
    );
    // Both ways were taken: the bracket on most columns, the whole median where it missed or was too full.
    expect(ways.bracketed).toBeGreaterThan(5);
    expect(ways.whole).toBeGreaterThan(5);
  });

  it('takes the bracket on a large column, and the whole median on a small or empty one', async () => {
    const statements: string[] = [];
    const spy = spied(db, statements);
    await db.run(`CREATE OR REPLACE TABLE t AS SELECT (hash(i) % 100000)::DOUBLE AS x FROM range(1000000) r(i)`);
    const big = await exactMedians(spy, 'SELECT x FROM t', ['x']);
    expect(big.x).toBe(await db.scalar(`SELECT median(x) FROM t`));
    expect(statements.some((s) => s.match(BRACKETED))).toBe(true);
    expect(statements.some((s) => WHOLE('x').test(s))).toBe(false);

    statements.length = 0;
    await db.run(`CREATE OR REPLACE TABLE t AS SELECT i::DOUBLE AS x FROM range(11) r(i)`);
    expect((await exactMedians(spy, 'SELECT x FROM t', ['x'])).x).toBe(5);
    expect(statements.some((s) => s.match(BRACKETED))).toBe(false);
    expect(statements.some((s) => WHOLE('x').test(s))).toBe(true);

    await db.run(`CREATE OR REPLACE TABLE t (x DOUBLE)`);
    expect((await exactMedians(spy, 'SELECT x FROM t', ['x'])).x).toBeNull();
  });
});

describe('countedMedianSql', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open();
  });
  afterAll(() => db.close());

  /** Groups of values with many repeats, negative ones, NULLs, odd and even counts, a group of one value. */
  const rows = fc.array(
    fc.record({
      g: fc.integer({ min: 1, max: 6 }),
      v: fc.oneof(fc.integer({ min: -5, max: 5 }).map((i) => i * 1.7), fc.double({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
      copies: fc.integer({ min: 1, max: 4 }),
    }),
    { minLength: 1, maxLength: 60 },
  );

  it("gives exactly DuckDB's median() and mad() per group", async () => {
    await fc.assert(
      fc.asyncProperty(rows, async (rs) => {
        await db.run(`CREATE OR REPLACE TABLE t (g INTEGER, v DOUBLE)`);
        await db.append('t', rs.flatMap((r) => Array.from({ length: r.copies }, () => [r.g, r.v === 0 ? 0 : r.v])));
        const got = await db.all<{ g: number; med: number; mad: number }>(`SELECT * FROM (${countedMedianSql('SELECT g, v FROM t', 'g', 'v')}) ORDER BY g`);
        const want = await db.all<{ g: number; med: number; mad: number }>(
          `SELECT g, median(v) AS med, mad(v) AS mad FROM t WHERE v IS NOT NULL GROUP BY g ORDER BY g`,
        );
        expect(got).toEqual(want);
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });

  it("countedMedianOnlySql gives median() per group from weighted rows (a listing's parcels counted)", async () => {
    await fc.assert(
      fc.asyncProperty(rows, async (rs) => {
        await db.run(`CREATE OR REPLACE TABLE t (g INTEGER, v DOUBLE); CREATE OR REPLACE TABLE w (g INTEGER, v DOUBLE, n BIGINT)`);
        await db.append('t', rs.flatMap((r) => Array.from({ length: r.copies }, () => [r.g, r.v === 0 ? 0 : r.v])));
        await db.append('w', rs.map((r) => [r.g, r.v === 0 ? 0 : r.v, r.copies]));
        const got = await db.all<{ g: number; med: number }>(`SELECT * FROM (${countedMedianOnlySql('SELECT g, v, n FROM w', 'g', 'v', 'n')}) ORDER BY g`);
        const want = await db.all<{ g: number; med: number }>(`SELECT g, median(v) AS med FROM t WHERE v IS NOT NULL GROUP BY g ORDER BY g`);
        expect(got).toEqual(want);
      }),
      { numRuns: 300, seed: 20261203 },
    );
  });
});

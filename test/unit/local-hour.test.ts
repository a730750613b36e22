import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, literal } from '../../src/engine/database.ts';
import { localDate, localHour } from '../../src/stages/sites/pickup-points.ts';

/** Times every 7 minutes 13 seconds from `from` for `days` days, each also a microsecond earlier, and each whole UTC hour +-1 us, in table t(ts). */
async function fill(db: Database, from: string, days: number): Promise<void> {
  const series = (step: string) =>
    `SELECT unnest(generate_series(TIMESTAMPTZ ${literal(from)}, TIMESTAMPTZ ${literal(from)} + INTERVAL ${days} DAY, INTERVAL ${step})) AS ts`;
  await db.run(`CREATE OR REPLACE TABLE t AS
    SELECT ts FROM (${series('433 SECOND')}) UNION ALL SELECT ts - INTERVAL 1 MICROSECOND FROM (${series('433 SECOND')})
    UNION ALL SELECT ts - INTERVAL 1 MICROSECOND FROM (${series('1 HOUR')}) UNION ALL SELECT ts + INTERVAL 1 MICROSECOND FROM (${series('1 HOUR')})`);
}

describe('localHour and localDate', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open();
  });
  afterAll(() => db.close());

  const cases: Array<[zone: string, from: string, days: number, arithmetic: boolean]> = [
    ['Asia/Shanghai', '2025-11-20 00:00:00+00', 150, true],
    // China kept daylight saving from 1986 to 1991: a span across a change keeps ICU.
    ['Asia/Shanghai', '1988-03-01 00:00:00+00', 120, false],
    ['Asia/Kolkata', '2025-01-01 00:00:00+00', 60, true],
    ['Asia/Kathmandu', '2025-01-01 00:00:00+00', 60, true],
    ['America/New_York', '2025-11-10 00:00:00+00', 90, true],
    ['America/New_York', '2025-01-01 00:00:00+00', 120, false],
    ['America/St_Johns', '2025-11-10 00:00:00+00', 90, true],
    ['UTC', '1965-06-01 00:00:00+00', 3000, true],
    // Local mean time, an offset in seconds (+08:05:43).
    ['Asia/Shanghai', '1890-01-01 00:00:00+00', 30, true],
  ];
  it.each(cases)('give ICU hour() and ::DATE in %s from %s over %i days (arithmetic: %s)', async (zone, from, days, arithmetic) => {
    await db.run(`SET TimeZone = ${literal(zone)}`);
    await fill(db, from, days);
    const hour = await localHour(db, 't', 'ts');
    const date = await localDate(db, 't', 'ts');
    expect(hour('ts') !== 'hour(ts)').toBe(arithmetic);
    expect(date('ts') !== '(ts)::DATE').toBe(arithmetic);
    const differ = await db.scalar(`SELECT count(*) FROM t WHERE ${hour('ts')} <> hour(ts) OR ${date('ts')} <> ts::DATE`);
    expect(differ).toBe(0);
    // And they do compute something: the hours spread over the day, one date a day.
    expect(await db.scalar(`SELECT count(DISTINCT ${hour('ts')}) FROM t`)).toBe(24);
    expect(await db.scalar(`SELECT count(DISTINCT ${date('ts')}) FROM t`)).toBeGreaterThanOrEqual(days);
  });

  it('fall back to ICU on an empty table', async () => {
    await db.run(`CREATE OR REPLACE TABLE t (ts TIMESTAMPTZ)`);
    expect((await localHour(db, 't', 'ts'))('ts')).toBe('hour(ts)');
    expect((await localDate(db, 't', 'ts'))('ts')).toBe('(ts)::DATE');
  });
});

/**
 * The programme's arithmetic on hand-built tables: turnover by belt, local
 * date and category (amount, else price x quantity; only from the
 * enrolment on; an account counted once per belt), the candidate score, and
 * the headline figures read off turnover.csv.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { BELT_INPUT_TABLES, withDatabase } from '../helpers/db.ts';
import { beltPickups, candidateScore, keepProgrammePoints, keepTurnover, measureTurnover, PROGRAMME_POINTS_TABLE, TURNOVER_TABLE } from '../../src/impact/programme.ts';
import { legalWayAfterRaids, programmeHeadline } from '../../src/impact/figures.ts';

async function programmeDb(): Promise<Database> {
  const db = await Database.open(':memory:', { timezone: 'Asia/Shanghai' });
  await db.run(`
    CREATE TABLE factories (factory_id VARCHAR, belt_id VARCHAR, enrolled_at DATE);
    CREATE TABLE factory_accounts (factory_id VARCHAR, seller_id VARCHAR, since DATE);
    CREATE TABLE listings (listing_id VARCHAR, seller_id VARCHAR, category VARCHAR, price DOUBLE);
    CREATE TABLE shipments (waybill_id VARCHAR, seller_id VARCHAR, listing_id VARCHAR, order_time TIMESTAMPTZ, quantity INTEGER, amount DOUBLE);
    CREATE TABLE pickups (waybill_id VARCHAR, pickup_time TIMESTAMPTZ);
    INSERT INTO factories VALUES ('F1', 'B1', DATE '2026-03-02'), ('F2', 'B1', DATE '2026-03-01'), ('F3', 'B2', NULL);
    -- S1 runs shops for two enrolled factories of one belt: counted once, from the earlier enrolment.
    INSERT INTO factory_accounts VALUES ('F1', 'S1', NULL), ('F2', 'S1', NULL), ('F3', 'S3', NULL);
    INSERT INTO listings VALUES ('L1', 'S1', 'shoes', 100), ('L2', 'S1', 'clothing', 40), ('L3', 'S3', 'shoes', 10);
    INSERT INTO shipments VALUES
      ('W0', 'S1', 'L1', TIMESTAMPTZ '2026-02-28 12:00:00+08:00', 1, 100),  -- before enrolment
      ('W1', 'S1', 'L1', TIMESTAMPTZ '2026-03-01 00:30:00+08:00', 2, 190.5), -- amount wins; local date 03-01 (UTC 02-28)
      ('W2', 'S1', 'L1', TIMESTAMPTZ '2026-03-01 10:00:00+08:00', 3, NULL),  -- price x quantity = 300
      ('W3', 'S1', 'L2', TIMESTAMPTZ '2026-03-01 11:00:00+08:00', NULL, NULL), -- quantity empty: 1 x 40
      ('W4', 'S1', 'L2', NULL, 1, 25),                                        -- no order time: the pickup's date
      ('W5', 'S3', 'L3', TIMESTAMPTZ '2026-03-05 10:00:00+08:00', 1, 10);    -- factory not enrolled
    INSERT INTO pickups VALUES ('W4', TIMESTAMPTZ '2026-03-03 09:00:00+08:00'), ('W4', TIMESTAMPTZ '2026-03-04 09:00:00+08:00');
  `);
  return db;
}

/** programmeDb's turnover: W0 before the enrolment, W1 and W2 shoes, W3 clothing, W4 dated by its first pickup, W5 not enrolled. */
const TURNOVER = [
  { belt_id: 'B1', date: '2026-03-01', category: 'clothing', turnover: 40, orders: 1 },
  { belt_id: 'B1', date: '2026-03-01', category: 'shoes', turnover: 490.5, orders: 2 },
  { belt_id: 'B1', date: '2026-03-03', category: 'clothing', turnover: 25, orders: 1 },
];

describe('measureTurnover', () => {
  it('sums the enrolled accounts\' shipments by belt, local date and category', async () => {
    const db = await programmeDb();
    try {
      expect(await measureTurnover(db)).toEqual(TURNOVER);
    } finally {
      db.close();
    }
  });
});

describe('keepTurnover', () => {
  /** The programme's rows as a database that has them, and a day (catalog `day`) that brings the rows `dayWhere` picks, appended as an update does. */
  async function withDay(dayWhere: { shipments: string; pickups: string; accounts?: string; factories?: string; listings?: string }): Promise<Database> {
    const db = await programmeDb();
    await db.run(`ATTACH ':memory:' AS day`);
    const tables = [['shipments', dayWhere.shipments], ['pickups', dayWhere.pickups], ['factory_accounts', dayWhere.accounts ?? 'false'], ['factories', dayWhere.factories ?? 'false'], ['listings', dayWhere.listings ?? 'false']];
    for (const [table, where] of tables) {
      await db.run(`CREATE TABLE day.${table} AS SELECT * FROM ${table} WHERE ${where}`);
      await db.run(`DELETE FROM ${table} WHERE ${where}`);
    }
    // What the database held before the day: its sums, kept.
    expect(await keepTurnover(db)).toBe('whole');
    for (const [table] of tables) await db.run(`INSERT INTO ${table} SELECT * FROM day.${table}`);
    return db;
  }

  const whole = async (db: Database) => {
    await db.run(`CREATE TABLE kept AS SELECT * FROM ${TURNOVER_TABLE}`);
    await keepTurnover(db);
    const [kept, again] = [await db.all(`SELECT * FROM kept ORDER BY ALL`), await db.all(`SELECT * FROM ${TURNOVER_TABLE} ORDER BY ALL`)];
    return { kept, again };
  };

  it("adds a day's sales to the kept sums, as summing every shipment again does", async () => {
    // The day's own sales (W2, W3), and W4's pickup, which dates a sale the database already held.
    const db = await withDay({ shipments: `waybill_id IN ('W2', 'W3')`, pickups: `waybill_id = 'W4'` });
    try {
      expect(await keepTurnover(db, 'day')).toBe('added');
      const { kept, again } = await whole(db);
      expect(kept).toEqual(again);
      expect(await measureTurnover(db)).toEqual(TURNOVER);
    } finally {
      db.close();
    }
  });

  it("a day's sale without an order time is dated by its pickup, in the day or before it", async () => {
    for (const pickups of [`waybill_id = 'W4'`, 'false']) {
      const db = await withDay({ shipments: `waybill_id = 'W4'`, pickups });
      try {
        expect(await keepTurnover(db, 'day')).toBe('added');
        const { kept, again } = await whole(db);
        expect(kept, pickups).toEqual(again);
        expect(again.length).toBe(3);
      } finally {
        db.close();
      }
    }
  });

  it('sums every shipment again when the day brings listings that earlier sales name (a history read without them)', async () => {
    // All listings, or only L2, which W3 names: W3's value and category come with it.
    for (const listings of ['true', `listing_id = 'L2'`]) {
      const db = await withDay({ shipments: 'false', pickups: 'false', listings });
      try {
        expect(await keepTurnover(db, 'day'), listings).toBe('whole');
        expect(await measureTurnover(db)).toEqual(TURNOVER);
      } finally {
        db.close();
      }
    }
  });

  it("adds the day when its listings are named by its own sales only", async () => {
    const db = await withDay({ shipments: `waybill_id = 'W5'`, pickups: 'false', listings: `listing_id = 'L3'` });
    try {
      expect(await keepTurnover(db, 'day')).toBe('added');
      expect(await measureTurnover(db)).toEqual(TURNOVER);
    } finally {
      db.close();
    }
  });

  it('sums every shipment again when the day brings factories, or the sums were not taken over the rows before the day', async () => {
    const factories = await withDay({ shipments: 'false', pickups: 'false', factories: `factory_id = 'F3'` });
    try {
      expect(await keepTurnover(factories, 'day')).toBe('whole');
    } finally {
      factories.close();
    }
    // Another program added a shipment after the sums were taken: the day cannot simply be added.
    const stale = await withDay({ shipments: `waybill_id = 'W2'`, pickups: 'false' });
    try {
      await stale.run(`INSERT INTO shipments VALUES ('W9', 'S1', 'L1', TIMESTAMPTZ '2026-03-01 12:00:00+08:00', 1, 10)`);
      expect(await keepTurnover(stale, 'day')).toBe('whole');
      expect((await measureTurnover(stale)).find((r) => r.category === 'shoes')).toMatchObject({ turnover: 500.5, orders: 3 });
    } finally {
      stale.close();
    }
  });

  it('sums every shipment again when the day brings accounts, whose enrolment reaches back', async () => {
    const db = await withDay({ shipments: 'false', pickups: 'false', accounts: `factory_id = 'F2'` });
    try {
      expect(await keepTurnover(db, 'day')).toBe('whole');
      // F2 enrolled S1 a day before F1 did: W1, W2 and W3 on 2026-03-01 count now.
      expect((await measureTurnover(db)).filter((r) => r.date === '2026-03-01').map((r) => r.orders)).toEqual([1, 2]);
    } finally {
      db.close();
    }
  });
});

describe('candidateScore', () => {
  const fit = { belt_share: 1, day_share: 1, own_brand_share: 1, normal_price_share: 1, seller_score: 0, reports: 0 };
  it('is 1 for a perfect fit and falls with each share', () => {
    expect(candidateScore(fit)).toBe(1);
    expect(candidateScore({ ...fit, belt_share: 0.5, day_share: 0.5 })).toBe(0.25);
  });
  it('a counterfeit report or a high counterfeit score sinks a seller', () => {
    expect(candidateScore({ ...fit, reports: 1 })).toBeCloseTo(0.1, 10);
    expect(candidateScore({ ...fit, seller_score: 0.9 })).toBeCloseTo(0.1, 10);
    expect(candidateScore({ ...fit, belt_share: 0 })).toBe(0);
  });
});

describe('programmeHeadline', () => {
  const row = (belt_id: string, date: string, turnover: number) => ({ belt_id, date, category: 'shoes', turnover, orders: 1 });
  it('totals, the last 28 days per day, shares by province and growth on the same 28 days a year before', () => {
    // The data reaches back before the year-earlier window (2025-02-01), so growth is measured.
    const rows = [row('B2', '2025-02-01', 7), row('B1', '2025-03-01', 100), row('B1', '2026-03-01', 150), row('B2', '2026-03-10', 50), row('B2', '2026-01-01', 1000)];
    const h = programmeHeadline(rows, [
      { belt_id: 'B1', name: 'one', province: '福建省' },
      { belt_id: 'B2', name: 'two', province: '广东省' },
    ]);
    expect(h.total).toBe(1307);
    expect(h.to).toBe('2026-03-10');
    // Last 28 days: 2026-02-11..2026-03-10 -> 150 + 50.
    expect(h.dailyTurnover).toBeCloseTo(200 / 28, 10);
    // A year before: 2025-02-11..2025-03-10 -> 100.
    expect(h.growth).toBeCloseTo(1, 10);
    expect(h.byProvince).toEqual([
      { province: '广东省', share: 1057 / 1307 },
      { province: '福建省', share: 250 / 1307 },
    ]);
    expect(h.byBelt.find((b) => b.belt_id === 'B1')?.growth).toBeCloseTo(0.5, 10);
  });
  it('has no growth without data covering the whole window a year back', () => {
    expect(programmeHeadline([row('B1', '2026-03-01', 1)]).growth).toBeNull();
    expect(programmeHeadline([row('B1', '2025-03-01', 1), row('B1', '2026-03-10', 1)]).growth).toBeNull();
  });
});

describe('legalWayAfterRaids', () => {
  const outcome = (outcome_id: string, date: string, result = 'confirmed') => ({ outcome_id, lat: 25.44, lng: 119.01, date, result, seized_value: null, arrests: null, note: null });
  const factory = (factory_id: string, km: number, enrolled_at: string | null) => ({ factory_id, belt_id: 'B1', lat: 25.44 + km / 111.32, lng: 119.01, enrolled_at });
  it('counts the programme factories within 10 km of each raid and their enrolments before and after, by month', () => {
    const factories = [
      factory('F1', 1, '2026-01-20'), // 41 days before
      factory('F2', 2, '2026-03-01'), // the raid day: before
      factory('F3', 3, '2026-04-15'), // 45 days after
      factory('F9', 6, '2026-08-28'), // 180 days after: the window's last day
      factory('F4', 4, null), // never enrolled
      factory('F5', 12, '2026-03-05'), // out of the area
      factory('F6', 0.1, '2026-03-10'), // at risk: not legitimate
      factory('F7', 5, '2025-09-01'), // 181 days before: enrolled, outside the window
      { ...factory('F8', 0, '2026-03-02'), lat: null, lng: null }, // no point
    ];
    const [r, ...rest] = legalWayAfterRaids({ outcomes: [outcome('OC1', '2026-03-01'), outcome('OC2', '2026-03-01', 'nothing_found')], factories }, new Set(['F6']));
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ outcome_id: 'OC1', date: '2026-03-01', factories: 6, enrolledBefore: 3, windowBefore: 2, windowAfter: 2 });
    expect(r.byMonth).toEqual([
      { month: '2025-12', enrolments: 0 },
      { month: '2026-01', enrolments: 1 },
      { month: '2026-02', enrolments: 0 },
      { month: '2026-03', enrolments: 1 },
      { month: '2026-04', enrolments: 1 },
      { month: '2026-05', enrolments: 0 },
      { month: '2026-06', enrolments: 0 },
    ]);
  });
});

describe('beltPickups', () => {
  it('files a pickup under a belt by its place, its GPS, its seller\'s premises or a belt\'s own point, once, under the first belt', async () => {
    await withDatabase(async (db) => {
      await db.run(BELT_INPUT_TABLES);
      await db.run(`
        INSERT INTO belts VALUES ('B1', ['P1'], NULL, NULL), ('B2', ['P1', 'P2'], NULL, NULL), ('B3', [], 25.50, 119.10);
        INSERT INTO places VALUES ('P1', 'industrial', '华林工业区', 25.40, 119.00), ('P2', 'industrial', '西天尾', 25.45, 119.00),
          ('P9', 'residential', '东圳', 25.40, 119.01);
        INSERT INTO sellers VALUES ('S1', NULL, NULL, NULL), ('S2', '莆田市华林工业区3号', 25.3, 119.3), ('S3', NULL, NULL, NULL);
        INSERT INTO pickup_points VALUES
          ('W1', 'S1', 25.40, 119.00, 'P1', 0.4),       -- filed under P1: belts B1 and B2, kept once under B1
          ('W2', 'S1', 25.4501, 119.0001, NULL, 1),     -- GPS nearest P2: B2
          ('W3', 'S1', 25.4001, 119.0092, NULL, 1),     -- GPS nearest P9, not a belt place
          ('W4', 'S1', 25.4501, 119.0001, NULL, 0.4),   -- near P2 but not by GPS: no belt
          ('W5', 'S2', 25.3001, 119.3001, NULL, 0.4),   -- at S2's premises, whose address names P1: B1
          ('W6', 'S2', 25.20, 119.30, NULL, 0.4),       -- S2's, far from its premises: no belt
          ('W7', 'S3', 25.5010, 119.1010, NULL, 0.4),   -- 150 m from B3's own point
          ('W8', 'S3', 25.5200, 119.1000, NULL, 0.4);   -- 2 km from it
      `);
      await beltPickups(db);
      expect(await db.all(`SELECT waybill_id, seller_id, belt_id FROM pickup_belts WHERE belt_id IS NOT NULL ORDER BY waybill_id`)).toEqual([
        { waybill_id: 'W1', seller_id: 'S1', belt_id: 'B1' },
        { waybill_id: 'W2', seller_id: 'S1', belt_id: 'B2' },
        { waybill_id: 'W5', seller_id: 'S2', belt_id: 'B1' },
        { waybill_id: 'W7', seller_id: 'S3', belt_id: 'B3' },
      ]);
    });
  });
});

describe('keepProgrammePoints', () => {
  it("adds a day's points to the kept counts as counting every point again does, and counts all again when the day brings a place, a belt or a counted seller", async () => {
    await withDatabase(async (db) => {
      await db.run(BELT_INPUT_TABLES);
      await db.run(`ALTER TABLE pickup_points ADD COLUMN listing_id VARCHAR; ALTER TABLE pickup_points ADD COLUMN t TIMESTAMPTZ`);
      await db.run(`
        INSERT INTO belts VALUES ('B1', ['P1'], NULL, NULL), ('B3', [], 25.50, 119.10);
        INSERT INTO places VALUES ('P1', 'industrial', '华林工业区', 25.40, 119.00), ('P9', 'residential', '东圳', 25.40, 119.01);
        INSERT INTO sellers VALUES ('S1', NULL, NULL, NULL), ('S2', '莆田市华林工业区3号', 25.3, 119.3), ('S3', NULL, NULL, NULL);
        INSERT INTO pickup_points VALUES
          ('W1', 'S1', 25.40, 119.00, 'P1', 0.4, 'L1', TIMESTAMPTZ '2026-03-01 10:00:00+00'),
          ('W2', 'S1', 25.4001, 119.0092, NULL, 1, 'L1', TIMESTAMPTZ '2026-03-01 23:00:00+00'),
          ('W3', 'S2', 25.3001, 119.3001, NULL, 0.4, 'L2', TIMESTAMPTZ '2026-03-02 09:00:00+00'),
          ('W5', 'S1', 25.40, 119.00, 'P1', 0.4, 'L1', TIMESTAMPTZ '2026-03-03 11:00:00+00'),  -- as W1: one count of two
          ('W6', 'S3', 25.5010, 119.1010, NULL, 0.4, 'L3', TIMESTAMPTZ '2026-03-03 12:00:00+00'),
          ('W7', 'S3', 25.5200, 119.1000, NULL, 0.4, NULL, NULL);
      `);
      // The database before the day held W1-W3; the day brings W5-W7 and no belt, place or seller.
      await db.run(`CREATE TEMP TABLE day_points AS SELECT * FROM pickup_points WHERE waybill_id >= 'W5'`);
      await db.run(`DELETE FROM pickup_points WHERE waybill_id >= 'W5'`);
      expect(await keepProgrammePoints(db)).toBe('whole');
      await db.run(`INSERT INTO pickup_points SELECT * FROM day_points`);
      await db.run(`ATTACH ':memory:' AS day`);
      for (const t of ['belts', 'places', 'sellers']) await db.run(`CREATE TABLE day.${t} AS SELECT * FROM ${t} LIMIT 0`);
      const day = { catalog: 'day', points: 'day_points' };
      const counts = () => db.all(`SELECT * FROM ${PROGRAMME_POINTS_TABLE} ORDER BY ALL`);
      expect(await keepProgrammePoints(db, day)).toBe('added');
      const added = await counts();
      expect(await keepProgrammePoints(db)).toBe('whole');
      expect(await counts()).toEqual(added);
      expect(added).toContainEqual({ seller_id: 'S1', listing_id: 'L1', belt_id: 'B1', work_hours: true, n: 2 });
      expect(added).toContainEqual({ seller_id: 'S3', listing_id: null, belt_id: null, work_hours: null, n: 1 });
      // A place the day brings may be the nearest of earlier points: all are counted again.
      await db.run(`INSERT INTO day.places VALUES ('P2', 'industrial', '西天尾', 25.45, 119.00)`);
      expect(await keepProgrammePoints(db, day)).toBe('whole');
      await db.run(`DELETE FROM day.places`);
      // So do a belt, and a seller already counted, whose return address may now name a belt place; a new seller does not.
      await db.run(`INSERT INTO day.belts VALUES ('B9', [], 25.40, 119.00)`);
      expect(await keepProgrammePoints(db, day)).toBe('whole');
      await db.run(`DELETE FROM day.belts`);
      await db.run(`INSERT INTO day.sellers VALUES ('S9', NULL, NULL, NULL)`);
      await db.run(`DELETE FROM pickup_points WHERE waybill_id >= 'W5'`);
      await keepProgrammePoints(db);
      await db.run(`INSERT INTO pickup_points SELECT * FROM day_points`);
      expect(await keepProgrammePoints(db, day)).toBe('added');
      await db.run(`INSERT INTO day.sellers VALUES ('S1', NULL, NULL, NULL)`);
      await db.run(`DELETE FROM pickup_points WHERE waybill_id >= 'W5'`);
      await keepProgrammePoints(db);
      await db.run(`INSERT INTO pickup_points SELECT * FROM day_points`);
      expect(await keepProgrammePoints(db, day)).toBe('whole');
      // As when pickup-points ran whole and left no day's points.
      expect(await keepProgrammePoints(db, { catalog: 'day' })).toBe('whole');
      expect(await counts()).toEqual(added);
    });
  });
});

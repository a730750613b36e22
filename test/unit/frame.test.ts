import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database } from '../../src/engine/database.ts';
import { FRAME_COLUMNS, frameOf, type Frame } from '../../src/stages/sites/pickup-points.ts';

/**
 * Coordinates that crowd the edges between two rounded values (x.xx5), and
 * plain ones; half given as GPS fixes, half as addresses, some as both.
 */
const coord = (base: number) =>
  fc.oneof(
    fc.integer({ min: -30, max: 30 }).map((k) => base + k / 100 + 0.005),
    fc.tuple(fc.integer({ min: -30, max: 30 }), fc.double({ min: -0.006, max: 0.006, noNaN: true })).map(([k, e]) => base + k / 100 + 0.005 + e),
    fc.double({ min: base - 0.3, max: base + 0.3, noNaN: true }),
  );
const pickup = fc.record({ lat: coord(25.4), lng: coord(-119.0), as: fc.constantFrom('gps', 'address', 'both') });

describe('frameOf', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open();
  });
  afterAll(() => db.close());

  it('gives the rounded medians, whatever it guessed', async () => {
    const ways = { right: 0, lat: 0, lng: 0, none: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(pickup, { minLength: 0, maxLength: 60 }),
        fc.constantFrom('right', 'lat', 'lng', 'none'),
        fc.integer({ min: -3, max: 3 }),
        async (pickups, kind, off) => {
          await db.run(`CREATE OR REPLACE TABLE p (lat DOUBLE, lng DOUBLE, pickup_gps_lat DOUBLE, pickup_gps_lng DOUBLE)`);
          await db.append(
            'p',
            pickups.map(({ lat, lng, as }) =>
              as === 'gps' ? [null, null, lat, lng] : as === 'address' ? [lat, lng, null, null] : [lat + 0.01, lng - 0.01, lat, lng],
            ),
          );
          const want = (await db.one<Frame>(`SELECT ${FRAME_COLUMNS} FROM p`))!;
          // A guess is a rounded value, as a frame is: the answer itself, or the answer with one coordinate some steps of 0.01 off.
          const shift = (v: number) => Math.round(v * 100 + (off === 0 ? 1 : off)) / 100;
          const guess: Frame | undefined =
            kind === 'none'
              ? undefined
              : { lat0: kind === 'lat' ? shift(want.lat0) : want.lat0, lng0: kind === 'lng' ? shift(want.lng0) : want.lng0 };
          expect(await frameOf(db, 'p', guess)).toEqual(want);
          ways[kind]++;
        },
      ),
      { numRuns: 400, seed: 20261201 },
    );
    expect(Math.min(ways.right, ways.lat, ways.lng, ways.none)).toBeGreaterThan(40);
  });

  it('guesses from a sample of a large table and still gives the medians', async () => {
    // Ordered as a file of pickups is by time: the latitudes climb through the table.
    await db.run(`CREATE OR REPLACE TABLE p AS
      SELECT 25.4 + (i % 1000) / 50000 + i / 2e8 AS lat, 119.0 - (i % 777) / 40000 AS lng, NULL::DOUBLE AS pickup_gps_lat, NULL::DOUBLE AS pickup_gps_lng
      FROM range(1000000) r(i)`);
    const want = (await db.one<Frame>(`SELECT ${FRAME_COLUMNS} FROM p`))!;
    expect(await frameOf(db, 'p')).toEqual(want);
    expect(want).toEqual({ lat0: 25.41, lng0: 118.99 });
    // A wrong guess is refused, and the medians are taken (exactMedians, from its sample at this size).
    expect(await frameOf(db, 'p', { lat0: 25.5, lng0: 119.1 })).toEqual(want);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database } from '../../src/engine/database.ts';
import { pickupRegion, REGION_MEDIANS, REGION_MIN_KM } from '../../src/ingest/validate.ts';

const BASE = { lat: 25.4, lng: 119.0 };

/** A point `km` from BASE in direction `deg`, as (lat, lng); half the points given as GPS fixes, half as addresses. */
const point = fc.record({
  km: fc.oneof(fc.double({ min: 0, max: 90, noNaN: true }), fc.double({ min: 95, max: 105, noNaN: true }), fc.double({ min: 110, max: 3000, noNaN: true })),
  deg: fc.double({ min: 0, max: 360, noNaN: true }),
  gps: fc.boolean(),
});

describe('pickupRegion', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open();
  });
  afterAll(() => db.close());

  it('gives the region the medians give, with or without the count that spares the second median', async () => {
    const branches = { short: 0, median: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(point, { minLength: 1, maxLength: 40 }), async (points) => {
        await db.run(`CREATE OR REPLACE TABLE pickups (lat DOUBLE, lng DOUBLE, pickup_gps_lat DOUBLE, pickup_gps_lng DOUBLE, _fail VARCHAR)`);
        const rows: Array<Array<number | string | null>> = points.map(({ km, deg, gps }) => {
          const lat = BASE.lat + (km / 111.32) * Math.cos((deg * Math.PI) / 180);
          const lng = BASE.lng + ((km / 111.32) * Math.sin((deg * Math.PI) / 180)) / Math.cos((BASE.lat * Math.PI) / 180);
          return gps ? [null, null, lat, lng, null] : [lat, lng, null, null, null];
        });
        // A record that failed its checks counts for nothing, wherever it lies.
        rows.push([-60, 10, null, null, 'lat\tjunk']);
        await db.append('pickups', rows);
        const region = await pickupRegion(db);
        // The oracle: both medians, as the region is defined (validate.ts).
        const pts = `SELECT coalesce(pickup_gps_lat, lat) AS lat, coalesce(pickup_gps_lng, lng) AS lng FROM pickups WHERE _fail IS NULL`;
        const want = await db.one<{ lat: number; lng: number; d50: number }>(`
          WITH c AS (SELECT median(lat) AS clat, median(lng) AS clng FROM (${pts}))
          SELECT any_value(clat) AS lat, any_value(clng) AS lng,
            median(111.32 * sqrt(pow(p.lat - clat, 2) + pow((p.lng - clng) * cos(radians(clat)), 2))) AS d50
          FROM (${pts}) p, c`);
        expect(region).toBeDefined();
        expect(region!.lat).toBe(want!.lat);
        expect(region!.lng).toBe(want!.lng);
        expect(region!.maxKm).toBeCloseTo(Math.max(REGION_MIN_KM, REGION_MEDIANS * want!.d50), 6);
        branches[REGION_MEDIANS * want!.d50 <= REGION_MIN_KM ? 'short' : 'median']++;
      }),
      { numRuns: 150, seed: 20261201 },
    );
    // Both ways of finding the distance were taken.
    expect(branches.short).toBeGreaterThan(10);
    expect(branches.median).toBeGreaterThan(10);
  });

  it('has no region without a position', async () => {
    await db.run(`CREATE OR REPLACE TABLE pickups (lat DOUBLE, lng DOUBLE, pickup_gps_lat DOUBLE, pickup_gps_lng DOUBLE, _fail VARCHAR)`);
    expect(await pickupRegion(db)).toBeUndefined();
  });
});

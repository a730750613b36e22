/**
 * The place nearest each pickup point (within MAX_REACH_METERS), found among
 * its grid cell's candidate places: checked against a brute-force search over every
 * place, on random cities with points and places on the cells' edges, and
 * again after a day's new points, which alone are computed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { MAX_REACH_METERS, NEAREST_PLACE, nearestPlaces } from '../../src/impact/programme.ts';

interface Point {
  lat: number;
  lng: number;
}

/** The same equirectangular metres as the SQL. */
function metres(a: Point, b: Point): number {
  return 111320 * Math.sqrt((a.lat - b.lat) ** 2 + ((a.lng - b.lng) * Math.cos((b.lat * Math.PI) / 180)) ** 2);
}

function bruteForce(points: Point[], places: Point[]): (number | null)[] {
  return points.map((pt) => {
    let best: number | null = null;
    let bestM = Infinity;
    places.forEach((pl, i) => {
      const m = metres(pt, pl);
      if (Math.abs(pt.lat - pl.lat) < 0.02 && Math.abs(pt.lng - pl.lng) < 0.02 && m <= MAX_REACH_METERS && m < bestM) {
        bestM = m;
        best = i;
      }
    });
    return best;
  });
}

/** Coordinates near Putian, some exactly on the lines of the join's grids (0.001-degree cells, 0.021-degree buckets). */
const coordinate = (centre: number) =>
  fc.oneof(
    fc.double({ min: centre - 0.06, max: centre + 0.06, noNaN: true }),
    fc.double({ min: centre - 0.004, max: centre + 0.004, noNaN: true }),
    fc.integer({ min: -60, max: 60 }).map((k) => Math.round(centre / 0.001) * 0.001 + k * 0.001),
    fc.integer({ min: -3, max: 3 }).map((k) => Math.round(centre / 0.021) * 0.021 + k * 0.021),
  );
const point = fc.record({ lat: coordinate(25.45), lng: coordinate(119.0) });

async function nearestOf(db: Database): Promise<Map<string, string | null>> {
  const rows = await db.all<{ waybill_id: string; aoi_id: string | null }>(`SELECT waybill_id, aoi_id FROM ${NEAREST_PLACE}`);
  return new Map(rows.map((r) => [r.waybill_id, r.aoi_id]));
}

describe('nearestPlaces', () => {
  it('finds the same place as a search over every place, and computes only the new points on a second day', async () => {
    const db = await Database.open();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(point, { minLength: 0, maxLength: 25 }),
          fc.array(point, { minLength: 1, maxLength: 60 }),
          fc.integer({ min: 0, max: 60 }),
          async (places, points, split) => {
            await db.run(`CREATE OR REPLACE TABLE places (aoi_id VARCHAR, lat DOUBLE, lng DOUBLE)`);
            await db.run(`CREATE OR REPLACE TABLE pickup_points (waybill_id VARCHAR, lat DOUBLE, lng DOUBLE)`);
            await db.run(`DROP TABLE IF EXISTS ${NEAREST_PLACE}`);
            await db.append('places', places.map((p, i) => [`A${i}`, p.lat, p.lng]));
            const firstDay = points.slice(0, Math.min(split, points.length));
            await db.append('pickup_points', firstDay.map((p, i) => [`W${i}`, p.lat, p.lng]));
            await nearestPlaces(db);
            // The second day's points: only they are computed (the first day's rows are not repeated).
            await db.append('pickup_points', points.slice(firstDay.length).map((p, i) => [`W${firstDay.length + i}`, p.lat, p.lng]));
            await nearestPlaces(db);
            expect(await db.scalar(`SELECT count(*) FROM ${NEAREST_PLACE}`)).toBe(points.length);
            const found = await nearestOf(db);
            const expected = bruteForce(points, places);
            for (let i = 0; i < points.length; i++) {
              const want = expected[i] === null ? null : `A${expected[i]}`;
              // Two places at exactly the same distance may resolve either way.
              if (want !== null && found.get(`W${i}`) !== want) {
                const got = Number(found.get(`W${i}`)?.slice(1));
                expect(metres(points[i], places[got])).toBe(metres(points[i], places[expected[i]!]));
              } else {
                expect(found.get(`W${i}`)).toBe(want);
              }
            }
          },
        ),
        { numRuns: 100 },
      );
    } finally {
      db.close();
    }
  });
});

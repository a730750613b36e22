/**
 * The place nearest a courier's GPS fix (within MAX_REACH_METERS), found
 * among the candidate places of the fix's grid cell, in the cells where a belt
 * place can be the nearest: checked against a brute-force search over every
 * place, on random cities with points and places on the lines of both grids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { MAX_REACH_METERS, beltPlaceCells, fineCell, nearestPlaceSql, placesPerCell } from '../../src/impact/programme.ts';

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
    fc.double({ min: centre - 0.0005, max: centre + 0.0005, noNaN: true }),
    fc.integer({ min: -60, max: 60 }).map((k) => Math.round(centre / 0.001) * 0.001 + k * 0.001),
    fc.integer({ min: -3, max: 3 }).map((k) => Math.round(centre / 0.021) * 0.021 + k * 0.021),
  );
const point = fc.record({ lat: coordinate(25.45), lng: coordinate(119.0) });

describe('placesPerCell', () => {
  it("keeps, for every point of a cell, the place nearest it among all places", () => {
    fc.assert(
      fc.property(
        fc.array(point, { minLength: 1, maxLength: 30 }),
        fc.record({ lat: fc.integer({ min: 25390, max: 25510 }), lng: fc.integer({ min: 118940, max: 119060 }) }),
        (places, { lat: cy, lng: cx }) => {
          const named = places.map((p, i) => ({ aoi_id: `A${i}`, ...p }));
          const kept = new Set(placesPerCell([{ cy, cx }], named).map((r) => r[2]));
          // A 21 x 21 lattice over the cell, edges included.
          const lattice = Array.from({ length: 21 * 21 }, (_, k) => ({ lat: (cy + Math.floor(k / 21) / 20) * 0.001, lng: (cx + (k % 21) / 20) * 0.001 }));
          bruteForce(lattice, places).forEach((nearest, k) => {
            if (nearest !== null && !kept.has(`A${nearest}`)) {
              // Left out only if a kept place is exactly as near.
              const d = metres(lattice[k], places[nearest]);
              expect(named.some((p) => kept.has(p.aoi_id) && metres(lattice[k], p) === d)).toBe(true);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('beltPlaceCells and nearestPlaceSql', () => {
  it('give a GPS fix its nearest place whenever that is a belt place, as a search over every place does', async () => {
    const db = await Database.open();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ at: point, belt: fc.boolean() }), { minLength: 0, maxLength: 25 }),
          fc.array(fc.record({ at: point, gps: fc.boolean() }), { minLength: 1, maxLength: 150 }),
          async (places, points) => {
            await db.run(`CREATE OR REPLACE TABLE places (aoi_id VARCHAR, lat DOUBLE, lng DOUBLE)`);
            await db.run(`CREATE OR REPLACE TABLE belt_places (belt_id VARCHAR, aoi_id VARCHAR)`);
            await db.run(`CREATE OR REPLACE TABLE pickup_points (waybill_id VARCHAR, lat DOUBLE, lng DOUBLE, quality DOUBLE)`);
            await db.append('places', places.map((p, i) => [`A${i}`, p.at.lat, p.at.lng]));
            await db.append('belt_places', places.flatMap((p, i) => (p.belt ? [['B1', `A${i}`]] : [])));
            await db.append('pickup_points', points.map((p, i) => [`W${i}`, p.at.lat, p.at.lng, p.gps ? 1 : 0.4]));
            await beltPlaceCells(db);
            const rows = await db.all<{ waybill_id: string; aoi_id: string | null }>(`
              SELECT pp.waybill_id, ${nearestPlaceSql('pp.lat', 'pp.lng', 'c.candidates')} AS aoi_id
              FROM (SELECT *, ${fineCell('lat')} AS cy, ${fineCell('lng')} AS cx FROM pickup_points WHERE quality = 1) pp
              JOIN belt_cells c USING (cy, cx)`);
            const found = new Map(rows.map((r) => [r.waybill_id, r.aoi_id]));
            const isBelt = (id: string | null | undefined) => id != null && places[Number(id.slice(1))].belt;
            const expected = bruteForce(points.map((p) => p.at), places.map((p) => p.at));
            for (let i = 0; i < points.length; i++) {
              const got = found.get(`W${i}`);
              if (!points[i].gps) {
                expect(found.has(`W${i}`)).toBe(false);
                continue;
              }
              const want = expected[i] === null ? null : `A${expected[i]}`;
              if (!isBelt(want)) {
                expect(isBelt(got)).toBe(false);
              } else if (got !== want) {
                // Two places at exactly the same distance may resolve either way.
                expect(got).toBeDefined();
                expect(metres(points[i].at, places[Number(got!.slice(1))].at)).toBe(metres(points[i].at, places[expected[i]!].at));
              }
            }
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      db.close();
    }
  });
});

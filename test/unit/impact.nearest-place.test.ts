/**
 * The place nearest a courier's GPS fix (within MAX_REACH_METERS), found
 * among the candidate places of the fix's grid cell, in the cells where a belt
 * place can be the nearest: checked against a brute-force search over every
 * place, on random cities with points and places on the lines of both grids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BELT_INPUT_TABLES, withDatabase } from '../helpers/db.ts';
import { BELT_METERS, MAX_REACH_METERS, beltPickups, placesPerCell } from '../../src/impact/programme.ts';

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
          const kept = new Set((placesPerCell([{ cy, cx }], named).get(`${cy},${cx}`) ?? []).map((p) => p.aoi_id));
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

describe('beltPickups by GPS', () => {
  it("files a GPS fix under the belt of its nearest place, as a search over every place finds it", async () => {
    await withDatabase(async (db) => {
      await db.run(BELT_INPUT_TABLES);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ at: point, belt: fc.constantFrom(null, 'B1', 'B2') }), { minLength: 0, maxLength: 25 }),
          fc.array(fc.record({ at: point, gps: fc.boolean() }), { minLength: 1, maxLength: 150 }),
          async (places, points) => {
            for (const t of ['belts', 'places', 'pickup_points']) await db.run(`DELETE FROM ${t}`);
            await db.append('places', places.map((p, i) => [`A${i}`, 'industrial', `place ${i}`, p.at.lat, p.at.lng]));
            const beltPlaces = (b: string) => places.flatMap((p, i) => (p.belt === b ? [`'A${i}'`] : []));
            for (const b of ['B1', 'B2']) await db.run(`INSERT INTO belts VALUES ('${b}', [${beltPlaces(b).join(', ')}]::VARCHAR[], NULL, NULL)`);
            await db.append('pickup_points', points.map((p, i) => [`W${i}`, 'S1', p.at.lat, p.at.lng, null, p.gps ? 1 : 0.4]));
            await beltPickups(db);
            const found = new Map(
              (await db.all<{ waybill_id: string; belt_id: string | null }>(`SELECT waybill_id, belt_id FROM pickup_belts`)).map((r) => [r.waybill_id, r.belt_id]),
            );
            expect(found.size).toBe(points.length);
            const expected = bruteForce(points.map((p) => p.at), places.map((p) => p.at));
            for (let i = 0; i < points.length; i++) {
              const got = found.get(`W${i}`) ?? null;
              const nearest = expected[i];
              if (!points[i].gps || nearest === null) {
                expect(got).toBeNull();
                continue;
              }
              // Places at exactly the nearest distance may resolve either way.
              const d = metres(points[i].at, places[nearest].at);
              const tied = places.filter((p) => metres(points[i].at, p.at) === d).map((p) => p.belt);
              expect(tied).toContain(got);
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});

describe('beltPickups by a belt\'s own point', () => {
  // Belts without places take the pickups within BELT_METERS of their point; a cell wholly within reach
  // of every such belt is settled once for all its points (belt_cells.point_fixed), others are searched.
  it('files a pickup under the first belt whose point is within reach, as a search over every belt finds it', async () => {
    await withDatabase(async (db) => {
      await db.run(BELT_INPUT_TABLES);
      // Belt points in a small area, so that cells are often wholly within 500 m of them, and sometimes only partly.
      const near = fc.record({ lat: coordinate(25.45).map((v) => 25.45 + (v - 25.45) / 10), lng: coordinate(119.0).map((v) => 119.0 + (v - 119.0) / 10) });
      await fc.assert(
        fc.asyncProperty(
          fc.array(near, { minLength: 1, maxLength: 4 }),
          fc.array(fc.record({ at: near, gps: fc.boolean() }), { minLength: 1, maxLength: 150 }),
          async (belts, points) => {
            for (const t of ['belts', 'places', 'pickup_points']) await db.run(`DELETE FROM ${t}`);
            for (const [i, b] of belts.entries()) await db.run(`INSERT INTO belts VALUES ('B${i}', []::VARCHAR[], ${b.lat}, ${b.lng})`);
            await db.append('pickup_points', points.map((p, i) => [`W${i}`, 'S1', p.at.lat, p.at.lng, null, p.gps ? 1 : 0.4]));
            await beltPickups(db);
            const found = new Map(
              (await db.all<{ waybill_id: string; belt_id: string | null }>(`SELECT waybill_id, belt_id FROM pickup_belts`)).map((r) => [r.waybill_id, r.belt_id]),
            );
            expect(found.size).toBe(points.length);
            points.forEach((p, i) => {
              const within = belts.flatMap((b, k) =>
                Math.abs(p.at.lat - b.lat) < 0.01 && Math.abs(p.at.lng - b.lng) < 0.01 && metres(p.at, b) <= BELT_METERS ? [`B${k}`] : [],
              );
              const first = within.sort()[0] ?? null;
              const got = found.get(`W${i}`) ?? null;
              // A point at exactly BELT_METERS may round either way.
              const edge = belts.some((b) => Math.abs(metres(p.at, b) - BELT_METERS) < 1e-6);
              if (!edge) expect(got).toBe(first);
            });
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});

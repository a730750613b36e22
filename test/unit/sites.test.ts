import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cellsWithin, crowdAround, findPeaks, mergeNearbyPeaks, sellerShares, SITE_PARAMS } from '../../src/stages/sites/sites.ts';
import { Database } from '../../src/engine/database.ts';
import { siteLogOdds } from '../../src/stages/leads/leads.ts';

describe('site peaks', () => {
  it('keeps two dens a few hundred metres apart as two peaks, and one plateau as one', () => {
    const cells = [
      { cx: 0, cy: 0, m: 20 },
      { cx: 1, cy: 0, m: 5 },
      { cx: 8, cy: 0, m: 15 },
      { cx: 8, cy: 1, m: 15 },
    ];
    const peaks = findPeaks(cells, 3, 8);
    expect(peaks.map((p) => [p.cx, p.cy]).sort((a, b) => a[0] - b[0])).toEqual([
      [0, 0],
      [8, 0],
    ]);
  });

  it('drops cells below the minimum mass', () => {
    expect(findPeaks([{ cx: 0, cy: 0, m: 2 }], 3, 8)).toEqual([]);
  });
});

describe('site score', () => {
  it('rises with risk, accounts and night share, and falls at a public station', () => {
    const base = { mean_risk: 0.8, operators: 5, waybills: 500, night_share: 0.8, station: false, gps_support: 1 };
    expect(siteLogOdds(base)).toBeGreaterThan(siteLogOdds({ ...base, mean_risk: 0.4 }));
    expect(siteLogOdds(base)).toBeGreaterThan(siteLogOdds({ ...base, operators: 1 }));
    expect(siteLogOdds(base)).toBeGreaterThan(siteLogOdds({ ...base, night_share: 0.1 }));
    expect(siteLogOdds(base)).toBeGreaterThan(siteLogOdds({ ...base, station: true }));
  });
});

describe('site score without courier GPS', () => {
  it('distrusts a cluster placed only by sender addresses', () => {
    const base = { mean_risk: 0.9, operators: 5, waybills: 100, night_share: 0.8, station: false, gps_support: 1 };
    expect(siteLogOdds({ ...base, gps_support: 0 })).toBeLessThan(siteLogOdds(base) - 2);
  });
});

describe('merging peaks', () => {
  it('joins peaks of different networks at one door and keeps dens 100 m apart', () => {
    // Cells of 40 m: (0,0) and (1,0) are 40 m apart, (0,0) and (3,0) 120 m.
    expect(mergeNearbyPeaks([{ cx: 0, cy: 0 }, { cx: 1, cy: 0 }, { cx: 3, cy: 0 }], 60 / 40)).toEqual([0, 0, 2]);
  });
});

describe('the cells around a point', () => {
  it('hold every point within the radius, and fewer cells than the square around it', () => {
    const [r, cell] = [60, 20];
    const cells = new Set(cellsWithin(r, cell).map(([dx, dy]) => `${dx},${dy}`));
    expect(cells.size).toBeLessThan((2 * Math.ceil(r / cell) + 3) ** 2);
    fc.assert(
      fc.property(
        fc.double({ min: -5000, max: 5000, noNaN: true }),
        fc.double({ min: -5000, max: 5000, noNaN: true }),
        fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ax, ay, angle, t) => {
          // A point at distance t * r from (ax, ay), edges included.
          const px = ax + t * r * Math.cos(angle);
          const py = ay + t * r * Math.sin(angle);
          if (Math.hypot(px - ax, py - ay) > r) return;
          const dx = Math.floor(px / cell) - Math.floor(ax / cell);
          const dy = Math.floor(py / cell) - Math.floor(ay / cell);
          expect(cells.has(`${dx},${dy}`)).toBe(true);
        },
      ),
      { numRuns: 20_000 },
    );
    // Points on the cells' corners: the tightest case.
    for (let dx = -4; dx <= 4; dx++) {
      for (let dy = -4; dy <= 4; dy++) {
        const near = Math.hypot(Math.max(0, Math.abs(dx) - 1) * cell, Math.max(0, Math.abs(dy) - 1) * cell) <= r;
        expect(cells.has(`${dx},${dy}`)).toBe(near);
      }
    }
  });
});

describe('the crowd around a point', () => {
  const point = fc.record({
    seller: fc.integer({ min: 0, max: 5 }),
    // Anywhere around the two points, on the grid's corners, or crowding one spot, as at a den.
    x: fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.integer({ min: -5, max: 5 }).map((k) => k * 20), fc.double({ min: 1, max: 9, noNaN: true })),
    y: fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.integer({ min: -5, max: 5 }).map((k) => k * 20), fc.double({ min: -9, max: -1, noNaN: true })),
    type: fc.constantFrom('parcel_station', 'urban_village', 'residential', null),
    gps: fc.boolean(),
  });

  it('counts the distinct scored sellers, their low-risk share and the common aoi_type of the GPS fixes within reach', async () => {
    const db = await Database.open(':memory:');
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(point, { maxLength: 120 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), async (points, scores) => {
          await db.run(`CREATE OR REPLACE TABLE pickup_points (seller_id VARCHAR, x DOUBLE, y DOUBLE, aoi_type VARCHAR, quality DOUBLE)`);
          await db.append('pickup_points', points.map((p) => [`S${p.seller}`, p.x, p.y, p.type, p.gps ? 1 : 0.4]));
          // Seller S5 has no score: its points count for nothing.
          await db.run(`CREATE OR REPLACE TABLE seller_scores (seller_id VARCHAR, score DOUBLE)`);
          await db.append('seller_scores', scores.map((s, i) => [`S${i}`, s]));
          await db.run(`CREATE OR REPLACE TABLE places (aoi_id VARCHAR, aoi_type VARCHAR, lat DOUBLE, lng DOUBLE)`);
          await db.run(`CREATE OR REPLACE TABLE frame AS SELECT 25.0 AS lat0, 119.0 AS lng0`);
          await db.run(`CREATE OR REPLACE TABLE at_points (id INT, x DOUBLE, y DOUBLE)`);
          await db.append('at_points', [[0, 0, 0], [1, 30, -20]]);
          await crowdAround(db, 'at_points', 'crowd');
          const got = await db.all<{ id: number; sellers_near: number; low_risk_share: number; station: boolean }>(
            `SELECT id, sellers_near::INT AS sellers_near, low_risk_share, station FROM crowd ORDER BY id`,
          );
          for (const [id, ax, ay] of [[0, 0, 0], [1, 30, -20]]) {
            const near = points.filter((p) => p.gps && p.seller < 5 && Math.hypot(p.x - ax, p.y - ay) <= SITE_PARAMS.stationRadius);
            const sellers = new Set(near.map((p) => p.seller)).size;
            const low = near.length === 0 ? 0 : near.filter((p) => scores[p.seller] < SITE_PARAMS.minSellerScore).length / near.length;
            const counts = new Map<string, number>();
            for (const p of near) if (p.type) counts.set(p.type, (counts.get(p.type) ?? 0) + 1);
            const common = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
            const station = (sellers >= SITE_PARAMS.stationSellers && low >= 0.5) || common === 'parcel_station';
            const row = got.find((r) => r.id === id)!;
            expect(row.sellers_near).toBe(sellers);
            expect(row.low_risk_share).toBeCloseTo(low, 12);
            expect(row.station).toBe(station);
          }
        }),
        { numRuns: 120 },
      );
    } finally {
      db.close();
    }
  });
});

describe('the shares of sellers for per-seller medians', () => {
  it('put every seller in exactly one share, one share while the points fit in a pass', async () => {
    const db = await Database.open(':memory:');
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 50 }), async (sellers, rowsPerPass) => {
          await db.run(`CREATE OR REPLACE TABLE pickup_points (seller_id VARCHAR)`);
          await db.append('pickup_points', sellers.map((s) => [s]));
          const shares = await sellerShares(db, rowsPerPass);
          expect(shares).toHaveLength(Math.ceil(sellers.length / rowsPerPass));
          const counts = await db.all<{ seller_id: string; n: number }>(
            `SELECT seller_id, (${shares.map((share) => `(${share('seller_id')})::INT`).join(' + ')})::INT AS n FROM pickup_points`,
          );
          for (const c of counts) expect(c.n).toBe(1);
        }),
        { numRuns: 40 },
      );
    } finally {
      db.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dbscan } from '../../src/stages/baseline/dbscan.ts';

describe('dbscan', () => {
  it('finds two dense groups and leaves the stray point as noise', () => {
    const xs = [0, 5, 10, 3, 500, 505, 510, 502, 2000];
    const ys = [0, 5, 0, 8, 0, 3, 6, 9, 2000];
    expect([...dbscan(xs, ys, 20, 3)]).toEqual([0, 0, 0, 0, 1, 1, 1, 1, -1]);
  });

  it('agrees with a brute-force DBSCAN on core points (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 })), { maxLength: 60 }), (pts) => {
        const xs = pts.map((p) => p[0]);
        const ys = pts.map((p) => p[1]);
        const labels = dbscan(xs, ys, 30, 4);
        const near = (i: number, j: number) => (xs[i] - xs[j]) ** 2 + (ys[i] - ys[j]) ** 2 <= 900;
        const core = pts.map((_, i) => pts.filter((__, j) => near(i, j)).length >= 4);
        for (let i = 0; i < pts.length; i++) {
          if (core[i]) expect(labels[i]).toBeGreaterThanOrEqual(0);
          for (let j = 0; j < pts.length; j++) {
            // Two core points within eps always share a cluster.
            if (core[i] && core[j] && near(i, j)) expect(labels[i]).toBe(labels[j]);
          }
          // A point with no core point within eps is noise.
          if (!pts.some((_, j) => core[j] && near(i, j))) expect(labels[i]).toBe(-1);
        }
      }),
      { seed: 11, numRuns: 100 },
    );
  });
});

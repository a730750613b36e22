import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/world/random.ts';

describe('Rng', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = Rng.fromSeed(7);
    const b = Rng.fromSeed(7);
    const c = Rng.fromSeed(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('forks do not depend on how much the parent has drawn', () => {
    const a = Rng.fromSeed(1);
    const b = Rng.fromSeed(1);
    for (let i = 0; i < 100; i++) b.next();
    expect(a.fork('x').next()).toBe(b.fork('x').next());
    expect(a.fork('x').next()).not.toBe(a.fork('y').next());
  });

  it('draws within bounds with sensible moments', () => {
    const r = Rng.fromSeed('moments');
    let sum = 0;
    let sq = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      const k = r.int(3, 5);
      expect([3, 4, 5]).toContain(k);
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.05);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
    const p = Array.from({ length: 5000 }, () => r.poisson(4)).reduce((a, b) => a + b, 0) / 5000;
    expect(Math.abs(p - 4)).toBeLessThan(0.2);
  });

  it('weighted picks follow the weights and shuffles keep the elements', () => {
    const r = Rng.fromSeed(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 9000; i++) counts[r.weightedIndex([1, 2, 6])]++;
    expect(counts[2]).toBeGreaterThan(counts[1]);
    expect(counts[1]).toBeGreaterThan(counts[0]);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(r.hex(16)).toMatch(/^[0-9a-f]{16}$/);
  });
});

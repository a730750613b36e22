import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fitLogistic, solve, type Example } from '../../src/stages/learn/logistic.ts';
import { Rng } from '../../src/world/random.ts';

describe('logistic fit with a prior', () => {
  it('returns the prior when there are no labels', () => {
    expect(fitLogistic([], { mean: [0.5, 1, -2], sd: [1, 1, 1] })).toEqual([0.5, 1, -2]);
  });

  it('recovers the weights that generated many labels', () => {
    const rng = Rng.fromSeed(7);
    const truth = [-1, 2];
    const examples: Example[] = [];
    for (let i = 0; i < 4000; i++) {
      const x = [1, rng.range(-2, 2)];
      const p = 1 / (1 + Math.exp(-(truth[0] * x[0] + truth[1] * x[1])));
      examples.push({ x, offset: 0, y: rng.chance(p) ? 1 : 0, weight: 1 });
    }
    const beta = fitLogistic(examples, { mean: [0, 1], sd: [10, 10] });
    expect(beta[0]).toBeCloseTo(-1, 0);
    expect(beta[1]).toBeCloseTo(2, 0);
  });

  it('moves from the prior towards the labels, less when labels weigh less', () => {
    // Every labelled example says the feature matters more than the prior thinks.
    const examples = (weight: number): Example[] =>
      Array.from({ length: 40 }, (_, i) => ({ x: [i % 2 === 0 ? 2 : -2], offset: 0, y: i % 2 === 0 ? 1 : 0, weight }));
    const prior = { mean: [0.2], sd: [0.5] };
    const strong = fitLogistic(examples(1), prior)[0];
    const weak = fitLogistic(examples(0.1), prior)[0];
    expect(strong).toBeGreaterThan(weak);
    expect(weak).toBeGreaterThan(0.2);
  });

  it('solves small linear systems (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), (x) => {
        const a = [
          [4, 1, 0.5],
          [1, 3, 0.2],
          [0.5, 0.2, 2],
        ];
        const b = a.map((row) => row.reduce((s, v, j) => s + v * x[j], 0));
        solve(a, b).forEach((v, j) => expect(v).toBeCloseTo(x[j], 6));
      }),
    );
  });
});

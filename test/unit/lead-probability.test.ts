import { describe, expect, it } from 'vitest';
import { fitProbabilityScale, IDENTITY_SCALE, MIN_CHECKED, probability } from '../../src/stages/leads/probability.ts';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('lead probability scaled on checked leads', () => {
  it('keeps the model scale until enough leads were checked, with both results', () => {
    const few = Array.from({ length: MIN_CHECKED - 1 }, (_, i) => ({ lo: i - 4, found: i % 2 === 0 }));
    expect(fitProbabilityScale(few)).toBe(IDENTITY_SCALE);
    const oneSided = Array.from({ length: 40 }, (_, i) => ({ lo: i / 10, found: true }));
    expect(fitProbabilityScale(oneSided)).toBe(IDENTITY_SCALE);
    expect(probability(IDENTITY_SCALE, 1.5)).toBeCloseTo(sigmoid(1.5), 12);
  });

  it('brings an over-confident model down to how often checks found a site', () => {
    // The model says 0.95 for every lead; checks found a site at 3 in 10 of them.
    const checked = Array.from({ length: 60 }, (_, i) => ({ lo: 3, found: i % 10 < 3 }));
    const scale = fitProbabilityScale(checked);
    expect(scale.checked).toBe(60);
    const p = probability(scale, 3);
    expect(p).toBeLessThan(0.5);
    expect(p).toBeGreaterThan(0.2);
  });

  it('never reorders leads', () => {
    // Found where the model was low, not where it was high: the slope stays positive all the same.
    const checked = Array.from({ length: 40 }, (_, i) => ({ lo: (i % 8) - 4, found: (i % 8) < 3 }));
    const scale = fitProbabilityScale(checked);
    expect(scale.slope).toBeGreaterThan(0);
    const los = [-3, -1, 0, 2, 4];
    const ps = los.map((lo) => probability(scale, lo));
    for (let i = 1; i < ps.length; i++) expect(ps[i]).toBeGreaterThan(ps[i - 1]);
  });
});

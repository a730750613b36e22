import { describe, expect, it } from 'vitest';
import { imitationLogOdds, lagDays, priceLogOdds } from '../../src/stages/listings/listings.ts';

describe('imitation lag', () => {
  const released = new Date('2026-01-10T00:00:00Z');
  const day = (d: number) => new Date(released.getTime() + d * 86_400_000);

  it('counts days from the release to the listing', () => {
    expect(lagDays(day(3), released)).toBe(3);
    expect(lagDays(day(-12), released)).toBe(-12);
    expect(lagDays(null, released)).toBeNull();
    expect(lagDays(day(1), null)).toBeNull();
  });

  it('weighs a listing before the release most, the launch week less, later listings not at all', () => {
    const before = imitationLogOdds(lagDays(day(-5), released));
    const launch = imitationLogOdds(lagDays(day(3), released));
    const later = imitationLogOdds(lagDays(day(40), released));
    expect(before).toBeGreaterThan(launch);
    expect(launch).toBeGreaterThan(later);
    expect(later).toBe(0);
    expect(imitationLogOdds(null)).toBe(0);
  });
});

describe('price evidence', () => {
  it('falls as the price nears the genuine one, and second-hand words soften moderate discounts only', () => {
    expect(priceLogOdds(0.1, false)).toBeGreaterThan(priceLogOdds(0.5, false));
    expect(priceLogOdds(0.5, false)).toBeGreaterThan(priceLogOdds(1, false));
    expect(priceLogOdds(0.5, true)).toBeLessThan(priceLogOdds(0.5, false));
    expect(priceLogOdds(0.15, true)).toBe(priceLogOdds(0.15, false));
  });
});

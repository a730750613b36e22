import { describe, expect, it } from 'vitest';
import { denRegion, estimateReach, groupHandoverPoints, PLACEMENT_PARAMS } from '../../src/stages/sites/placement.ts';
import { calibrateRadii, conformalQuantile, MIN_CONFIRMED } from '../../src/stages/leads/calibration.ts';

describe('den placement from handover points', () => {
  it('places a den met at two points between them, its radius holding 90% of where it can be', () => {
    const region = denRegion([{ x: -150, y: 0 }, { x: 150, y: 0 }], 250)!;
    expect(Math.hypot(region.x, region.y)).toBeLessThan(5);
    // The lens where both points are within 250 m reaches 200 m up and down and 100 m sideways.
    expect(region.r90).toBeGreaterThan(90);
    expect(region.r90).toBeLessThan(200);
    expect(denRegion([{ x: -300, y: 0 }, { x: 300, y: 0 }], 250)).toBeNull();
  });

  it('learns how far dens are from their handover points from the sites whose door is known, else assumes the trade\'s worst', () => {
    expect(estimateReach([10, 20])).toMatchObject({ q90: 0.9 * PLACEMENT_PARAMS.maxReachM, max: PLACEMENT_PARAMS.maxReachM, n: 0 });
    const alleys = estimateReach(Array.from({ length: 20 }, (_, i) => 50 + i * 5));
    expect(alleys.q90).toBeGreaterThan(130);
    expect(alleys.q90).toBeLessThan(150);
    expect(alleys.n).toBe(20);
    const doorsteps = estimateReach(Array.from({ length: 20 }, () => 8));
    expect(doorsteps.q90).toBe(PLACEMENT_PARAMS.minReachM);
  });

  it('groups the points one den\'s accounts share, not two dens of one operation with their own accounts', () => {
    const acc = (entries: Array<[string, number]>) => new Map(entries);
    const groups = groupHandoverPoints(
      [
        { site_index: 1, x: 0, y: 0, accounts: acc([['A', 30], ['B', 20]]) },
        { site_index: 2, x: 200, y: 0, accounts: acc([['A', 25], ['B', 25]]) },
        { site_index: 3, x: 0, y: 300, accounts: acc([['C', 40]]) },
        { site_index: 4, x: 2000, y: 0, accounts: acc([['A', 40]]) },
      ],
      250,
    );
    expect(groups).toEqual([[1, 2]]);
  });
});

describe('radius calibration on confirmed sites', () => {
  it('takes the ceil((n+1) 0.9)-th smallest score and needs enough of them', () => {
    expect(conformalQuantile([1, 2, 3])).toBeNull();
    expect(conformalQuantile(Array.from({ length: MIN_CONFIRMED }, (_, i) => i + 1))).toBe(MIN_CONFIRMED);
    expect(conformalQuantile(Array.from({ length: 19 }, (_, i) => i + 1))).toBe(18);
  });

  it('widens a class whose sites fall outside their radius, and leaves the model alone with too few', () => {
    // Leads 1 km apart along a meridian; each confirmed site lies 100 m from its lead, twice the 50 m radius.
    const leads = Array.from({ length: 12 }, (_, i) => ({ lat: 25 + i * 0.01, lng: 119, radius_m: 50, placement: 'handover_point' }));
    const sites = leads.map((l) => ({ lat: l.lat + 100 / 110_574, lng: l.lng }));
    const c = calibrateRadii(leads, sites);
    expect(c.matched).toBe(12);
    expect(c.factors.get('handover_point')!.factor).toBeCloseTo(2, 1);
    expect(c.factors.get('handover_point')!.basis).toBe('class');
    expect(calibrateRadii(leads, sites.slice(0, 3)).factors.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { demoteRepeats, isDormant } from '../../src/stages/leads/leads.ts';
import { IDENTITY_SCALE } from '../../src/stages/leads/probability.ts';

const M_PER_DEG = 111_195;
const day = (d: number) => new Date(Date.UTC(2026, 0, d));
function lead(network: string, north: number, radius: number, score: number, waybills: number, placement = 'door_away', from = 1, to = 60) {
  const s = { network_ids: [network], lat: 25 + north / M_PER_DEG, lng: 119, radius_m: radius, placement, waybills, first_seen: day(from), last_seen: day(to) };
  return { s: s as never, lo: Math.log(score / (1 - score)), score, evidence: [] as string[] };
}

describe('one den, one lead', () => {
  it("lowers a lead of the same operation with fewer parcels inside the other's radius, active at the same time", () => {
    const leads = [lead('N1', 0, 200, 0.9, 80), lead('N1', 150, 200, 0.85, 30), lead('N2', 150, 200, 0.8, 10)];
    expect(demoteRepeats(leads, IDENTITY_SCALE)).toBe(true);
    expect(leads[0].score).toBe(0.9);
    expect(leads[1].score).toBeLessThan(0.6);
    expect(leads[1].evidence.at(-1)).toMatch(/150 m away \(80 against 30\)/);
    // Another operation at the same spot is not a repeat.
    expect(leads[2].score).toBe(0.8);
  });

  it('lowers a fragment of a few parcels with a wide radius, not the den it came from', () => {
    // The fragment ranks first, and the den's own lead (25 m radius) lies inside the fragment's 170 m.
    const leads = [lead('N1', 0, 170, 0.8, 6), lead('N1', 130, 25, 0.7, 60)];
    expect(demoteRepeats(leads, IDENTITY_SCALE)).toBe(true);
    expect(leads[0].score).toBeLessThan(0.5);
    expect(leads[1].score).toBe(0.7);
  });

  it('leaves two dens of one operation alone when they are farther apart than the radii, or not active together', () => {
    const apart = [lead('N1', 0, 40, 0.9, 50), lead('N1', 200, 40, 0.85, 20)];
    expect(demoteRepeats(apart, IDENTITY_SCALE)).toBe(false);
    const moved = [lead('N1', 0, 200, 0.9, 50, 'door_away', 1, 20), lead('N1', 150, 200, 0.85, 20, 'door_away', 30, 60)];
    expect(demoteRepeats(moved, IDENTITY_SCALE)).toBe(false);
    expect(moved[1].score).toBe(0.85);
  });
});

describe('dormancy', () => {
  const end = day(90);
  it('calls a busy site quiet for over 14 days dormant, and one quiet for less active', () => {
    expect(isDormant(day(1), day(70), 200, end)).toBe(true);
    expect(isDormant(day(1), day(80), 200, end)).toBe(false);
  });

  it('does not call a site dormant for a quiet no longer than three of its own gaps between parcels', () => {
    // Six parcels over 60 days: one every 12; 30 quiet days is less than three gaps.
    expect(isDormant(day(1), day(61), 6, end)).toBe(false);
    // The same site quiet for 50 days has stopped.
    expect(isDormant(day(1), day(41), 6, end)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { demoteRepeats } from '../../src/stages/leads/leads.ts';
import { IDENTITY_SCALE } from '../../src/stages/leads/probability.ts';

const M_PER_DEG = 111_195;
const day = (d: number) => new Date(Date.UTC(2026, 0, d));
function lead(network: string, north: number, radius: number, score: number, placement = 'door_away', from = 1, to = 60) {
  const s = { network_ids: [network], lat: 25 + north / M_PER_DEG, lng: 119, radius_m: radius, placement, first_seen: day(from), last_seen: day(to) };
  return { s: s as never, lo: Math.log(score / (1 - score)), score, evidence: [] as string[] };
}

describe('one den, one lead', () => {
  it("lowers a lead of the same operation inside a better lead's radius, active at the same time", () => {
    const leads = [lead('N1', 0, 200, 0.9), lead('N1', 150, 200, 0.85), lead('N2', 150, 200, 0.8)];
    expect(demoteRepeats(leads, IDENTITY_SCALE)).toBe(true);
    expect(leads[1].score).toBeLessThan(0.6);
    expect(leads[1].evidence.at(-1)).toMatch(/150 m away/);
    // Another operation at the same spot is not a repeat.
    expect(leads[2].score).toBe(0.8);
  });

  it('leaves two dens of one operation alone when they are farther apart than the radius, or not active together', () => {
    const apart = [lead('N1', 0, 40, 0.9), lead('N1', 200, 40, 0.85)];
    expect(demoteRepeats(apart, IDENTITY_SCALE)).toBe(false);
    const moved = [lead('N1', 0, 200, 0.9, 'door_away', 1, 20), lead('N1', 150, 200, 0.85, 'door_away', 30, 60)];
    expect(demoteRepeats(moved, IDENTITY_SCALE)).toBe(false);
    expect(moved[1].score).toBe(0.85);
  });
});

/**
 * Scoring deterrence.csv against truth/deterrence.csv on hand-built rows:
 * a lead stands for its operation, the status is what the operation did in
 * the 28 days after the raid (whichever raid it reacted to; a pause that
 * outlasts the data is a stop), the pause error in days, and the region's
 * dip against the true dip.
 */
import { describe, expect, it } from 'vitest';
import { observedReaction, scoreDeterrence } from '../../src/evaluate/impact.ts';

const truth = (raid_date: string, outcome_ids: string, network_id: string, reaction: string, quiet_from = '', resumed_at = '', before = 1, after = 1) => ({
  raid_date,
  outcome_ids,
  network_id,
  reaction,
  quiet_from,
  resumed_at,
  parcels_per_day_before: before,
  parcels_per_day_after: after,
  status_observed: '',
  quiet_days_observed: '',
});
const row = (outcome_id: string, lead_id: string, status_after: string, paused_days: number, before: number, after: number) => ({
  outcome_id,
  lead_id,
  status_after,
  paused_days,
  parcels_per_day_before: before,
  parcels_per_day_after: after,
});

const truthRows = [
  // OC1 on 03-01: net-a pauses 10 days, net-b carries on (but stops after OC2 on 03-10), net-c pauses past the data's end.
  truth('2026-03-01', 'OC1', 'net-a', 'paused', '2026-03-02', '2026-03-12', 4, 2),
  truth('2026-03-01', 'OC1', 'net-b', 'continued', '', '', 6, 3),
  truth('2026-03-01', 'OC1', 'net-c', 'paused', '2026-03-03', '', 2, 0),
  truth('2026-03-10', 'OC2', 'net-b', 'stopped', '2026-03-11', '', 6, 0),
];

describe('observedReaction', () => {
  it('takes the reaction to any raid that began within the 28 days after this one', () => {
    expect(observedReaction(truthRows[0], truthRows).reaction).toBe('paused');
    expect(observedReaction(truthRows[1], truthRows).reaction).toBe('stopped');
    expect(observedReaction(truthRows[2], truthRows).reaction).toBe('stopped');
    // A quiet spell more than 28 days later is not this raid's.
    const late = truth('2026-01-01', 'OC0', 'net-b', 'continued');
    expect(observedReaction(late, [...truthRows, late]).reaction).toBe('continued');
  });
});

describe('scoreDeterrence', () => {
  const siteOf = new Map([
    ['L1', { network_id: 'net-a' }],
    ['L2', { network_id: 'net-b' }],
    ['L3', { network_id: 'net-c' }],
  ]);
  it('scores status, pause length and dip on the rows whose lead stands for an operation of the raid', () => {
    const rows = [
      row('OC1', 'L1', 'paused', 13, 4, 2), // right, 3 days off (truth 10)
      row('OC1', 'L2', 'continued', 0, 6, 3), // wrong: net-b stopped after OC2
      row('OC1', 'L3', 'stopped', 20, 2, 0), // right
      row('OC1', 'L9', 'continued', 0, 0, 0), // a lead of no operation: not matched, but in the dip
      row('OC2', 'L2', 'stopped', 15, 6, 0), // right
    ];
    const s = scoreDeterrence(rows, truthRows, siteOf)!;
    expect(s.rows).toBe(5);
    expect(s.matched).toBe(4);
    expect(s.statusAccuracy).toBe(3 / 4);
    expect(s.pauseErrorDays).toBe(3);
    // OC1: measured 12 -> 5 (-7/12), truth 12 -> 5 too: 0; OC2: -1 both: 0.
    expect(s.dipError).toBeCloseTo(0, 10);
    const off = scoreDeterrence([row('OC1', 'L1', 'paused', 10, 12, 12)], truthRows, siteOf)!;
    expect(off.pauseErrorDays).toBe(0);
    // OC1 measured 0 change against a true -7/12; OC2 has no measured rows.
    expect(off.dipError).toBeCloseTo(7 / 12, 10);
  });

  it('takes the schedule\'s account of what a site did where the truth has it (a holiday pause is a pause)', () => {
    const holiday = [{ ...truth('2026-02-01', 'OC3', 'net-a', 'continued'), status_observed: 'paused', quiet_days_observed: '12' }];
    const s = scoreDeterrence([row('OC3', 'L1', 'paused', 14, 5, 2)], holiday, siteOf)!;
    expect(s.statusAccuracy).toBe(1);
    expect(s.pauseErrorDays).toBe(2);
    expect(scoreDeterrence([row('OC3', 'L1', 'continued', 0, 5, 5)], holiday, siteOf)!.statusAccuracy).toBe(0);
  });
});
